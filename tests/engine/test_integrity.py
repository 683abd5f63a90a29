"""Integrity: damaged blobs fail the export naming the file and are repaired by good content;
ZIP path names are checked; the worker ends such a job failed with nothing left."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path
from typing import Callable

import pytest

from spark_tui.engine.jobs import JobManager
from spark_tui.engine.packager import CorruptBlob, write_package
from spark_tui.engine.resolver import resolve
from spark_tui.engine.selection import SelectedVersion, Selection
from spark_tui.engine.store import Workspace
from spark_tui.engine.worker import run_job
from spark_tui.spark.errors import Code, ValidationFailed
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
from spark_tui.spark.values import FileFilter, JobStatus

from helpers_export import TENANT, Built, build_catalog

JOB = "5d0c7f1e-6f39-4d0e-8a57-4f7b2e3d9a10"
LIMIT = 10**9


def flip_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-1])


def extend(path: Path) -> None:
    path.write_bytes(path.read_bytes() + b"\0")


def swap_content(path: Path) -> None:
    path.write_bytes(bytes(reversed(path.read_bytes())))


DAMAGE = [flip_one_byte, truncate, extend, swap_content]


@pytest.fixture
def built(tmp_path: Path) -> Built:
    return build_catalog(tmp_path / "ws")


def loan_selection(ws: Workspace) -> Selection:
    return resolve(ws, TENANT, ExportRequest(inputs=ExportInputs(services=["alpha/loan[0.9]"])), ())


def module_blob(ws: Workspace, selection: Selection) -> tuple[str, Path]:
    """The entry name and blob path of the version's compiled module (the largest file)."""
    v = selection.versions[0]
    f = max(selection.files_of(ws, v), key=lambda f: f.size)
    return v.entry_dir(TENANT) + f.name, ws.blob_path(f.sha256)


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda d: d.__name__)
def test_a_damaged_blob_fails_packaging_naming_the_file(built: Built, tmp_path: Path, damage: Callable[[Path], None]) -> None:
    selection = loan_selection(built.ws)
    entry, blob = module_blob(built.ws, selection)
    damage(blob)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(CorruptBlob) as info:
        write_package(built.ws, selection, JOB, out / "p.zip", size_limit=LIMIT)
    (error,) = info.value.errors
    assert error.code == Code.BLOB_CORRUPT.value and error.ref == entry
    assert entry in error.message and "no package was written" in error.message
    assert os.listdir(out) == []


@pytest.mark.parametrize("damage", [flip_one_byte, truncate], ids=lambda d: d.__name__)
def test_the_export_job_fails_and_good_content_repairs_the_blob(built: Built, damage: Callable[[Path], None]) -> None:
    ws = built.ws
    jobs = JobManager(ws, spawn=False)
    request = ExportRequest(inputs=ExportInputs(services=["alpha/loan[0.9]"]), file_filter=FileFilter.migrate)
    entry, blob = module_blob(ws, loan_selection(ws))
    good = blob.read_bytes()
    damage(blob)

    job = jobs.submit(TENANT, "u", (), request)
    assert run_job(ws, job.id) is JobStatus.failed
    failed = jobs.status(TENANT, job.id, "u", ())
    assert [e.code for e in failed.errors or []] == [Code.BLOB_CORRUPT.value]
    assert entry in failed.errors[0].message
    assert not (ws.packages / job.id).exists()

    assert ws.put_blob(good)[0] == blob.name  # storing the good content again (as an import does) repairs it
    assert blob.read_bytes() == good
    again = jobs.submit(TENANT, "u", (), request)
    assert run_job(ws, again.id) is JobStatus.closed


@pytest.mark.parametrize(
    "tenant, folder, service",
    [("..", "alpha", "loan"), ("acme", "..", "loan"), ("acme", "alpha", "."), ("a\\b", "alpha", "loan"), ("acme", "x/..", "loan")],
)
def test_names_unfit_for_a_zip_path_are_refused(built: Built, tmp_path: Path, tenant: str, folder: str, service: str) -> None:
    real = loan_selection(built.ws).versions[0]
    bad = Selection(tenant=tenant, file_filter=FileFilter.migrate, versions=[SelectedVersion(folder, service, *real[2:])])
    with pytest.raises(ValidationFailed) as info:
        write_package(built.ws, bad, JOB, tmp_path / "p.zip", size_limit=LIMIT)
    assert info.value.errors[0].code == Code.INVALID_REFERENCE.value
    assert not (tmp_path / "p.zip").exists()


@pytest.mark.parametrize("name", ["..", ".", "a/b", "a\\b", "x" * 256, "bad\x00", " lead"])
def test_tenant_names_are_validated_like_folder_names(ws: Workspace, name: str) -> None:
    with pytest.raises(ValueError, match="invalid tenant name"):
        ws.ensure_tenant(name)
    ws.ensure_tenant("ok")
    with pytest.raises(ValueError, match="invalid folder name"):
        ws.add_folder("ok", name)
    assert ws.tenants() == ["ok"]


def test_reimporting_a_good_package_repairs_a_damaged_blob(built: Built, tmp_path: Path) -> None:
    from spark_tui.engine.importer import load_package

    ws = built.ws
    good_package = write_package(ws, loan_selection(ws), JOB, tmp_path / "good.zip", size_limit=LIMIT).path
    entry, blob = module_blob(ws, loan_selection(ws))
    flip_one_byte(blob)
    with pytest.raises(CorruptBlob):
        write_package(ws, loan_selection(ws), JOB, tmp_path / "bad.zip", size_limit=LIMIT)
    load_package(ws, good_package, "copy")  # its staged blobs replace the stored copies
    again = write_package(ws, loan_selection(ws), JOB, tmp_path / "again.zip", size_limit=LIMIT)
    with zipfile.ZipFile(again.path) as zf:
        assert hashlib.sha256(zf.read(entry)).hexdigest() == blob.name
