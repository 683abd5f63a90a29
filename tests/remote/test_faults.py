"""RemoteBackend under faults, through httpx.MockTransport: retries, auth refresh, verified downloads."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import httpx
import pytest

from scripted import BASE, Recorder

from spark_tui.backends.remote.oauth import token_endpoint
from spark_tui.spark.errors import AuthError, BackendUnavailable, JobFinished, JobNotFound, JobSlotBusy, ValidationFailed
from spark_tui.spark.export_wire import ExportInputs, ExportJob, ExportRequest

JOB = "3f0c8a8e-2f43-4b7e-9a59-1d6f3d0b7a11"
PACKAGE = b"PK\x03\x04" + bytes(range(256)) * 40
SHA = hashlib.sha256(PACKAGE).hexdigest()
FILE_URL = f"https://files.example.net/exports/{JOB}/package.zip?sig=abc"


def job_body(status: str = "closed", files: list | None = None) -> dict:
    return {
        "object": "export", "id": JOB, "response_timestamp": "2025-01-01T00:00:00.000Z", "status": status,
        "status_url": f"{BASE}/api/v4/export/{JOB}/status", "process_time": 10,
        "outputs": {"files": files if files is not None else [{"file": FILE_URL, "file_hash": SHA}],
                    "services": [], "service_versions": []},
        "errors": None,
    }


def test_connect_timeout_is_retried_with_capped_backoff() -> None:
    def handler(request: httpx.Request, n: int) -> httpx.Response:
        if n < 2:
            raise httpx.ConnectTimeout("timed out", request=request)
        return httpx.Response(200, json=job_body("in_progress"))

    rec = Recorder(handler)
    assert rec.backend().status(JOB).status.value == "in_progress"
    assert len(rec.requests) == 3 and len(rec.sleeps) == 2
    assert all(0 < s <= 0.004 for s in rec.sleeps)


def test_read_timeout_forever_names_the_url_not_the_secret() -> None:
    def handler(request: httpx.Request, n: int) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    rec = Recorder(handler)
    with pytest.raises(BackendUnavailable) as info:
        rec.backend(attempts=3).status(JOB)
    assert len(rec.requests) == 3
    assert "excel.uat.us.coherent.global/acme/api/v4/export" in str(info.value)
    assert "s3cret" not in str(info.value)


@pytest.mark.parametrize("header, wait", [("Retry-After", 2.0), ("x-retry-after", 0.25)])
def test_429_honours_the_servers_retry_after(header: str, wait: float) -> None:
    def handler(request: httpx.Request, n: int) -> httpx.Response:
        if n == 0:
            return httpx.Response(429, headers={header: str(wait)})
        return httpx.Response(200, json=job_body())

    rec = Recorder(handler)
    rec.backend().status(JOB)
    assert rec.sleeps == [wait]


def test_503_burst_is_ridden_out_but_not_forever() -> None:
    burst = Recorder(lambda r, n: httpx.Response(503) if n < 3 else httpx.Response(200, json=job_body()))
    assert burst.backend(attempts=4).status(JOB).id == JOB
    endless = Recorder(lambda r, n: httpx.Response(503, text="maintenance"))
    with pytest.raises(BackendUnavailable, match="HTTP 503"):
        endless.backend(attempts=4).status(JOB)
    assert len(endless.requests) == 4


def test_post_is_not_repeated_after_a_502_but_is_after_a_503() -> None:
    request = ExportRequest(inputs=ExportInputs(folders=["f"]))
    gateway = Recorder(lambda r, n: httpx.Response(502))
    with pytest.raises(BackendUnavailable):
        gateway.backend().submit(request)
    assert len(gateway.requests) == 1
    busy = Recorder(lambda r, n: httpx.Response(503) if n == 0 else httpx.Response(200, json=job_body("created")))
    assert busy.backend().submit(request).status.value == "created"
    assert len(busy.requests) == 2


def test_status_codes_map_to_spark_errors() -> None:
    def error(status: int, code: str, message: str, ref: str | None = None) -> Recorder:
        body = {"message": message, "errors": [{"code": code, "message": message, "ref": ref}]}
        return Recorder(lambda r, n: httpx.Response(status, json=body))

    request = ExportRequest(inputs=ExportInputs(folders=["f"]))
    busy = error(409, "JOB_SLOT_BUSY", "tenant 'acme' already runs 1 export job(s) (limit 1): j-1", "j-1")
    with pytest.raises(JobSlotBusy) as slot:
        busy.backend().submit(request)
    assert slot.value.running == ["j-1"] and slot.value.limit == 1
    with pytest.raises(JobFinished):
        error(409, "JOB_FINISHED", f"export job '{JOB}' already ended with status 'closed'").backend().cancel(JOB)
    with pytest.raises(JobNotFound):
        error(404, "JOB_NOT_FOUND", "not found", JOB).backend().status(JOB)
    with pytest.raises(ValidationFailed) as invalid:
        error(422, "NO_INPUTS", "no inputs").backend().submit(request)
    assert invalid.value.errors[0].code == "NO_INPUTS"
    with pytest.raises(AuthError) as auth:
        error(401, "UNAUTHORIZED", "unknown bearer token").backend().status(JOB)
    assert "s3cret" not in str(auth.value) and "profile 'uat'" in str(auth.value)


def test_oauth_token_is_cached_and_refreshed_once_on_401() -> None:
    issued: list[str] = []

    def handler(request: httpx.Request, n: int) -> httpx.Response:
        if request.url.path.endswith("/openid-connect/token"):
            form = dict(httpx.QueryParams(request.content.decode()))
            assert form["grant_type"] == "client_credentials" and form["client_secret"] == "cl-secret"
            issued.append(f"tok-{len(issued)}")
            return httpx.Response(200, json={"access_token": issued[-1], "expires_in": 300})
        if request.headers["authorization"] == "Bearer tok-0" and len([r for r in rec.requests if "token" not in r.url.path]) > 2:
            return httpx.Response(401)  # the first token "expires" after two calls
        return httpx.Response(200, json=job_body())

    rec = Recorder(handler)
    backend = rec.backend(token=None, client_id="ci-bot", client_secret="cl-secret")
    for _ in range(3):
        backend.status(JOB)
    assert issued == ["tok-0", "tok-1"]
    token_url = token_endpoint("https://excel.uat.us.coherent.global", "acme")
    assert token_url == "https://keycloak.uat.us.coherent.global/auth/realms/acme/protocol/openid-connect/token"
    assert str(rec.requests[0].url) == token_url
    assert "cl-secret" not in repr(backend) and "cl-secret" not in repr(backend.http.oauth)


def test_oauth_refused_credentials_is_an_auth_error_without_the_secret() -> None:
    rec = Recorder(lambda r, n: httpx.Response(401, json={"error": "invalid_client"}))
    with pytest.raises(AuthError) as info:
        rec.backend(token=None, client_id="ci-bot", client_secret="cl-secret").status(JOB)
    assert "ci-bot" in str(info.value) and "cl-secret" not in str(info.value)


def _download_server(bodies: list[bytes], full_length: bool = True) -> Recorder:
    def handler(request: httpx.Request, n: int) -> httpx.Response:
        body = bodies[min(n, len(bodies) - 1)]
        headers = {"content-length": str(len(PACKAGE) if full_length else len(body))}
        return httpx.Response(200, content=body, headers=headers)

    return Recorder(handler)


def test_truncated_download_is_retried_and_only_the_verified_file_kept(tmp_path: Path) -> None:
    rec = _download_server([PACKAGE[:1000], PACKAGE])
    job = ExportJob.model_validate(job_body())
    [done] = rec.backend().download(job, tmp_path)
    assert Path(done.path).read_bytes() == PACKAGE and done.sha256 == SHA and done.verified
    assert sorted(p.name for p in tmp_path.iterdir()) == ["package.zip"]
    assert "authorization" not in rec.requests[0].headers  # a foreign host gets no credentials


def test_hash_mismatch_keeps_nothing(tmp_path: Path) -> None:
    corrupt = bytearray(PACKAGE)
    corrupt[100] ^= 0xFF
    rec = _download_server([bytes(corrupt)], full_length=False)
    job = ExportJob.model_validate(job_body())
    with pytest.raises(BackendUnavailable, match="SHA-256 mismatch") as info:
        rec.backend(attempts=3).download(job, tmp_path)
    assert len(rec.requests) == 3 and list(tmp_path.iterdir()) == []
    assert "sig=" not in str(info.value)


def test_cancelled_download_keeps_nothing(tmp_path: Path) -> None:
    rec = _download_server([PACKAGE])
    stop = threading.Event()
    stop.set()
    with pytest.raises(InterruptedError):
        rec.backend().download(ExportJob.model_validate(job_body()), tmp_path, cancel=stop)
    assert list(tmp_path.iterdir()) == []


def test_download_of_unfinished_job_is_refused(tmp_path: Path) -> None:
    rec = _download_server([PACKAGE])
    with pytest.raises(ValidationFailed, match="in_progress"):
        rec.backend().download(ExportJob.model_validate(job_body("in_progress", files=[])), tmp_path)
    assert rec.requests == []


def test_api_key_headers_and_paths() -> None:
    rec = Recorder(lambda r, n: httpx.Response(200, json={"status": "Success", "data": [], "count": 0}))
    backend = rec.backend(token=None, api_key="key-123")
    backend.list_folders()
    sent = rec.requests[0]
    assert str(sent.url) == "https://excel.uat.us.coherent.global/api/v1/product/list"
    assert sent.headers["x-synthetic-key"] == "key-123" and sent.headers["x-tenant-name"] == "acme"
    assert "key-123" not in repr(backend)


def test_download_progress_is_reported_in_the_callers_thread(tmp_path: Path) -> None:
    rec = _download_server([PACKAGE])
    seen: list[tuple[str, int, int]] = []
    rec.backend().download(ExportJob.model_validate(job_body()), tmp_path,
                           progress=lambda done, total: seen.append((threading.current_thread().name, done, total)))
    assert {name for name, _, _ in seen} == {threading.current_thread().name}
    assert seen[-1][1:] == (len(PACKAGE), len(PACKAGE))
