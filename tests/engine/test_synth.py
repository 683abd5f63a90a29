"""The synthetic workspace generator: shape, shared vs distinct payloads, speed and CLI."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from spark_tui.engine.access import list_folders
from spark_tui.engine.store import Workspace
from spark_tui.engine.synth import SHARE_BELOW, generate, main, synthetic_version
from spark_tui.spark.semver import SemVer


def module_rows(ws: Workspace, tenant: str) -> list:
    return ws.connect().execute(
        "SELECT version_id, sha256, size FROM version_files WHERE tenant=? AND name = version_id || '.zip'", (tenant,)
    ).fetchall()


def test_generates_folders_times_services_times_versions(ws: Workspace) -> None:
    generate(ws, "bench", folders=3, services=4, versions=5, payload_bytes=1000)
    folders, total = list_folders(ws, "bench")
    assert total == 3
    services, count = ws.list_services("bench", folders[0].name)
    assert count == 4 and all(s.version_count == 5 and s.exportable for s in services)
    versions = ws.list_versions("bench", folders[0].name, services[0].name)
    assert sorted(SemVer.parse(v.version) for v in versions) == [SemVer.parse(synthetic_version(k)) for k in range(5)]
    assert len(module_rows(ws, "bench")) == 60
    for v in versions:
        files = {f.name: f for f in ws.version_files("bench", v.id)}
        assert {n for n, f in files.items() if f.onpremises} == {
            f"{v.id}.zip", "ModelMetaData.json", "WASMMetaData.json", "DefaultValidations.json"
        }
        assert f"{v.service}.xlsx" in files
        assert v.size == sum(f.size for f in files.values())


def test_small_payloads_share_blobs(ws: Workspace) -> None:
    generate(ws, "bench", folders=2, services=2, versions=3, payload_bytes=SHARE_BELOW - 1)
    assert len({r["sha256"] for r in module_rows(ws, "bench")}) == 1


def test_incompressible_payloads_are_distinct_per_version(ws: Workspace) -> None:
    generate(ws, "bench", folders=1, services=2, versions=3, payload_bytes=SHARE_BELOW)
    rows = module_rows(ws, "bench")
    assert len(rows) == 6 and len({r["sha256"] for r in rows}) == 6
    assert all(r["size"] > SHARE_BELOW for r in rows)
    data = ws.blob_path(rows[0]["sha256"]).read_bytes()
    assert len(zlib.compress(data)) > 0.99 * len(data)


def test_compressible_payload_is_shared_and_compresses(ws: Workspace) -> None:
    generate(ws, "bench", folders=1, services=1, versions=3, payload_bytes=512 * 1024, incompressible=False)
    rows = module_rows(ws, "bench")
    assert len({r["sha256"] for r in rows}) == 1
    data = ws.blob_path(rows[0]["sha256"]).read_bytes()
    assert len(zlib.compress(data)) < 0.2 * len(data)


def test_refuses_an_existing_folder_and_negative_counts(ws: Workspace) -> None:
    generate(ws, "bench", folders=1, services=1, versions=1, payload_bytes=0)
    with pytest.raises(ValueError, match="folder 'synth-0000' already exists in tenant 'bench'"):
        generate(ws, "bench", folders=1, services=1, versions=1, payload_bytes=0)
    with pytest.raises(ValueError, match="versions must be >= 0, got -1"):
        generate(ws, "other", folders=1, services=1, versions=-1, payload_bytes=0)
    generate(ws, "other", folders=1, services=1, versions=1, payload_bytes=0)  # same seed, another tenant


def test_bulk_insert_creates_every_version(ws: Workspace) -> None:
    """The speed of generation is reported by tests/bench/bench_resolver.py; here, what it creates."""
    generate(ws, "bench", folders=10, services=50, versions=20, payload_bytes=100)
    db = ws.connect()
    assert db.execute("SELECT COUNT(*) FROM versions WHERE tenant='bench'").fetchone()[0] == 10_000
    assert db.execute("SELECT COUNT(*) FROM services WHERE tenant='bench'").fetchone()[0] == 500
    assert db.execute("SELECT COUNT(*) FROM folders WHERE tenant='bench'").fetchone()[0] == 10


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "ws"
    argv = ["--workspace", str(root), "--tenant", "t", "--folders", "2", "--services", "1", "--versions", "2", "--payload-bytes", "10"]
    assert main(argv) == 0
    assert "generated 4 versions in tenant 't'" in capsys.readouterr().out
    assert main(argv) == 2
    assert "folder 'synth-0000' already exists" in capsys.readouterr().err
    assert list_folders(Workspace(root), "t")[1] == 2
