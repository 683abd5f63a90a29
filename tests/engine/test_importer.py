"""Importing export packages: the real fixture, migrate packages, if_present, and hostile ZIPs."""

from __future__ import annotations

import hashlib
import json
import random
import struct
import zipfile
from pathlib import Path

import pytest

from spark_tui.spark import zip_bounds
from spark_tui.engine.blob_stage import BlobStage
from spark_tui.engine.artifacts import version_files
from spark_tui.engine.importer import load_package
from spark_tui.engine.store import Workspace
from spark_tui.spark.errors import BadPackage, ServiceExists, ValidationFailed
from spark_tui.spark.values import EngineType, IfPresent, VersionBump

FIXTURE_DIR = "fieldengineering/my-folder/volume-cylinder/0.1.0/"
FIXTURE_VID = "91299a5d-9328-4435-911b-4e5f7783f5d4"
FIXTURE_SID = "b3cfea0c-aca4-471a-8500-26b887d14d69"
SID = "6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
VIDS = ("11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333")


def manifest(versions: list[tuple[str, str, str, str, str]]) -> bytes:
    """A compact manifest for (folder, service, service_id, version, version_id) rows."""
    services = {(f, s): sid for f, s, sid, _, _ in versions}
    return json.dumps({
        "object": "export", "id": "0b8e7c4a-1d2f-4e3a-9b5c-6d7e8f9a0b1c",
        "outputs": {
            "files": None,
            "services": [
                {"service_uri_source": f"{f}/{s}", "folder_source": f, "service_source": s, "service_id_source": sid}
                for (f, s), sid in sorted(services.items())
            ],
            "service_versions": [
                {"service_uri_source": f"{f}/{s}[{v}]", "folder_source": f, "service_source": s, "version_source": v,
                 "service_id_source": sid, "version_id_source": vid}
                for f, s, sid, v, vid in versions
            ],
        },
    }, separators=(",", ":")).encode()


def package_entries(ws: Workspace, versions=(("1.0.0", VIDS[0]), ("1.1.0", VIDS[1])), *, engine_type=EngineType.neuron) -> dict[str, bytes]:
    """A migrate package of service pricing/quote with realistic files."""
    rows = [("pricing", "quote", SID, v, vid) for v, vid in versions]
    entries = {"src/manifest.json": manifest(rows)}
    for _, _, _, v, vid in rows:
        neuron = engine_type is EngineType.neuron
        files = version_files(ws, "src", "pricing", "quote", v, vid, engine_type=engine_type, has_module=neuron, payload_bytes=2000, seed=1)
        for name, (sha, _) in files.items():
            entries[f"src/pricing/quote/{v}/{name}"] = ws.blob_path(sha).read_bytes()
    return entries


def versions_of(ws: Workspace, tenant: str, folder: str = "pricing", service: str = "quote") -> list[tuple[str, str]]:
    return sorted((v.version, v.id) for v in ws.list_versions(tenant, folder, service))


# --- the real fixture --------------------------------------------------------------------------


def test_imports_the_real_fixture(ws: Workspace, fixture_zip: Path) -> None:
    result = load_package(ws, fixture_zip, "acme")
    assert result.tenant == "acme" and [s.service_uri_destination for s in result.services] == ["my-folder/volume-cylinder"]
    [imported] = result.service_versions
    assert (imported.version_destination, imported.version_id_destination, imported.status) == ("0.1.0", FIXTURE_VID, "added")
    [version] = ws.list_versions("acme", "my-folder", "volume-cylinder")
    assert (version.id, version.service_id, version.version) == (FIXTURE_VID, FIXTURE_SID, "0.1.0")
    assert version.engine_type is EngineType.neuron and version.has_module
    assert version.created == "2024-11-13T22:25:43.335Z" and version.original_file_name == "volume-cylinder.xlsx"
    stored = {f.name: f for f in ws.version_files("acme", FIXTURE_VID)}
    with zipfile.ZipFile(fixture_zip) as zf:
        for name in (f"{FIXTURE_VID}.zip", "ModelMetaData.json", "WASMMetaData.json", "DefaultValidations.json"):
            data = zf.read(FIXTURE_DIR + name)
            assert (stored[name].sha256, stored[name].size) == (hashlib.sha256(data).hexdigest(), len(data))
            assert stored[name].onpremises
    assert set(stored) == {f"{FIXTURE_VID}.zip", "ModelMetaData.json", "WASMMetaData.json", "DefaultValidations.json"}


