"""A version imported under a new id or version carries them in its metadata files, and exports consistently."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from spark_tui.engine.importer import load_package
from spark_tui.engine.packager import write_package
from spark_tui.engine.resolver import resolve
from spark_tui.engine.store import DEFAULT_SIZE_LIMIT, Workspace
from spark_tui.spark.errors import BadPackage
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
from spark_tui.spark.values import FileFilter, IfPresent

FIXTURE_VID = "91299a5d-9328-4435-911b-4e5f7783f5d4"
OTHER_SID = "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"
RESTAMPED = {"VersionId", "ServiceVersionGuid", "Revision"}


def fixture_entries(fixture_zip: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(fixture_zip) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}


def renamed_service(fixture_zip: Path, make_zip) -> Path:
    """The fixture as service `other-cylinder` (another service id, the same version id)."""
    entries = {}
    for name, data in fixture_entries(fixture_zip).items():
        if name.endswith("manifest.json"):
            data = data.replace(b"volume-cylinder", b"other-cylinder").replace(b"b3cfea0c-aca4-471a-8500-26b887d14d69", OTHER_SID.encode())
        entries[name.replace("/volume-cylinder/", "/other-cylinder/")] = data
    return make_zip(entries, "renamed.zip")


def exported(ws: Workspace, tenant: str, service: str, tmp_path: Path) -> dict[str, bytes]:
    """The files of an `onpremises` export of one version, by name inside its version folder (and the manifest)."""
    request = ExportRequest(inputs=ExportInputs(services=[service]), file_filter=FileFilter.onpremises)
    selection = resolve(ws, tenant, request, ("supervisor:pf",))
    path = write_package(ws, selection, "7e6d5c4b-3a29-4188-9706-f5e4d3c2b1a0", tmp_path / "out.zip", size_limit=DEFAULT_SIZE_LIMIT).path
    with zipfile.ZipFile(path) as zf:
        return {i.filename.rsplit("/", 1)[1]: zf.read(i) for i in zf.infolist() if not i.is_dir()}


def flat(meta: dict) -> dict:
    """ModelMetaData's top level and EngineInformation in one dict (their keys do not clash)."""
    return {**{k: v for k, v in meta.items() if k != "EngineInformation"}, **meta["EngineInformation"]}


def test_add_version_restamps_the_metadata_and_exports_consistently(ws: Workspace, fixture_zip: Path, tmp_path: Path) -> None:
    load_package(ws, fixture_zip, "acme")
    [added] = load_package(ws, fixture_zip, "acme", if_present=IfPresent.add_version).service_versions
    new_id = added.version_id_destination
    assert added.version_destination == "0.2.0" and new_id != FIXTURE_VID

    files = exported(ws, "acme", "my-folder/volume-cylinder[0.2.0]", tmp_path)
    [listed] = json.loads(files["manifest.json"])["outputs"]["service_versions"]
    assert (listed["version_source"], listed["version_id_source"]) == ("0.2.0", new_id)
    model = json.loads(files["ModelMetaData.json"])
    assert model["VersionId"] == model["EngineInformation"]["ServiceVersionGuid"] == new_id
    assert model["EngineInformation"]["Revision"] == "0.2.0"
    assert json.loads(files["WASMMetaData.json"]) == {"Revision": "0.2.0"}
    assert f"{new_id}.zip" in files and f"{FIXTURE_VID}.zip" not in files

    original = fixture_entries(fixture_zip)
    source = json.loads(original[next(n for n in original if n.endswith("ModelMetaData.json"))])
    changed = {k for k, v in flat(model).items() if flat(source).get(k) != v}
    assert changed == RESTAMPED and flat(model).keys() == flat(source).keys()
    assert list(model) == list(source)  # key order kept

    (tmp_path / "first").mkdir()
    first = exported(ws, "acme", "my-folder/volume-cylinder[0.1.0]", tmp_path / "first")
    assert first["ModelMetaData.json"] == original[next(n for n in original if n.endswith("ModelMetaData.json"))]


def test_a_taken_version_id_is_restamped_with_the_same_revision(ws: Workspace, fixture_zip: Path, make_zip, tmp_path: Path) -> None:
    load_package(ws, fixture_zip, "acme")
    [moved] = load_package(ws, renamed_service(fixture_zip, make_zip), "acme").service_versions
    assert moved.version_destination == "0.1.0" and moved.version_id_destination != FIXTURE_VID

    files = exported(ws, "acme", "my-folder/other-cylinder[0.1.0]", tmp_path)
    model = json.loads(files["ModelMetaData.json"])
    assert model["VersionId"] == model["EngineInformation"]["ServiceVersionGuid"] == moved.version_id_destination
    assert model["EngineInformation"]["Revision"] == "0.1.0"
    assert json.loads(files["WASMMetaData.json"]) == {"Revision": "0.1.0"}


def test_unchanged_ids_keep_the_original_bytes(ws: Workspace, fixture_zip: Path, tmp_path: Path) -> None:
    load_package(ws, fixture_zip, "acme")
    load_package(ws, fixture_zip, "other")
    files = exported(ws, "other", "my-folder/volume-cylinder[0.1.0]", tmp_path)
    original = {n.rsplit("/", 1)[1]: d for n, d in fixture_entries(fixture_zip).items()}
    for name in ("ModelMetaData.json", "WASMMetaData.json", f"{FIXTURE_VID}.zip"):
        assert files[name] == original[name], name


def test_metadata_that_cannot_be_restamped_refuses_the_import(ws: Workspace, fixture_zip: Path, make_zip, catalog_counts) -> None:
    entries = {n: (b"[1]" if n.endswith("WASMMetaData.json") else d) for n, d in fixture_entries(fixture_zip).items()}
    path = make_zip(entries, "odd.zip")
    load_package(ws, path, "acme")  # kept as is while its ids do not change
    before = catalog_counts(ws)
    with pytest.raises(BadPackage, match=r"WASMMetaData.json is not a JSON object"):
        load_package(ws, path, "acme", if_present=IfPresent.add_version)
    assert catalog_counts(ws) == before
