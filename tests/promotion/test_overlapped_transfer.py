"""serve → serve: the import's upload follows the download, and its end waits for the verified package.

A spy transport on the target's client counts the import body's bytes as httpx sends them, so the
tests see the upload under way while the download is held mid-file, and see that a corrupt download
never completes a body (serve then keeps nothing: no job, no temp file, no catalog change).
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from promokit import seed_target
from spark_tui.backends.package_stream import CHUNK, HOLD
from spark_tui.backends.remote import RemoteBackend
from spark_tui.backends.remote.retry import RetryPolicy
from spark_tui.config import Profile
from spark_tui.engine.store import Workspace
from spark_tui.engine.synth import generate
from spark_tui.promotion.mappings import parse_map
from spark_tui.promotion.prepare import prepare
from spark_tui.promotion.run import run
from spark_tui.promotion.steps import PromotionFailed, Step, StepUpdate
from spark_tui.server import create_app
from spark_tui.spark.export_wire import ExportInputs, ExportJob, ExportRequest
from spark_tui.spark.values import IfPresent

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import ALICE, LiveServer  # noqa: E402

SELECTION = ExportRequest(inputs=ExportInputs(folders=["synth-0000"]))
MAPS = [parse_map("synth-0000=UAT")]
WAIT_S = 30


class Spy(httpx.HTTPTransport):
    """Counts the bytes of import bodies as they are sent, and the bodies sent to their end."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = self.posts = self.complete = 0
        self.moved = threading.Condition()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/import"):
            self.posts += 1
            request = httpx.Request(request.method, request.url, headers=request.headers, stream=_Counted(self, request.stream))
        return super().handle_request(request)

    def add(self, n: int) -> None:
        with self.moved:
            self.sent += n
            self.moved.notify_all()

    def wait_sent(self, n: int) -> bool:
        with self.moved:
            return self.moved.wait_for(lambda: self.sent >= n, timeout=WAIT_S)


class _Counted(httpx.SyncByteStream):
    def __init__(self, spy: Spy, inner) -> None:
        self.spy, self.inner = spy, inner

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            self.spy.add(len(chunk))
            yield chunk
        self.spy.complete += 1


class WrongHash(RemoteBackend):
    """A source whose export job reports a file_hash its package's bytes do not have."""

    def status(self, job_id: str) -> ExportJob:
        job = super().status(job_id)
        files = [f.model_copy(update={"file_hash": "0" * 64}) for f in job.outputs.files or []]
        return job.model_copy(update={"outputs": job.outputs.model_copy(update={"files": files})})


def profile(url: str, tenant: str) -> Profile:
    return Profile(name=tenant, backend="spark", base_url=f"{url}/{tenant}", tenant=tenant, user=ALICE.name,
                   groups=tuple(ALICE.groups), token=ALICE.token)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[str, str, Workspace]]:
    """dev (one folder of 2 services × 2 versions, a package of a few MiB) and uat (seed_target), served."""
    dev_ws = Workspace(tmp_path / "dev")
    generate(dev_ws, "dev", folders=1, services=2, versions=2, payload_bytes=800_000)
    seed_target(tmp_path / "uat")
    uat_ws = Workspace(tmp_path / "uat")
    with LiveServer(create_app(dev_ws, [ALICE])) as dev, LiveServer(create_app(uat_ws, [ALICE])) as uat:
        yield dev.url, uat.url, uat_ws
    dev_ws.close()
    uat_ws.close()


def hold_download_until_uploaded(spy: Spy, seen: list[int]):
    """A listener that stops the download after its third chunk until the upload has sent more than a chunk:
    it returns only if the upload runs while the download is still under way."""
    def listener(update: StepUpdate) -> None:
        if update.step is Step.download and update.done > 2 * CHUNK and not seen:
            seen.append(update.done)
            assert spy.wait_sent(CHUNK), f"the upload sent {spy.sent} bytes while the download waited"
    return listener


def catalog(ws: Workspace) -> list[tuple]:
    db = ws.connect()
    return [tuple(r) for r in db.execute(
        "SELECT f.name, s.name, v.version, v.id FROM versions v JOIN services s ON s.id=v.service_id "
        "JOIN folders f ON f.id=s.folder_id WHERE v.tenant='uat' ORDER BY 1, 2, 3").fetchall()]