def test_same_ids_import_into_two_tenants(ws: Workspace, fixture_zip: Path) -> None:
    load_package(ws, fixture_zip, "one")
    load_package(ws, fixture_zip, "two")
    assert ws.list_versions("two", "my-folder", "volume-cylinder")[0].id == FIXTURE_VID


# --- migrate packages and if_present -----------------------------------------------------------


def test_imports_a_migrate_package_with_every_file(ws: Workspace, make_zip) -> None:
    entries = package_entries(ws)
    result = load_package(ws, make_zip(entries), "acme")
    assert versions_of(ws, "acme") == [("1.0.0", VIDS[0]), ("1.1.0", VIDS[1])]
    assert [s.version_destination for s in result.service_versions] == ["1.0.0", "1.1.0"]
    assert ws.service("acme", "pricing", "quote")["id"] == SID
    files = {f.name: f.sha256 for f in ws.version_files("acme", VIDS[1])}
    expected = {n.rsplit("/", 1)[1]: hashlib.sha256(d).hexdigest() for n, d in entries.items() if "/1.1.0/" in n}
    assert files == expected and "quote.xlsx" in files


def test_xconnector_versions_import_without_module(ws: Workspace, make_zip) -> None:
    load_package(ws, make_zip(package_entries(ws, engine_type=EngineType.xconnector)), "acme")
    versions = ws.list_versions("acme", "pricing", "quote")
    assert all(v.engine_type is EngineType.xconnector and not v.has_module for v in versions)


def test_abort_refuses_an_existing_service_and_changes_nothing(ws: Workspace, make_zip, catalog_counts) -> None:
    path = make_zip(package_entries(ws))
    load_package(ws, path, "acme")
    before = catalog_counts(ws)
    with pytest.raises(ServiceExists, match=r"pricing/quote already exist in tenant 'acme'.*replace or add_version") as err:
        load_package(ws, path, "acme", if_present=IfPresent.abort)
    assert err.value.exit_code == 2 and err.value.errors[0].ref == "pricing/quote"
    assert catalog_counts(ws) == before


def test_replace_drops_the_destination_versions(ws: Workspace, make_zip) -> None:
    load_package(ws, make_zip(package_entries(ws, versions=[("0.9.0", VIDS[2])]), "old.zip"), "acme")
    result = load_package(ws, make_zip(package_entries(ws)), "acme", if_present=IfPresent.replace)
    assert versions_of(ws, "acme") == [("1.0.0", VIDS[0]), ("1.1.0", VIDS[1])]
    assert {s.status for s in result.service_versions} == {"replaced"}
    assert ws.version_files("acme", VIDS[2]) == []


@pytest.mark.parametrize(
    ("bump", "expected"),
    [(VersionBump.minor, ["1.2.0", "1.3.0"]), (VersionBump.major, ["2.0.0", "3.0.0"]), (VersionBump.patch, ["1.1.1", "1.1.2"])],
)
def test_add_version_bumps_from_the_latest_with_new_ids(ws: Workspace, make_zip, bump: VersionBump, expected: list[str]) -> None:
    path = make_zip(package_entries(ws))
    load_package(ws, path, "acme")
    result = load_package(ws, path, "acme", if_present=IfPresent.add_version, bump=bump)
    added = result.service_versions
    assert [a.version_source for a in added] == ["1.0.0", "1.1.0"]
    assert [a.version_destination for a in added] == expected
    assert all(a.version_id_destination not in VIDS and a.status == "added" for a in added)
    assert {v for v, _ in versions_of(ws, "acme")} == {"1.0.0", "1.1.0", *expected}
    for a in added:
        names = {f.name for f in ws.version_files("acme", a.version_id_destination)}
        assert f"{a.version_id_destination}.zip" in names and f"{a.version_id_source}.zip" not in names
        [info] = [v for v in ws.list_versions("acme", "pricing", "quote") if v.id == a.version_id_destination]
        assert info.has_module


def test_add_version_to_a_missing_service_keeps_source_versions_and_ids(ws: Workspace, make_zip) -> None:
    load_package(ws, make_zip(package_entries(ws)), "acme", if_present=IfPresent.add_version)
    assert versions_of(ws, "acme") == [("1.0.0", VIDS[0]), ("1.1.0", VIDS[1])]


