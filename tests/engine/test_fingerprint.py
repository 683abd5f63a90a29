"""A version's fingerprint (docs/architecture.md, "Environments"): its migrate file set, stamps and module name aside; no blob is read."""

from __future__ import annotations

import builtins
import hashlib
from pathlib import Path

import pytest

from spark_tui.engine.importer import load_package
from spark_tui.engine.store import Workspace
from spark_tui.spark.values import IfPresent
from spark_tui.spark.fingerprint import fingerprint

VID = "91299a5d-9328-4435-911b-4e5f7783f5d4"


def test_fingerprint_is_sha256_of_sorted_path_tab_hash_lines() -> None:
    files = [("b.xlsx", "BB"), (f"{VID}.zip", "cc"), ("a.json", "aa"), ("ModelMetaData.json", "dd"), ("WASMMetaData.json", "ee")]
    expected = hashlib.sha256("a.json\taa\nb.xlsx\tbb\n{version_id}.zip\tcc".encode()).hexdigest()
    assert fingerprint(VID, files) == expected


def test_only_the_version_id_and_stamps_are_ignored() -> None:
    files = [("model.xlsx", "11"), (f"{VID}.zip", "22")]
    base = fingerprint(VID, files)
    assert fingerprint("another-id", [("model.xlsx", "11"), ("another-id.zip", "22")]) == base
    assert fingerprint(VID, [*files, ("ModelMetaData.json", "33")]) == base
    assert fingerprint(VID, [("model.xlsx", "12"), (f"{VID}.zip", "22")]) != base  # other content
    assert fingerprint(VID, [("renamed.xlsx", "11"), (f"{VID}.zip", "22")]) != base  # other path
    assert fingerprint(VID, [*files, ("notes.txt", "44")]) != base  # one file more
    assert fingerprint(VID, [("model.xlsx", "11"), (f"{VID}.zip.bak", "22")]) != base


def test_listed_versions_carry_the_fingerprint_of_their_stored_hashes(ws: Workspace, fixture_zip: Path) -> None:
    load_package(ws, fixture_zip, "acme")
    [version] = ws.list_versions("acme", "my-folder", "volume-cylinder")
    stored = [(f.name, f.sha256) for f in ws.version_files("acme", version.id)]
    assert version.fingerprint == fingerprint(version.id, stored)


def test_an_add_version_copy_keeps_the_fingerprint(ws: Workspace, fixture_zip: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_package(ws, fixture_zip, "acme")
    load_package(ws, fixture_zip, "acme", if_present=IfPresent.add_version)  # 0.2.0: new id, restamped metadata
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        assert not str(file).startswith(str(ws.blobs)), f"blob {file} was read"
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    newer, older = ws.list_versions("acme", "my-folder", "volume-cylinder")
    assert (newer.version, older.version) == ("0.2.0", "0.1.0") and newer.id != older.id
    stamped = {f.name: f.sha256 for f in ws.version_files("acme", newer.id)}["ModelMetaData.json"]
    assert stamped != {f.name: f.sha256 for f in ws.version_files("acme", older.id)}["ModelMetaData.json"]
    assert newer.fingerprint == older.fingerprint


def test_other_content_gives_another_fingerprint(ws: Workspace, fixture_zip: Path) -> None:
    load_package(ws, fixture_zip, "acme")
    [version] = ws.list_versions("acme", "my-folder", "volume-cylinder")
    sid = ws.service("acme", "my-folder", "volume-cylinder")["id"]
    copies = {"0.2.0": "0e1d2c3b-4a59-4867-9a8b-7c6d5e4f3a2b", "0.3.0": "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5c"}
    for number, new_id in copies.items():
        files = {
            (f"{new_id}.zip" if f.name == f"{version.id}.zip" else f.name): (f.sha256, f.size)
            for f in ws.version_files("acme", version.id)
        }
        if number == "0.3.0":
            files["DefaultValidations.json"] = ws.put_blob(b'{"outputs": {}}')
        ws.add_version("acme", sid, number, files, version_id=new_id)
    prints = {v.version: v.fingerprint for v in ws.list_versions("acme", "my-folder", "volume-cylinder")}
    assert prints["0.2.0"] == prints["0.1.0"] != prints["0.3.0"]


def test_the_wire_carries_the_fingerprint_when_present() -> None:
    """serve's listing has it (an extension field); a real Spark listing has not, and parses as None."""
    from spark_tui.spark.browse_wire import V1Version

    spark = {"id": VID, "engine": "s", "revision": "1.0.0", "product": "f"}
    assert V1Version.model_validate(spark).info("sid").fingerprint is None
    assert V1Version.model_validate({**spark, "fingerprint": "ab" * 32}).info("sid").fingerprint == "ab" * 32
