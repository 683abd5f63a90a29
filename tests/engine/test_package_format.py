"""Hostile packages: zip bombs spread over many entries, deeply nested JSON; nothing is stored."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from importspace import blob_count
from test_importer import VIDS, package_entries

from spark_tui.spark import zip_bounds
from spark_tui.engine.importer import load_package
from spark_tui.spark.package_format import PackageKind, open_package
from spark_tui.engine.store import Workspace
from spark_tui.spark.errors import BadPackage


def deep(depth: int, opening: str = "[", closing: str = "]") -> bytes:
    return (opening * depth + closing * depth).encode()


@pytest.mark.parametrize(
    ("entries", "size", "reason"),
    [(400, 1024 * 1024, "overall"), (1500, 64 * 1024, "overall"), (100, 4 * 1024 * 1024, "more than 200:1")],
)
def test_a_distributed_zip_bomb_is_refused_before_anything_is_stored(
    ws: Workspace, tmp_path: Path, catalog_counts, entries: int, size: int, reason: str
) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("src/manifest.json", b"{}")
        for n in range(entries):
            zf.writestr(f"src/pricing/quote/1.0.0/f{n}.bin", bytes(size))
    assert path.stat().st_size < 1024 * 1024  # small on disk, >100 MB expanded
    before = catalog_counts(ws), blob_count(ws)
    with pytest.raises(BadPackage, match=f"{reason}.*zip bomb"):
        load_package(ws, path, "acme")
    assert (catalog_counts(ws), blob_count(ws)) == before and list(ws.tmp.iterdir()) == []


def test_a_large_total_is_refused(ws: Workspace, make_zip, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zip_bounds, "MAX_TOTAL_BYTES", 10_000)
    with pytest.raises(BadPackage, match="declares .* bytes uncompressed"):
        load_package(ws, make_zip(package_entries(ws)), "acme")


@pytest.mark.parametrize(
    "bad_json",
    [deep(100_000), deep(100_000, "{\"a\":", "}").replace(b"}{", b"}"), b'{"outputs":' + deep(50_000) + b"}"],
)
def test_deeply_nested_manifest_is_refused_cleanly(ws: Workspace, make_zip, catalog_counts, bad_json: bytes) -> None:
    entries = package_entries(ws) | {"src/manifest.json": bad_json}
    before = catalog_counts(ws)
    with pytest.raises(BadPackage, match="(nested too deeply|not valid JSON|malformed)"):
        load_package(ws, make_zip(entries), "acme")
    assert catalog_counts(ws) == before


def test_deeply_nested_metadata_is_refused_cleanly(ws: Workspace, make_zip) -> None:
    entries = package_entries(ws) | {"src/pricing/quote/1.0.0/ModelMetaData.json": b'{"EngineInformation":' + deep(200_000) + b"}"}
    with pytest.raises(BadPackage, match="ModelMetaData.json' is nested too deeply"):
        load_package(ws, make_zip(entries), "acme")


def test_kind_and_contents(ws: Workspace, make_zip) -> None:
    migrate = package_entries(ws)
    onprem = {k: v for k, v in migrate.items() if not k.endswith((".xlsx", ".swagger.json"))}
    with open_package(make_zip(migrate, "m.zip")) as package:
        assert package.kind is PackageKind.migrate and package.tenant == "src"
        assert list(package.services) == ["pricing/quote"]
        assert [v.version_id for v in package.versions] == list(VIDS[:2])
    with open_package(make_zip(onprem, "o.zip")) as package:
        assert package.kind is PackageKind.onpremises


def test_messages_use_the_display_name(tmp_path: Path) -> None:
    path = tmp_path / "hidden" / "upload-77.zip"
    path.parent.mkdir()
    path.write_text(json.dumps({}))
    with pytest.raises(BadPackage) as info:
        with open_package(path, "package.zip"):
            pass
    assert "'package.zip'" in info.value.message and "hidden" not in info.value.message