def test_a_taken_service_id_gets_a_new_one(ws: Workspace, make_zip) -> None:
    path = make_zip(package_entries(ws))
    load_package(ws, path, "acme")
    ws.connect().execute("UPDATE folders SET name='renamed' WHERE tenant='acme' AND name='pricing'")
    load_package(ws, path, "acme")
    assert ws.service("acme", "pricing", "quote")["id"] != SID
    assert {i for _, i in versions_of(ws, "acme")}.isdisjoint(VIDS)


def test_bad_tenant_name_is_a_validation_error(ws: Workspace, fixture_zip: Path) -> None:
    with pytest.raises(ValidationFailed, match="invalid tenant name 'a/b'"):
        load_package(ws, fixture_zip, "a/b")


# --- hostile and corrupt packages -------------------------------------------------------------------


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = 0o120777 << 16
    return info


HOSTILE = {
    "dot-dot": ("src/pricing/quote/1.0.0/../../../../etc/passwd", "could escape"),
    "absolute": ("/etc/passwd", "absolute"),
    "backslash": ("src\\pricing\\evil.txt", "backslash"),
    "drive-letter": ("C:/Windows/evil.dll", "drive-letter"),
    "not-in-manifest": ("src/other/svc/1.0.0/ModelMetaData.json", "not a file of a version listed"),
    "nested-too-deep": ("src/pricing/quote/1.0.0/sub/file.txt", "not a file of a version listed"),
    "second-root": ("other/manifest.json", "one tenant folder"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_entry_names_are_refused(ws: Workspace, make_zip, catalog_counts, case: str) -> None:
    name, reason = HOSTILE[case]
    entries = package_entries(ws)
    entries[name] = b"x"
    before = catalog_counts(ws)
    with pytest.raises(BadPackage, match=reason) as err:
        load_package(ws, make_zip(entries), "acme")
    assert name in str(err.value) or repr(name) in str(err.value) or case == "second-root"
    assert err.value.exit_code == 2
    assert catalog_counts(ws) == before


def test_symlink_entries_are_refused(ws: Workspace, make_zip, catalog_counts) -> None:
    entries: dict = package_entries(ws)
    entries[_symlink("src/pricing/quote/1.0.0/link")] = b"/etc/passwd"
    with pytest.raises(BadPackage, match=r"entry 'src/pricing/quote/1.0.0/link' is a symbolic link"):
        load_package(ws, make_zip(entries), "acme")
    assert catalog_counts(ws)["versions"] == 0


def test_zip_bombs_are_refused_by_ratio(ws: Workspace, make_zip) -> None:
    entries = package_entries(ws)
    entries["src/pricing/quote/1.0.0/bomb.bin"] = bytes(40 * 1024 * 1024)
    with pytest.raises(BadPackage, match=r"entry 'src/pricing/quote/1.0.0/bomb.bin' expands .* \(more than 200:1\)"):
        load_package(ws, make_zip(entries), "acme")
    assert not ws.has_tenant("acme")


def test_absurd_declared_sizes_are_refused(ws: Workspace, make_zip) -> None:
    entries = package_entries(ws)
    path = make_zip(entries)
    _patch_declared_size(path, "src/pricing/quote/1.0.0/quote.xlsx", 0xF000_0000)
    with pytest.raises(BadPackage, match="quote.xlsx"):
        load_package(ws, path, "acme")
    total_entries = {f"src/pricing/quote/1.0.0/part{i}.bin": random.Random(i).randbytes(1024 * 1024) for i in range(5)}
    path = make_zip(package_entries(ws) | total_entries, "total.zip")
    for name in total_entries:
        _patch_declared_size(path, name, 180 * 1024 * 1024)
    with pytest.raises(BadPackage, match=r"declares \d+ bytes uncompressed \(more than 838860800\)"):
        load_package(ws, path, "acme")
    assert not ws.has_tenant("acme")


def _patch_declared_size(path: Path, name: str, size: int) -> None:
    """Rewrite the uncompressed size of `name` in the central directory (as a hostile ZIP would)."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    offset = data.find(b"PK\x01\x02")
    while offset != -1:
        name_len = struct.unpack_from("<H", data, offset + 28)[0]
        if data[offset + 46: offset + 46 + name_len] == encoded:
            struct.pack_into("<I", data, offset + 24, size)
            path.write_bytes(bytes(data))
            return
        offset = data.find(b"PK\x01\x02", offset + 4)
    raise AssertionError(f"{name} not found in the central directory")


def test_too_many_entries_are_refused(ws: Workspace, make_zip, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zip_bounds, "MAX_ENTRIES", 20)
    entries = package_entries(ws) | {f"src/pricing/quote/1.0.0/f{i}.txt": b"x" for i in range(20)}
    with pytest.raises(BadPackage, match=r"entries \(more than 20\)"):
        load_package(ws, make_zip(entries), "acme")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "has no src/manifest.json"),
        (b"{not json", "src/manifest.json' is not valid JSON"),
        (b'{"object":"export","id":"x"}', "src/manifest.json is malformed: outputs"),
        (b'{"object":"import","id":"x","outputs":{}}', "malformed: object"),
        (b'{"object":"export","id":"x","outputs":{"service_versions":[]}}', "lists no service versions"),
    ],
)
def test_missing_or_malformed_manifest(ws: Workspace, make_zip, content: bytes | None, reason: str) -> None:
    entries = package_entries(ws)
    del entries["src/manifest.json"]
    if content is not None:
        entries["src/manifest.json"] = content
    with pytest.raises(BadPackage, match=reason):
        load_package(ws, make_zip(entries), "acme")
    assert not ws.has_tenant("acme")


def test_manifest_version_without_files_and_bad_ids(ws: Workspace, make_zip) -> None:
    entries = package_entries(ws)
    entries["src/manifest.json"] = manifest([("pricing", "quote", SID, "1.0.0", VIDS[0]), ("pricing", "quote", SID, "1.1.0", VIDS[1]), ("pricing", "quote", SID, "2.0.0", VIDS[2])])
    with pytest.raises(BadPackage, match=r"lists pricing/quote\[2.0.0\] but the package holds no files"):
        load_package(ws, make_zip(entries), "acme")
    entries["src/manifest.json"] = manifest([("pricing", "quote", SID, "1.0", VIDS[0])])
    with pytest.raises(BadPackage, match="'1.0' is not a semantic version"):
        load_package(ws, make_zip(entries, "v.zip"), "acme")
    entries["src/manifest.json"] = manifest([("pricing", "quote", "nope", "1.0.0", VIDS[0]), ("pricing", "quote", SID, "1.1.0", VIDS[1])])
    with pytest.raises(BadPackage, match="not a UUID"):
        load_package(ws, make_zip(entries, "id.zip"), "acme")


def test_corrupt_data_fails_the_crc_and_imports_nothing(ws: Workspace, make_zip, catalog_counts) -> None:
    entries = package_entries(ws)
    path = make_zip(entries, method=zipfile.ZIP_STORED)
    victim = f"src/pricing/quote/1.1.0/{VIDS[1]}.zip"
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(victim)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 100] ^= 0xFF
    path.write_bytes(bytes(data))
    before = catalog_counts(ws)
    with pytest.raises(BadPackage, match=rf"entry '{victim}' is corrupt .*CRC"):
        load_package(ws, path, "acme")
    assert catalog_counts(ws) == before


def test_not_a_zip_and_missing_file(ws: Workspace, tmp_path: Path) -> None:
    text = tmp_path / "notes.zip"
    text.write_text("hello")
    with pytest.raises(BadPackage, match=r"package '.*notes.zip' is not a ZIP file"):
        load_package(ws, text, "acme")
    with pytest.raises(BadPackage, match=r"package '.*missing.zip' does not exist"):
        load_package(ws, tmp_path / "missing.zip", "acme")
    with pytest.raises(BadPackage, match="does not exist or is not a file"):
        load_package(ws, tmp_path, "acme")
    assert not ws.has_tenant("acme")


def test_malformed_model_metadata_is_refused(ws: Workspace, make_zip) -> None:
    entries = package_entries(ws)
    entries["src/pricing/quote/1.0.0/ModelMetaData.json"] = json.dumps({"EngineInformation": {"DefaultEngineType": "Excel"}}).encode()
    with pytest.raises(BadPackage, match="unknown DefaultEngineType 'Excel'"):
        load_package(ws, make_zip(entries), "acme")


def test_blobs_are_streamed(ws: Workspace, make_zip, monkeypatch: pytest.MonkeyPatch) -> None:
    """Package files are staged as readers, never as whole byte strings."""
    sources = []
    original = BlobStage.put

    def spy(self: BlobStage, source, progress=None):
        sources.append(source)
        return original(self, source, progress)

    path = make_zip(package_entries(ws))
    monkeypatch.setattr(BlobStage, "put", spy)
    load_package(ws, path, "acme")
    assert sources and not any(isinstance(s, (bytes, bytearray)) for s in sources)
