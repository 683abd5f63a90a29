"""Opening a workspace: private modes, leftovers of killed processes swept (never a live
process's files), a full disk named as such, and resolving outside the write lock."""

from __future__ import annotations

import errno
import gc
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from spark_tui.engine import jobs as jobs_module
from spark_tui.engine.blob_stage import BlobStage
from spark_tui.engine.jobs import JobManager
from spark_tui.engine.store import Workspace, open_workspace
from spark_tui.spark.errors import ConfigError, DiskFull
from spark_tui.spark.export_wire import ExportInputs, ExportRequest

from helpers_export import OTHER_TENANT, TENANT, build_catalog

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_workspace_is_private(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    ws.ensure_tenant("t")
    sha, _ = ws.put_blob(b"model")
    for d in (ws.root, ws.blobs, ws.packages, ws.tmp, ws.blob_path(sha).parent):
        assert mode(d) == 0o700, d
    for f in (ws.db_path, ws.db_path.with_name("workspace.db-wal"), ws.blob_path(sha)):
        assert mode(f) == 0o600, f


def test_an_older_world_readable_workspace_is_tightened_on_open(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    sha, _ = ws.put_blob(b"model")
    ws.close()
    loose = [ws.root, ws.blobs, ws.packages, ws.tmp, ws.blob_path(sha).parent]
    for d in loose:
        os.chmod(d, 0o755)
    os.chmod(ws.db_path, 0o644)
    del ws
    gc.collect()
    again = Workspace(tmp_path / "ws")
    assert all(mode(d) == 0o700 for d in loose)
    assert mode(again.db_path) == 0o600


def plant_leftovers(ws: Workspace) -> dict[str, Path]:
    """What killed processes leave: upload and blob temp files, an import's staging dir, a half-written
    package, an empty package dir; plus a finished package that must stay."""
    staging = BlobStage(ws, "import-")  # the importer's staging directory, one blob staged
    staging.put(b"x")
    part_dir = ws.packages / "job-killed"
    part_dir.mkdir()
    (part_dir / ".package.zip.abc.part").write_bytes(b"PK")
    (ws.packages / "job-empty").mkdir()
    kept = ws.packages / "job-done"
    kept.mkdir()
    (kept / "package.zip").write_bytes(b"PK done")
    paths = {
        "upload": ws.tmp / "upload-k3j.zip", "blob": ws.tmp / "tmpab12.blob", "module": ws.tmp / "tmpcd.module.zip",
        "staging": staging.dir, "part": part_dir, "empty": ws.packages / "job-empty", "kept": kept / "package.zip",
    }
    for key in ("upload", "blob", "module"):
        paths[key].write_bytes(b"partial")
    return paths


def test_leftovers_of_killed_processes_are_swept_on_open(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    paths = plant_leftovers(ws)
    del ws
    gc.collect()  # the last user is gone: its lock with it
    Workspace(tmp_path / "ws")
    gone = [k for k, p in paths.items() if not p.exists()]
    assert sorted(gone) == ["blob", "empty", "module", "part", "staging", "upload"]
    assert paths["kept"].read_bytes() == b"PK done"


def test_files_of_a_live_process_in_this_process_are_kept(tmp_path: Path) -> None:
    live = Workspace(tmp_path / "ws")
    paths = plant_leftovers(live)
    Workspace(tmp_path / "ws")  # another opener while `live` holds the workspace
    assert all(p.exists() for p in paths.values())


HOLDER = """
import sys
from spark_tui.engine.store import Workspace
ws = Workspace(sys.argv[1])
print("open", flush=True)
sys.stdin.read()
"""


def test_files_of_a_live_other_process_are_kept_and_swept_once_it_is_killed(tmp_path: Path) -> None:
    Workspace(tmp_path / "ws")
    gc.collect()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "ws")], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        opener = Workspace(tmp_path / "ws")
        paths = plant_leftovers(opener)
        del opener
        gc.collect()
        Workspace(tmp_path / "ws")
        assert all(p.exists() for p in paths.values())
    finally:
        holder.kill()
        holder.wait()
    gc.collect()
    Workspace(tmp_path / "ws")
    assert not paths["upload"].exists() and not paths["part"].exists() and paths["kept"].exists()


@pytest.mark.parametrize(
    "failure",
    [
        sqlite3.OperationalError("database or disk is full"),
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EDQUOT, "Disk quota exceeded"),
    ],
    ids=["sqlite-full", "enospc", "quota"],
)
def test_a_full_disk_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: Exception) -> None:
    def full(self: Workspace, root: Path) -> None:
        raise failure

    monkeypatch.setattr(Workspace, "__init__", full)
    with pytest.raises(DiskFull, match="disk full") as info:
        open_workspace(tmp_path / "ws")
    assert info.value.exit_code == 3 and info.value.http_status == 507
    assert "not a usable" not in str(info.value)


def test_a_damaged_database_is_not_called_a_full_disk(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "workspace.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ConfigError, match="not a usable spark-tui workspace"):
        open_workspace(root)


def test_resolving_does_not_hold_the_write_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While one tenant's large request resolves, another tenant's submit goes through."""
    built = build_catalog(tmp_path / "ws")
    resolving, other_done = threading.Event(), threading.Event()
    real_resolve = jobs_module.resolve

    def slow_resolve(ws, tenant, request, groups):
        if tenant == TENANT:
            resolving.set()
            assert other_done.wait(20), "the other tenant's submit waited behind this resolve"
        return real_resolve(ws, tenant, request, groups)

    monkeypatch.setattr(jobs_module, "resolve", slow_resolve)
    request = ExportRequest(inputs=ExportInputs(folders=["alpha"]))
    results: dict[str, object] = {}

    def submit_big() -> None:
        results["big"] = JobManager(Workspace(built.ws.root), spawn=False).submit(TENANT, "u", (), request)

    big = threading.Thread(target=submit_big)
    big.start()
    assert resolving.wait(20)
    other = JobManager(Workspace(built.ws.root), spawn=False).submit(OTHER_TENANT, "v", (), request)
    other_done.set()
    big.join(30)
    assert other.status.value == "created" and results["big"].status.value == "created"


def test_a_directory_becoming_a_workspace_keeps_its_tmp(tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    (tmp_path / "tmp" / "mine.txt").write_text("not spark-tui's")
    Workspace(tmp_path)
    assert (tmp_path / "tmp" / "mine.txt").read_text() == "not spark-tui's"
