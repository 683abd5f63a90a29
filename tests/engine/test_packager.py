"""The packager: Spark's package layout, streamed one-pass SHA-256, limits, cancel, atomic writes."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from spark_tui.engine import packager
from spark_tui.engine.packager import PackageTooLarge, PackagingCancelled, write_package
from spark_tui.engine.resolver import resolve
from spark_tui.engine.selection import Selection
from spark_tui.engine.store import Workspace
from spark_tui.spark.errors import Code, ValidationFailed
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
from spark_tui.spark.values import FileFilter

from helpers_export import TENANT, Built, build_catalog

JOB = "0b6a4d9e-3f0e-4a43-9b64-2d6f0c7a8e11"
LIMIT = 10**9


@pytest.fixture
def built(tmp_path: Path) -> Built:
    return build_catalog(tmp_path / "ws")


@pytest.fixture
def out(tmp_path: Path) -> Path:
    d = tmp_path / "out"
    d.mkdir()
    return d


def select(ws: Workspace, tenant: str = TENANT, file_filter: FileFilter = FileFilter.migrate, **inputs) -> Selection:
    return resolve(ws, tenant, ExportRequest(inputs=ExportInputs(**inputs), file_filter=file_filter), ())


def add_big_version(ws: Workspace, name: str, size: int, ext: str = ".bin") -> None:
    """A service `alpha/{name}` whose one version holds `size` incompressible bytes in `payload{ext}`."""
    sid = ws.add_service(TENANT, "alpha", name)
    payload = ws.put_blob(random.Random(name).randbytes(size))
    ws.add_version(TENANT, sid, "1.0.0", {f"payload{ext}": payload, "ModelMetaData.json": ws.put_blob(b"{}")})


def test_layout_modes_manifest_and_hash(built: Built, out: Path) -> None:
    selection = select(built.ws, services=["alpha/loan[0.9]", "alpha/loan[0.10.0]", "beta/rates"])
    result = write_package(built.ws, selection, JOB, out / "p.zip", size_limit=LIMIT)

    assert result.path == out / "p.zip" and os.listdir(out) == ["p.zip"]
    assert result.sha256 == hashlib.sha256(result.path.read_bytes()).hexdigest()
    assert result.size == result.path.stat().st_size
    with zipfile.ZipFile(result.path) as zf:
        assert zf.testzip() is None
        infos = zf.infolist()
        names = [i.filename for i in infos]
        manifest = zf.read(f"{TENANT}/manifest.json")
    ids = {v.version: v.version_id for v in selection.versions}

    def version_entries(service: str, version: str, files: list[str]) -> list[str]:
        d = f"{TENANT}/{folder_of[service]}/{service}/{version}/"
        return [d] + [d + f for f in files]

    folder_of = {"loan": "alpha", "rates": "beta"}

    def files(service: str, version: str) -> list[str]:
        vid = ids[version] if service == "loan" else selection.versions[-1].version_id
        return ["DefaultValidations.json", "ModelMetaData.json", f"{vid}.zip", "WASMMetaData.json", f"{service}.xlsx"]

    assert names == (
        [f"{TENANT}/", f"{TENANT}/alpha/loan/"]
        + version_entries("loan", "0.9.0", files("loan", "0.9.0"))
        + version_entries("loan", "0.10.0", files("loan", "0.10.0"))
        + [f"{TENANT}/beta/rates/"]
        + version_entries("rates", "1.0.0", files("rates", "1.0.0"))
        + [f"{TENANT}/manifest.json"]
    )
    for info in infos:
        assert info.create_system == 3
        assert info.external_attr >> 16 == (0o40755 if info.is_dir() else 0o100644)
        if not info.is_dir():
            assert info.flag_bits & 0x08, f"{info.filename} is not streamed with a data descriptor"
            stored = info.filename.endswith((".zip", ".xlsx"))
            assert info.compress_type == (zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED), info.filename
    assert json.loads(manifest) == {
        "object": "export", "id": JOB,
        "outputs": json.loads(selection.outputs().model_dump_json()),
    }
    assert json.loads(manifest)["outputs"]["files"] is None
    assert b"\n" not in manifest and b": " not in manifest


def test_file_contents_round_trip(built: Built, out: Path) -> None:
    selection = select(built.ws, folders=["alpha"], file_filter=FileFilter.onpremises)
    result = write_package(built.ws, selection, JOB, out / "p.zip", size_limit=LIMIT)
    with zipfile.ZipFile(result.path) as zf:
        for v in selection.versions:
            files = selection.files_of(built.ws, v)
            assert len(files) == 4
            for f in files:
                assert zf.read(v.entry_dir(TENANT) + f.name) == built.ws.blob_path(f.sha256).read_bytes()


@pytest.mark.skipif(shutil.which("unzip") is None, reason="unzip not installed")
def test_unzip_accepts_the_package(built: Built, out: Path) -> None:
    add_big_version(built.ws, "big", 3 * 1024 * 1024 + 17)
    result = write_package(built.ws, select(built.ws, folders=["alpha"]), JOB, out / "p.zip", size_limit=LIMIT)
    check = subprocess.run(["unzip", "-t", str(result.path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_same_entries_manifest_and_bytes_as_the_real_fixture(fixture_zip: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(fixture_zip) as zf:
        real_names = zf.namelist()
        real = {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}
    manifest = json.loads(real["fieldengineering/manifest.json"])
    (sv,) = manifest["outputs"]["service_versions"]
    ws = Workspace(tmp_path / "ws")
    ws.ensure_tenant("fieldengineering")
    ws.add_folder("fieldengineering", sv["folder_source"])
    sid = ws.add_service("fieldengineering", sv["folder_source"], sv["service_source"], service_id=sv["service_id_source"])
    prefix = "fieldengineering/my-folder/volume-cylinder/0.1.0/"
    files = {name.removeprefix(prefix): ws.put_blob(data) for name, data in real.items() if name.startswith(prefix)}
    files["volume-cylinder.xlsx"] = ws.put_blob(b"workbook: migrate only")
    ws.add_version("fieldengineering", sid, sv["version_source"], files, version_id=sv["version_id_source"])

    selection = select(ws, "fieldengineering", FileFilter.onpremises, services=["my-folder/volume-cylinder"])
    result = write_package(ws, selection, manifest["id"], tmp_path / "p.zip", size_limit=LIMIT)
    with zipfile.ZipFile(result.path) as zf:
        names = zf.namelist()
        # Same entries in the same order; the real package merely repeats its version directory entry.
        assert names == list(dict.fromkeys(real_names))
        assert {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()} == real


def test_progress_reports_every_chunk_up_to_the_projected_total(built: Built, out: Path) -> None:
    add_big_version(built.ws, "big", 3 * 1024 * 1024 + 5)
    selection = select(built.ws, services=["alpha/big"])
    calls: list[tuple[int, int]] = []
    write_package(built.ws, selection, JOB, out / "p.zip", size_limit=LIMIT, progress=lambda d, t: calls.append((d, t)))
    assert calls[0] == (0, selection.projected_bytes)
    assert calls[-1] == (selection.projected_bytes, selection.projected_bytes)
    assert len(calls) >= 5  # four 1 MiB chunks of the payload, plus the small file
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_cancel_between_chunks_leaves_nothing(built: Built, out: Path) -> None:
    add_big_version(built.ws, "big", 3 * 1024 * 1024)
    chunks: list[int] = []
    with pytest.raises(PackagingCancelled):
        write_package(
            built.ws, select(built.ws, services=["alpha/big"]), JOB, out / "p.zip", size_limit=LIMIT,
            progress=lambda d, t: chunks.append(d), should_cancel=lambda: len(chunks) >= 2,
        )
    assert os.listdir(out) == []
    assert len(chunks) == 2  # stopped at once, not at the end


def test_size_limit_is_enforced_while_writing(built: Built, out: Path) -> None:
    add_big_version(built.ws, "big", 2 * 1024 * 1024)
    selection = select(built.ws, services=["alpha/big"])
    with pytest.raises(PackageTooLarge) as info:
        write_package(built.ws, selection, JOB, out / "p.zip", size_limit=1024 * 1024)
    assert isinstance(info.value, ValidationFailed)
    assert info.value.errors[0].code == Code.PACKAGE_TOO_LARGE.value
    assert str(1024 * 1024) in info.value.message
    assert os.listdir(out) == []


def test_full_disk_leaves_nothing_and_raises_the_os_error(built: Built, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_big_version(built.ws, "big", 2 * 1024 * 1024)
    real_emit = packager._HashingWriter._emit

    def emit(self: packager._HashingWriter, data: bytes) -> None:
        if self.written > 1024 * 1024:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_emit(self, data)

    monkeypatch.setattr(packager._HashingWriter, "_emit", emit)
    with pytest.raises(OSError) as info:
        write_package(built.ws, select(built.ws, services=["alpha/big"]), JOB, out / "p.zip", size_limit=LIMIT)
    assert info.value.errno == errno.ENOSPC
    assert os.listdir(out) == []


def test_missing_blob_fails_cleanly(built: Built, out: Path) -> None:
    selection = select(built.ws, services=["beta/rates"])
    os.unlink(built.ws.blob_path(selection.files_of(built.ws, selection.versions[0])[0].sha256))
    with pytest.raises(ValidationFailed) as info:  # CorruptBlob: BLOB_CORRUPT naming the entry, no server path
        write_package(built.ws, selection, JOB, out / "p.zip", size_limit=LIMIT)
    assert info.value.errors[0].code == "BLOB_CORRUPT" and str(built.ws.root) not in info.value.message
    assert os.listdir(out) == []


def test_a_version_removed_after_resolution_fails_cleanly(built: Built, out: Path) -> None:
    selection = select(built.ws, folders=["alpha"])
    gone = selection.versions[-1]
    with built.ws.transaction() as db:
        db.execute("DELETE FROM versions WHERE tenant=? AND id=?", (TENANT, gone.version_id))
    with pytest.raises(ValidationFailed) as info:
        write_package(built.ws, selection, JOB, out / "p.zip", size_limit=LIMIT)
    (error,) = info.value.errors
    assert error.code == Code.VERSION_NOT_FOUND.value and error.ref == gone.version_id
    assert f"{gone.folder}/{gone.service}[{gone.version}]" in error.message
    assert os.listdir(out) == []


def test_an_existing_package_is_replaced_only_when_the_new_one_is_complete(built: Built, out: Path) -> None:
    dest = out / "p.zip"
    dest.write_bytes(b"previous")
    with pytest.raises(PackagingCancelled):
        write_package(built.ws, select(built.ws, folders=["alpha"]), JOB, dest, size_limit=LIMIT, should_cancel=lambda: True)
    assert dest.read_bytes() == b"previous" and os.listdir(out) == ["p.zip"]
    write_package(built.ws, select(built.ws, folders=["alpha"]), JOB, dest, size_limit=LIMIT)
    assert zipfile.is_zipfile(dest)


def test_unknown_extensions_are_stored_or_deflated_by_content(built: Built, out: Path) -> None:
    sid = built.ws.add_service(TENANT, "alpha", "mixed")
    files = {
        "noise.bin": built.ws.put_blob(random.Random(1).randbytes(100_000)),
        "text.bin": built.ws.put_blob(b"hello spark " * 10_000),
        "table.csv": built.ws.put_blob(b"a,b\n" * 1000),
    }
    built.ws.add_version(TENANT, sid, "1.0.0", files)
    result = write_package(built.ws, select(built.ws, services=["alpha/mixed"]), JOB, out / "p.zip", size_limit=LIMIT)
    with zipfile.ZipFile(result.path) as zf:
        kinds = {Path(i.filename).name: i.compress_type for i in zf.infolist() if not i.is_dir()}
    assert kinds == {
        "noise.bin": zipfile.ZIP_STORED, "text.bin": zipfile.ZIP_DEFLATED, "table.csv": zipfile.ZIP_DEFLATED,
        "manifest.json": zipfile.ZIP_DEFLATED,
    }


def test_files_are_streamed_not_loaded_whole(built: Built, out: Path) -> None:
    size = 8 * 1024 * 1024
    add_big_version(built.ws, "big", size)
    selection = select(built.ws, services=["alpha/big"])
    tracemalloc.start()
    try:
        write_package(built.ws, selection, JOB, out / "p.zip", size_limit=LIMIT)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * 1024 * 1024, f"packaging an {size}-byte file allocated {peak} bytes at peak"


def test_written_stream_equals_the_file_on_disk(built: Built, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hash covers exactly the bytes that reached the file (nothing is rewritten by seeking)."""
    seen = io.BytesIO()
    real_emit = packager._HashingWriter._emit

    def emit(self: packager._HashingWriter, data: bytes) -> None:
        seen.write(data)
        real_emit(self, data)

    monkeypatch.setattr(packager._HashingWriter, "_emit", emit)
    result = write_package(built.ws, select(built.ws, folders=["alpha"]), JOB, out / "p.zip", size_limit=LIMIT)
    assert seen.getvalue() == result.path.read_bytes()
