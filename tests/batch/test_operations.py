"""`--batch` listings, `--jobs`, backend errors, interrupted downloads."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from batchkit import build_tenant
from spark_tui.backends.base import BackendInfo
from spark_tui.batch import operations
from spark_tui.batch.progress import Progress
from spark_tui.engine.demo import RESTRICTED_FOLDER, RESTRICTED_GROUP
from spark_tui.spark.export_wire import Download, ExportJob, ExportOutputs, OutputFile, TenantExportStatus
from spark_tui.spark.values import FolderInfo, JobStatus, ServiceInfo, VersionInfo


def test_list_folders_table_and_json(cli) -> None:
    r = cli("--list-folders")
    assert r.code == 0
    lines = r.out.splitlines()
    assert lines[0].split() == ["FOLDER", "SERVICES", "ACCESS"]
    assert any(line.startswith("insurance-pricing ") and line.split()[1] == "3" for line in lines)
    assert f"no (needs {RESTRICTED_GROUP})" in r.out
    folders = [FolderInfo(**f) for f in cli("--list-folders", "--json").json]
    assert [f.name for f in folders] == sorted(f.name for f in folders) and len(folders) == len(lines) - 1


def test_list_folders_pages_through_everything(cli, tmp_path: Path) -> None:
    ws = build_tenant(tmp_path / "ws")
    for n in range(105):
        ws.add_folder("acme", f"f{n:03d}")
    folders = cli("--workspace", str(tmp_path / "ws"), "--tenant", "acme", "--list-folders", "--json").json
    assert len(folders) == 106 and folders[-1]["name"] == "f104"


def test_list_services_and_versions(cli) -> None:
    r = cli("--list-services", "insurance-pricing")
    assert r.code == 0 and r.out.splitlines()[0].split() == ["SERVICE", "VERSIONS", "LATEST", "ENGINE", "EXPORTABLE"]
    services = [ServiceInfo(**s) for s in cli("--list-services", "insurance-pricing", "--json").json]
    assert [s.name for s in services] == ["home-premium", "motor-premium", "travel-quote"]
    versions = [VersionInfo(**v) for v in cli("--list-versions", "insurance-pricing/travel-quote", "--json").json]
    assert [v.version for v in versions] == ["3.20.1", "3.2.7", "3.2.0"]  # newest first, semver order
    text = cli("--list-versions", "insurance-pricing/travel-quote").out
    assert versions[0].id in text.splitlines()[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--list-services", "nope"], "error: FOLDER_NOT_FOUND: folder 'nope' not found"),
        (["--list-services", RESTRICTED_FOLDER], "error: ACCESS_DENIED:"),
        (["--list-versions", "insurance-pricing"], "'insurance-pricing' is not FOLDER/SERVICE"),
        (["--list-versions", "insurance-pricing/nope"], "error: SERVICE_NOT_FOUND:"),
        (["--list-versions", "a/b/c"], "invalid service name 'b/c'"),
    ],
)
def test_listing_errors_are_exit_2(cli, args: list[str], message: str) -> None:
    r = cli(*args)
    assert r.code == 2 and message in r.err and r.err.count("\n") == 1


def test_jobs_table_and_json(cli, no_workers) -> None:
    job_id = cli("--folder", "insurance-pricing", "--no-wait", "--json").json["id"]
    r = cli("--jobs")
    assert r.code == 0 and r.out.startswith("jobs in progress: 1 of 1")
    assert job_id in r.out.splitlines()[2] and "created" in r.out
    status = TenantExportStatus.model_validate(cli("--jobs", "--json").json)
    assert [j.id for j in status.in_progress_exports] == [job_id]
    assert status.tenant.status.export_api_jobs_in_progress == 1 and status.tenant.configuration.export_api_job_limit == 1


@pytest.fixture
def refusing_server() -> Iterator[str]:
    """A local HTTP server that answers every request 401, as Spark does for a bad token."""

    class Refuse(BaseHTTPRequestHandler):
        def _refuse(self) -> None:
            body = b'{"error": {"status": 401, "message": "invalid token"}}'
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PATCH = _refuse

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/demo"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("args", [["--jobs"], ["--folder", "x"], ["--status", "j1"]])
def test_rejected_credentials_are_exit_3(cli, monkeypatch: pytest.MonkeyPatch, refusing_server: str, tmp_path: Path,
                                         args: list[str]) -> None:
    monkeypatch.setenv("CSPARK_BASE_URL", refusing_server)
    monkeypatch.setenv("CSPARK_BEARER_TOKEN", "secret-token-value-123")
    r = cli("--profile", "spark", *args, *(["-o", str(tmp_path)] if args[0] == "--folder" else []))
    assert r.code == 3 and r.err.startswith("error: ") and r.err.count("\n") == 1, r.err
    assert "secret-token-value-123" not in r.err + r.out
    assert list(tmp_path.iterdir()) == []


def test_workspace_that_is_not_one(cli, tmp_path: Path) -> None:
    (tmp_path / "workspace.db").write_bytes(b"garbage" * 200)
    r = cli("--workspace", str(tmp_path), "--list-folders")
    assert r.code == 2 and f"workspace {tmp_path} is not a usable spark-tui workspace" in r.err


def test_unknown_tenant_of_a_workspace(cli) -> None:
    r = cli("--tenant", "nope", "--folder", "x")
    assert r.code == 2 and "tenant 'nope' does not exist" in r.err
    r = cli("--tenant", "a/b", "--list-folders")
    assert r.code == 2 and "invalid tenant name 'a/b'" in r.err


class DownloadingBackend:
    """A backend whose download finishes but the user pressed Ctrl-C meanwhile."""

    info = BackendInfo(profile="p", kind="embedded", location="x", tenant="t", user="u")

    def __init__(self, dest: Path, cancel_during: bool) -> None:
        self.dest, self.cancel_during = dest, cancel_during

    def download(self, job: ExportJob, dest_dir: Path, progress=None, cancel: threading.Event | None = None) -> list[Download]:
        target = dest_dir / "package.zip"
        target.write_bytes(b"zip")
        if self.cancel_during and cancel is not None:
            cancel.set()
        return [Download(path=str(target), bytes=3, sha256="x", verified=True)]


def closed_job() -> ExportJob:
    return ExportJob(id="j", response_timestamp="t", status=JobStatus.closed,
                     outputs=ExportOutputs(files=[OutputFile(file="file:///p.zip", file_hash="x")]))


def test_interrupted_download_leaves_nothing(tmp_path: Path) -> None:
    stop = threading.Event()
    progress = Progress(io.StringIO(), tty=False)
    assert operations._download(DownloadingBackend(tmp_path, True), closed_job(), tmp_path, progress, stop) is None  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
    downloads = operations._download(DownloadingBackend(tmp_path, False), closed_job(), tmp_path, progress, threading.Event())  # type: ignore[arg-type]
    assert downloads is not None and (tmp_path / "package.zip").exists()


def test_unverified_download_is_exit_3(tmp_path: Path) -> None:
    class Unverified(DownloadingBackend):
        def download(self, *args, **kwargs) -> list[Download]:  # type: ignore[override]
            return [d.model_copy(update={"verified": False}) for d in super().download(*args, **kwargs)]

    with pytest.raises(operations.DownloadFailed, match="failed SHA-256 verification") as info:
        operations._download(Unverified(tmp_path, False), closed_job(), tmp_path, Progress(io.StringIO(), tty=False), threading.Event())  # type: ignore[arg-type]
    assert info.value.exit_code == 3 and list(tmp_path.iterdir()) == []
