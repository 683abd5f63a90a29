"""Every request carries a fresh `x-request-id` (uuid4) and every error raised quotes it."""

from __future__ import annotations

import hashlib
import io
import uuid
from pathlib import Path

import httpx
import pytest

from scripted import Recorder, Spark

from spark_tui.backends.remote.oauth import token_endpoint
from spark_tui.batch.operations import Console, report_error
from spark_tui.spark.errors import AuthError, BackendUnavailable, JobFinished, JobNotFound, ValidationFailed
from spark_tui.spark.export_wire import ExportJob, ExportRequest

JOB = "3f0c8a8e-2f43-4b7e-9a59-1d6f3d0b7a11"


def job_body(status: str = "closed", file_hash: str = "0" * 64) -> dict:
    url = f"https://excel.uat.us.coherent.global/acme/api/v4/export/{JOB}/download/package.zip"
    return {"id": JOB, "status": status, "outputs": {"files": [{"file": url, "file_hash": file_hash}]}}


def test_each_request_has_its_own_uuid4() -> None:
    spark = Spark({
        "POST /api/v1/product/list": (200, {"status": "Success", "data": []}),
        f"GET /api/v4/export/{JOB}/status": (200, job_body("in_progress")),
    })
    b = spark.backend()
    b.list_folders()
    b.status(JOB)
    b.status(JOB)
    ids = [r.headers["x-request-id"] for r in spark.requests]
    assert len(set(ids)) == 3 and all(uuid.UUID(i).version == 4 for i in ids)


def test_http_errors_quote_the_failing_request() -> None:
    spark = Spark({f"GET /api/v4/export/{JOB}/status": (404, {"message": "no such job"})})
    with pytest.raises(JobNotFound) as info:
        spark.backend().status(JOB)
    assert info.value.request_id == spark.requests[-1].headers["x-request-id"]
    assert f"[x-request-id {info.value.request_id}]" in str(info.value)


def test_unreachable_server_quotes_the_last_try() -> None:
    def refuse(request: httpx.Request, n: int) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    rec = Recorder(refuse)
    with pytest.raises(BackendUnavailable, match="cannot reach Spark") as info:
        rec.backend(attempts=2).status(JOB)
    assert len(rec.requests) == 2 and info.value.request_id == rec.requests[-1].headers["x-request-id"]
    assert info.value.request_id in info.value.message


def test_refused_oauth_client_quotes_the_token_request() -> None:
    rec = Recorder(lambda r, n: httpx.Response(401, json={"error": "unauthorized_client", "error_description": "Invalid client secret"}))
    with pytest.raises(AuthError, match="Invalid client secret") as info:
        rec.backend(token=None, client_id="ci-bot", client_secret="cl-secret").status(JOB)
    token_request = rec.requests[0]
    assert str(token_request.url) == token_endpoint("https://excel.uat.us.coherent.global", "acme")
    assert info.value.request_id == token_request.headers["x-request-id"] and "cl-secret" not in str(info.value)


def test_failed_download_quotes_the_last_transfer(tmp_path: Path) -> None:
    package = b"PK" + bytes(100)
    spark = Spark({f"GET /api/v4/export/{JOB}/download/package.zip": (200, package)})
    job = ExportJob.model_validate(job_body(file_hash=hashlib.sha256(b"other").hexdigest()))
    with pytest.raises(BackendUnavailable, match="SHA-256 mismatch") as info:
        spark.backend(attempts=2).download(job, tmp_path)
    assert info.value.request_id == spark.requests[-1].headers["x-request-id"]
    assert list(tmp_path.iterdir()) == []


def test_batch_prints_the_request_id_of_a_refused_request() -> None:
    spark = Spark({"POST /api/v4/export": (422, {"message": "no inputs", "errors": [{"code": "NO_INPUTS", "message": "no inputs"}]})})
    with pytest.raises(ValidationFailed) as info:
        spark.backend().submit(ExportRequest())
    err = io.StringIO()
    assert report_error(info.value, Console(out=io.StringIO(), err=err)) == 2
    rid = spark.requests[-1].headers["x-request-id"]
    assert err.getvalue().splitlines() == ["error: NO_INPUTS: no inputs", f"x-request-id {rid} (quote it to support)"]


def test_errors_rebuilt_here_keep_the_servers_words() -> None:
    spark = Spark({
        f"GET /api/v4/export/{JOB}/status": (404, {"message": "Export job is expired or unknown"}),
        f"PATCH /api/v4/export/{JOB}": (409, "Job already completed"),
    })
    with pytest.raises(JobNotFound, match=r"not found \(the server says: Export job is expired or unknown\)"):
        spark.backend().status(JOB)
    with pytest.raises(JobFinished, match=r"\(the server says: Job already completed\) \[x-request-id "):
        spark.backend().cancel(JOB)
