"""RemoteBackend against a live `spark-tui serve` on loopback: every operation, two users, limits."""

from __future__ import annotations

import hashlib
import threading
import zipfile
from pathlib import Path

import httpx
import pytest

from serve_live import ALICE, BOB, SECRET_FOLDER, TENANT, Served, serve_workspace

from spark_tui.backends.remote.retry import RetryPolicy
from spark_tui.backends.polling import wait_for_job
from spark_tui.backends.remote import RemoteBackend
from spark_tui.backends.transport import LazyTLSTransport
from spark_tui.config import Profile
from spark_tui.spark.errors import AuthError, BackendUnavailable, JobFinished, JobNotFound, JobSlotBusy, ValidationFailed
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
from spark_tui.spark.values import JobStatus

FAST = RetryPolicy(attempts=2, base_s=0.001, cap_s=0.002)


def request(*folders: str, **extra) -> ExportRequest:
    return ExportRequest(inputs=ExportInputs(folders=list(folders or ["synth-0000"])), **extra)


def backend(served: Served, user=ALICE, **extra) -> RemoteBackend:
    return RemoteBackend(served.profile(user, **extra), retry=FAST)


def finished(b: RemoteBackend, job_id: str):
    return wait_for_job(b, job_id, deadline_s=60, interval_s=0.05)


def test_browse_and_preview(served: Served) -> None:
    b = backend(served)
    folders = b.list_folders(page_size=2)
    assert folders.total == 3 and [f.name for f in folders.items] == [SECRET_FOLDER, "synth-0000"]
    assert folders.items[0].accessible is False
    services = b.list_services("synth-0001")
    assert [s.name for s in services.items] == ["service-0000", "service-0001"] and services.items[0].id
    versions = b.list_versions("synth-0001", "service-0001")
    assert [v.version for v in versions] == ["1.0.1", "1.0.0"]
    assert versions[0].service_id == services.items[1].id and versions[0].exportable
    with pytest.raises(ValidationFailed, match="nowhere"):
        b.list_services("nowhere")
    preview = b.preview(request())
    assert preview.errors == [] and len(preview.service_versions) == 4 and preview.projected_bytes > 0
    assert any("nowhere" in e.message for e in b.preview(request("nowhere")).errors)


def test_export_download_and_jobs(served: Served, tmp_path: Path) -> None:
    b = backend(served)
    job = b.submit(request(file_name="ours"))
    assert job.status is JobStatus.created and job.status_url.startswith(served.url)
    done = finished(b, job.id)
    assert done.status is JobStatus.closed
    [download] = b.download(done, tmp_path)
    path = Path(download.path)
    assert path.name == "ours.zip" and download.verified
    assert hashlib.sha256(path.read_bytes()).hexdigest() == done.outputs.files[0].file_hash
    assert any(n.endswith("manifest.json") for n in zipfile.ZipFile(path).namelist())
    assert [j.id for j in b.list_jobs()] == [job.id]
    summary = b.tenant_status()
    assert [j.id for j in summary.recent_exports] == [job.id]


def test_two_users_see_their_own_jobs(served: Served) -> None:
    alice, bob = backend(served, ALICE), backend(served, BOB)
    bobs = finished(bob, bob.submit(request()).id)
    alices = finished(alice, alice.submit(request("synth-0001")).id)
    assert [j.id for j in bob.list_jobs(all_users=True)] == [bobs.id]
    with pytest.raises(JobNotFound):
        bob.status(alices.id)
    assert [j.id for j in alice.list_jobs()] == [alices.id]
    assert [j.id for j in alice.list_jobs(all_users=True)] == [alices.id, bobs.id]
    failed = bob.submit(request(SECRET_FOLDER))
    assert failed.status is JobStatus.failed and any(SECRET_FOLDER in e.message for e in failed.errors)


def test_two_posts_at_once_exactly_one_is_refused(served: Served) -> None:
    users = [backend(served, ALICE), backend(served, BOB)]
    start = threading.Barrier(2)
    results: list[object] = [None, None]

    def post(i: int) -> None:
        start.wait()
        try:
            results[i] = users[i].submit(request())
        except JobSlotBusy as exc:
            results[i] = exc

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    refused = [r for r in results if isinstance(r, JobSlotBusy)]
    accepted = [r for r in results if not isinstance(r, JobSlotBusy)]
    assert len(refused) == 1 and len(accepted) == 1
    assert refused[0].running == [accepted[0].id] and accepted[0].id in str(refused[0])
    finished(users[0], accepted[0].id)


def test_cancel_and_cancel_again(served: Served) -> None:
    b = backend(served)
    job = b.submit(request())
    cancelled = b.cancel(job.id)
    assert cancelled.status is JobStatus.cancelled
    with pytest.raises(JobFinished, match="cancelled"):
        b.cancel(job.id)
    with pytest.raises(JobNotFound):
        b.cancel("no-such-job")


def test_signed_link_works_without_auth_and_auth_works_without_link(served: Served) -> None:
    b = backend(served)
    job = finished(b, b.submit(request()).id)
    url = job.outputs.files[0].file
    expected = job.outputs.files[0].file_hash
    plain = httpx.get(url)
    assert plain.status_code == 200 and hashlib.sha256(plain.content).hexdigest() == expected
    bare = url.split("?")[0]
    assert httpx.get(bare).status_code == 401
    authed = httpx.get(bare, headers={"Authorization": f"Bearer {ALICE.token}"})
    assert hashlib.sha256(authed.content).hexdigest() == expected
    assert httpx.get(bare, headers={"Authorization": f"Bearer {BOB.token}"}).status_code == 404
    tampered = url.replace("expires=", "expires=1")
    assert httpx.get(tampered).status_code == 403


def test_expired_link_is_refused_and_the_backend_fetches_a_fresh_one(tmp_path: Path) -> None:
    ws, server = serve_workspace(tmp_path / "ws", link_ttl_s=-5)
    with server:
        served = Served(ws, server.url)
        b = backend(served)
        job = finished(b, b.submit(request()).id)
        response = httpx.get(job.outputs.files[0].file)
        assert response.status_code == 403 and "expired" in response.json()["message"]
        [download] = b.download(job, tmp_path / "out")  # the backend's own auth still works
        assert download.verified
    ws.close()


def test_wrong_token_and_unreachable_server(served: Served, tmp_path: Path) -> None:
    with pytest.raises(AuthError, match="HTTP 401"):
        backend(served, token="wrong").tenant_status()
    api_key_user = Profile(
        name="k", backend="spark", base_url=f"{served.url}/{TENANT}", user=ALICE.name, api_key=ALICE.api_key,
    )
    assert RemoteBackend(api_key_user, retry=FAST).tenant_status().tenant.configuration.export_api_job_limit == 1
    dead = Profile(name="dead", backend="spark", base_url="http://127.0.0.1:9/acme", token="t")
    with pytest.raises(BackendUnavailable, match="127.0.0.1:9/acme"):
        RemoteBackend(dead, retry=FAST).tenant_status()


def test_plain_http_never_builds_the_tls_transport(served: Served) -> None:
    b = backend(served)
    transport = b.http.client._transport
    assert isinstance(transport, LazyTLSTransport)
    assert b.list_folders().total == 3
    assert transport._tls is None  # the CA bundle was never loaded
    b.close()
