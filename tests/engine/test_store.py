"""Workspace store: safe first open from several processes, tenant settings, blobs, tenant-scoped ids."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest

from spark_tui.engine.store import NotFound, Workspace


def _open_many(root: str, barrier: threading.Barrier) -> int:
    """Open the same fresh workspace from three threads at once, once every process is ready; the
    number of failures."""
    failures = []
    barrier.wait()

    def one() -> None:
        try:
            Workspace(root).ensure_tenant("t")
        except sqlite3.Error as exc:  # pragma: no cover - the failure this test exists for
            failures.append(exc)

    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(failures)


def test_concurrent_first_open_from_several_processes(tmp_path: Path) -> None:
    # spawn, not fork: forking a process that runs threads (pytest-xdist's execnet) can deadlock the child
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ctx.Pool(3) as pool:
        for attempt in range(3):
            root = str(tmp_path / f"ws{attempt}")
            barrier = manager.Barrier(3, timeout=120)  # the three processes open together, however slowly each started
            assert sum(pool.starmap(_open_many, [(root, barrier)] * 3)) == 0
            assert sqlite3.connect(Path(root) / "workspace.db").execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_tenant_settings_are_validated_and_persist(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    ws.configure_tenant("acme", job_limit=2, size_limit=1000)
    assert Workspace(tmp_path).tenant_config("acme").job_limit == 2
    with pytest.raises(ValueError, match="unknown tenant setting"):
        ws.configure_tenant("acme", jobs=3)
    with pytest.raises(NotFound, match="tenant 'nope'"):
        ws.tenant_config("nope")


def test_blobs_are_content_addressed_and_streamed(tmp_path: Path) -> None:
    import hashlib
    import io

    ws = Workspace(tmp_path)
    data = b"x" * (3 * 1024 * 1024 + 7)
    sha, size = ws.put_blob(io.BytesIO(data))
    assert (sha, size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert ws.put_blob(data) == (sha, size)  # same content, stored once
    assert ws.blob_path(sha).read_bytes() == data
    assert list(ws.tmp.iterdir()) == []


def test_ids_are_unique_per_tenant(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    sha, size = ws.put_blob(b"module")
    for tenant in ("dev", "uat"):
        ws.ensure_tenant(tenant)
        ws.add_folder(tenant, "f")
        sid = ws.add_service(tenant, "f", "s", service_id="5edf95a1-96f3-4a53-b9a4-9ff382bd9936")
        ws.add_version(tenant, sid, "1.0.0", {"a.json": (sha, size)}, version_id="91299a5d-9328-4435-911b-4e5f7783f5d4")
    assert [v.id for v in ws.list_versions("uat", "f", "s")] == ["91299a5d-9328-4435-911b-4e5f7783f5d4"]
    with pytest.raises(sqlite3.IntegrityError):
        ws.add_version("uat", sid, "1.0.1", {}, version_id="91299a5d-9328-4435-911b-4e5f7783f5d4")
