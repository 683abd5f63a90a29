"""The files of a version mirror the real package (fixtures/volume-cylinder.zip)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from spark_tui.engine.artifacts import WASM_MAGIC, PseudoRandomReader, version_files
from spark_tui.engine.store import Workspace
from spark_tui.spark.values import EngineType

VID = "0d6a2c8e-3f5b-4c1a-9e7d-2b8f4a6c1d3e"
FIXTURE_DIR = "fieldengineering/my-folder/volume-cylinder/0.1.0/"


def build(ws: Workspace, **kw) -> dict[str, tuple[str, int]]:
    args = dict(engine_type=EngineType.neuron, has_module=True, payload_bytes=4000, seed=7)
    args.update(kw)
    return version_files(ws, "acme", "claims", "claim-triage", "1.2.0", VID, **args)


def blob(ws: Workspace, files: dict[str, tuple[str, int]], name: str) -> bytes:
    return ws.blob_path(files[name][0]).read_bytes()


def test_a_compiled_version_has_the_fixture_file_set(ws: Workspace) -> None:
    files = build(ws)
    assert set(files) == {
        f"{VID}.zip", "ModelMetaData.json", "WASMMetaData.json", "DefaultValidations.json",
        "claim-triage.xlsx", "claim-triage.swagger.json",
    }
    for name, (sha, size) in files.items():
        data = ws.blob_path(sha).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (sha, size), name


def test_inner_module_zip_mirrors_the_fixture(ws: Workspace) -> None:
    files = build(ws, payload_bytes=5000)
    inner = zipfile.ZipFile(io.BytesIO(blob(ws, files, f"{VID}.zip")))
    assert inner.namelist() == [
        "_claim_triage.js", "_claim_triage.wasm", "_claim_triage.data", "checksums.md5",
        "claim-triageDefaultValidations.json", "claim-triage_CompilerLog.json",
    ]
    wasm = inner.read("_claim_triage.wasm")
    assert wasm.startswith(WASM_MAGIC) and len(wasm) == len(WASM_MAGIC) + 5000
    data = inner.read("_claim_triage.data")
    assert data[:2] == b"\x1f\x8b" and b"Xinput_" in gzip.decompress(data)
    assert inner.read("_claim_triage.js").startswith(b"\nvar Module = (() => {")
    lines = inner.read("checksums.md5").decode().splitlines()
    listed = {}
    for line in lines:
        digest, name = line.split("  ")
        listed[name] = digest
    assert sorted(listed) == sorted(n for n in inner.namelist() if n != "checksums.md5") == list(listed)
    for name, digest in listed.items():
        assert hashlib.md5(inner.read(name)).hexdigest() == digest, name
    assert inner.read("claim-triageDefaultValidations.json") == blob(ws, files, "DefaultValidations.json")
    log = json.loads(inner.read("claim-triage_CompilerLog.json"))
    assert log["SourceXlsxMd5"] == hashlib.md5(blob(ws, files, "claim-triage.xlsx")).hexdigest()


def test_metadata_has_the_fixture_keys_and_real_values(ws: Workspace, fixture_zip: Path) -> None:
    files = build(ws)
    meta = json.loads(blob(ws, files, "ModelMetaData.json"))
    with zipfile.ZipFile(fixture_zip) as zf:
        real = json.loads(zf.read(FIXTURE_DIR + "ModelMetaData.json"))
        real_validations = json.loads(zf.read(FIXTURE_DIR + "DefaultValidations.json"))
    assert list(meta) == list(real)
    assert list(meta["EngineInformation"]) == list(real["EngineInformation"])
    info = meta["EngineInformation"]
    workbook = blob(ws, files, "claim-triage.xlsx")
    assert (info["ProductName"], info["ServiceName"], info["Revision"], info["Tenant"]) == ("claims", "claim-triage", "1.2.0", "acme")
    assert info["ServiceVersionGuid"] == meta["VersionId"] == VID
    assert info["DefaultEngineType"] == "Neuron" and info["OriginalFileName"] == "claim-triage.xlsx"
    assert info["FileSize"] == info["SizeOfUploadedFile"] == len(workbook)
    assert info["FileMD5Hash"] == hashlib.md5(workbook).hexdigest().upper()
    assert info["OriginalServiceHash"] == hashlib.sha256(workbook).hexdigest().upper()
    assert info["CompiledOutputHash"] == files[f"{VID}.zip"][0].upper()
    assert info["CompilerVersion"].startswith("Neuron_v")
    assert blob(ws, files, "WASMMetaData.json") == b'{"Revision":"1.2.0"}'
    validations = json.loads(blob(ws, files, "DefaultValidations.json"))
    assert list(validations) == list(real_validations)
    first = next(iter(validations["outputs"].values()))
    assert list(first) == list(next(iter(real_validations["outputs"].values())))
    assert set(validations["outputs"]) == {row["Input Name"] for row in meta["XInputTable"]}


def test_original_workbook_opens_and_names_the_model_cells(ws: Workspace) -> None:
    files = build(ws)
    meta = json.loads(blob(ws, files, "ModelMetaData.json"))
    book = openpyxl.load_workbook(io.BytesIO(blob(ws, files, "claim-triage.xlsx")))
    sheet = book["Model"]
    for row in meta["XInputTable"]:
        assert book.defined_names[f"Xinput_{row['Input Name']}"].attr_text == f"Model!${row['Address'][0]}${row['Address'][1:]}"
        assert sheet[row["Address"]].value is not None
    for row in meta["XOutputTable"]:
        assert str(sheet[row["Address"]].value).startswith("=")


@pytest.mark.parametrize("engine_type", [EngineType.xconnector, EngineType.neuron])
def test_a_version_without_module_has_no_module_zip(ws: Workspace, engine_type: EngineType) -> None:
    files = build(ws, engine_type=engine_type, has_module=False)
    assert set(files) == {"ModelMetaData.json", "DefaultValidations.json", "claim-triage.xlsx"}
    info = json.loads(blob(ws, files, "ModelMetaData.json"))["EngineInformation"]
    assert info["DefaultEngineType"] == engine_type.value and info["CompiledOutputHash"] is None


def test_files_are_deterministic_per_seed(tmp_path: Path) -> None:
    a = build(Workspace(tmp_path / "a"))
    b = build(Workspace(tmp_path / "b"))
    c = build(Workspace(tmp_path / "c"), seed=8)
    assert a == b
    assert a[f"{VID}.zip"] != c[f"{VID}.zip"]


def test_payload_is_incompressible_unless_asked(ws: Workspace) -> None:
    random_payload = PseudoRandomReader("s", 256 * 1024).read()
    assert len(zlib.compress(random_payload)) > 0.99 * len(random_payload)
    repeated = PseudoRandomReader("s", 256 * 1024, period=4096).read()
    assert len(repeated) == 256 * 1024 and len(zlib.compress(repeated)) < 0.1 * len(repeated)


def test_reader_gives_the_same_bytes_for_any_read_size() -> None:
    whole = PseudoRandomReader(3, 3_000_001).read()
    reader = PseudoRandomReader(3, 3_000_001)
    parts = []
    while chunk := reader.read(777_777):
        parts.append(chunk)
    assert b"".join(parts) == whole and len(whole) == 3_000_001


def test_large_payload_is_streamed_not_held_in_memory(ws: Workspace) -> None:
    tracemalloc.start()
    try:
        files = build(ws, payload_bytes=24 * 1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert files[f"{VID}.zip"][1] > 24 * 1024 * 1024
    assert peak < 8 * 1024 * 1024