def test_upload_overlaps_download_and_the_receipt_has_no_deviation(servers, tmp_path: Path) -> None:
    dev_url, uat_url, uat_ws = servers
    spy = Spy()
    source, target = RemoteBackend(profile(dev_url, "dev")), RemoteBackend(profile(uat_url, "uat"), transport=spy)
    seen: list[int] = []
    prepared = prepare(source, target, SELECTION, MAPS, if_present=IfPresent.add_version)
    outcome = run(source, target, prepared, tmp_path, on_update=hold_download_until_uploaded(spy, seen))
    size = outcome.package.stat().st_size
    assert seen and seen[0] < size  # the upload was held to have sent a chunk while the download waited mid-file
    assert outcome.receipt.outcome == "promoted" and outcome.receipt.deviations == []
    assert spy.posts == spy.complete == 1 and spy.sent > size
    assert sorted(v.version for v in target.list_versions("UAT", "service-0000")) == ["1.0.0", "1.0.1"]
    assert outcome.receipt.package is not None
    assert outcome.receipt.package.sha256 == hashlib.sha256(outcome.package.read_bytes()).hexdigest()
    source.close()
    target.close()


def test_a_corrupt_download_never_completes_the_upload(servers, tmp_path: Path) -> None:
    dev_url, uat_url, uat_ws = servers
    spy = Spy()
    no_wait = RetryPolicy(attempts=2, sleep=lambda s: None)
    source = WrongHash(profile(dev_url, "dev"), retry=no_wait)
    target = RemoteBackend(profile(uat_url, "uat"), transport=spy)
    before = catalog(uat_ws)
    seen: list[int] = []
    prepared = prepare(source, target, SELECTION, MAPS, if_present=IfPresent.add_version)
    with pytest.raises(PromotionFailed) as exc:
        run(source, target, prepared, tmp_path, on_update=hold_download_until_uploaded(spy, seen))
    assert exc.value.step is Step.download and "SHA-256 mismatch" in exc.value.message
    assert seen and spy.sent > CHUNK and spy.posts >= 1 and spy.complete == 0  # under way, never finished
    receipt = json.loads(exc.value.receipt_path.read_text())
    assert receipt["failed_step"] == "download" and receipt["target_may_have_changed"] is False
    assert receipt["import_job_id"] is None
    assert target.list_imports(all_users=True) == []
    assert catalog(uat_ws) == before
    assert wait_until(lambda: not any(uat_ws.tmp.iterdir())), sorted(uat_ws.tmp.iterdir())
    assert not list(tmp_path.glob("*.zip"))  # nothing unverified kept on this side either
    source.close()
    target.close()


def test_serve_keeps_nothing_of_a_truncated_upload(servers) -> None:
    """The body stops short of its last bytes (the client raises mid-body, as a failed PackageStream does)."""
    _, uat_url, uat_ws = servers
    boundary = "b0undary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="importRequestEntity"\r\n\r\n'
            '{"inputs":{"services_modify":[]},"services_existing":"abort"}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="package.zip"\r\n'
            'Content-Type: application/zip\r\n\r\n').encode()

    class Stop(Exception):
        pass

    def body() -> Iterator[bytes]:
        yield head
        yield b"PK" + b"\0" * (4 * HOLD)
        raise Stop

    with pytest.raises(Stop):
        httpx.post(f"{uat_url}/uat/api/v4/import", content=body(), headers={
            "Authorization": f"Bearer {ALICE.token}", "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(head) + 8 * HOLD)})
    assert wait_until(lambda: not any(uat_ws.tmp.iterdir())), sorted(uat_ws.tmp.iterdir())
    target = RemoteBackend(profile(uat_url, "uat"))
    assert target.list_imports(all_users=True) == []
    target.close()


def wait_until(condition, timeout: float = WAIT_S) -> bool:
    """Whether `condition()` became true within `timeout` (checked on a short event wait, not a sleep loop)."""
    tick = threading.Event()
    for _ in range(int(timeout / 0.05)):
        if condition():
            return True
        tick.wait(0.05)
    return condition()
