"""Unreferenced blobs are collected, never one a version, a running job, a staging area or a fresh write may use;
an add_version import stores no blob it does not reference."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest
from importspace import DEST, TARGET, exported, mapping, request, source_and_target
from jobspace import USER

from spark_tui.engine.blob_gc import collect_orphan_blobs
from spark_tui.engine.import_jobs import ImportJobs
from spark_tui.engine.importer import run_import
from spark_tui.engine.jobs import JobManager
from spark_tui.engine.store import Workspace
from spark_tui.spark.values import IfPresent, VersionBump


def stored(ws: Workspace) -> set[str]:
    return {p.name for p in ws.blobs.rglob("*") if p.is_file()}


def referenced(ws: Workspace) -> set[str]:
    return {r[0] for r in ws.connect().execute("SELECT DISTINCT sha256 FROM version_files")}


def orphan(ws: Workspace, content: bytes, age_s: float) -> Path:
    sha = hashlib.sha256(content).hexdigest()
    path = ws.blob_path(sha)
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    os.utime(path, (time.time() - age_s, time.time() - age_s))
    return path


@pytest.fixture
def pair(tmp_path: Path):
    """A target workspace (tenant beta, folder uat), and a package exported from another workspace."""
    source = source_and_target(tmp_path / "source")
    package = exported(source, tmp_path / "in" / "migrate.zip")
    source.close()
    ws = Workspace(tmp_path / "target")
    ws.ensure_tenant(TARGET)
    ws.add_folder(TARGET, DEST)
    yield ws, package
    ws.close()


@pytest.mark.parametrize("bump", [VersionBump.minor, VersionBump.major])
def test_add_version_stores_only_the_blobs_it_references(pair, bump: VersionBump) -> None:
    ws, package = pair
    service = ws.add_service(TARGET, DEST, "quote")
    ws.add_version(TARGET, service, "3.0.0", {"book.xlsx": ws.put_blob(b"an earlier workbook")})
    entity = request(mapping("Pricing/quote", f"{DEST}/quote", bump), if_present=IfPresent.add_version)
    run_import(ws, TARGET, package, entity, ())  # renumbered: ModelMetaData.json and WASMMetaData.json are rewritten
    numbers = [r[0] for r in ws.connect().execute("SELECT version FROM versions WHERE tenant=?", (TARGET,))]
    assert len(numbers) == 3 and "3.0.0" in numbers
    assert stored(ws) == referenced(ws)


@pytest.mark.parametrize("ages, collected", [([7200], 1), ([7200, 7300, 10], 2), ([10], 0), ([], 0)])
def test_old_unreferenced_blobs_are_collected(pair, ages: list[float], collected: int) -> None:
    ws, _ = pair
    before = stored(ws)
    paths = [orphan(ws, f"orphan {n}".encode(), age) for n, age in enumerate(ages)]
    assert collect_orphan_blobs(ws) == collected
    assert stored(ws) == before | {p.name for p, age in zip(paths, ages) if age < 3600}
    assert referenced(ws) <= stored(ws)


def test_nothing_is_collected_while_a_job_is_active(pair) -> None:
    ws, package = pair
    old = orphan(ws, b"orphan while busy", 7200)
    imports = ImportJobs(JobManager(ws, spawn=False))
    imports.submit(TARGET, USER, (), package, request(mapping("Pricing/quote", f"{DEST}/x")))  # created, not run
    assert collect_orphan_blobs(ws) == 0 and old.exists()


def test_staging_areas_are_never_touched(pair) -> None:
    ws, _ = pair
    stage = ws.tmp / "import-someone-abc"
    stage.mkdir()
    (stage / ("cd" * 32)).write_bytes(b"staged")
    os.utime(stage / ("cd" * 32), (0, 0))
    collect_orphan_blobs(ws)
    assert (stage / ("cd" * 32)).read_bytes() == b"staged"


def test_a_replacing_import_collects_what_it_replaced(pair) -> None:
    ws, package = pair
    run_import(ws, TARGET, package, request(mapping("Pricing/quote", f"{DEST}/quote")), ())
    old = orphan(ws, b"a blob of a replaced version", 7200)
    run_import(ws, TARGET, package, request(mapping("Pricing/quote", f"{DEST}/quote"), if_present=IfPresent.replace), ())
    assert not old.exists() and stored(ws) == referenced(ws)
