"""`inspect_package`: contents of the real fixture, and each kind of damage named."""

from __future__ import annotations

from pathlib import Path

from pkgkit import corrupt_entry_bytes, rewrite, rewrite_module
from spark_tui.promotion.package_inspect import inspect_package

MODULE = "fieldengineering/my-folder/volume-cylinder/0.1.0/91299a5d-9328-4435-911b-4e5f7783f5d4.zip"


def test_the_real_package_checks_out(fixture_zip: Path) -> None:
    result = inspect_package(fixture_zip)
    assert result.ok and result.kind == "onpremises"
    assert result.tenant == "fieldengineering" and result.export_job_id == "34d7d465-86eb-4eed-a388-fa4525cf7be6"
    (v,) = result.service_versions
    assert v.service_uri_source == "my-folder/volume-cylinder[0.1.0]" and v.files == 4 and v.bytes > 500_000
    assert result.checked_entries == 5 and result.checked_modules == 1
    assert len(result.sha256) == 64


def test_a_bad_crc_is_named(fixture_zip: Path, tmp_path: Path) -> None:
    pkg = rewrite(fixture_zip, tmp_path / "p.zip", lambda name, data: data)
    corrupt_entry_bytes(pkg, MODULE)
    result = inspect_package(pkg)
    assert not result.ok
    assert [e.ref for e in result.errors] == [MODULE] and "corrupt" in result.errors[0].message


def test_a_module_file_that_differs_from_checksums_md5(fixture_zip: Path, tmp_path: Path) -> None:
    def tamper(name: str, data: bytes) -> bytes:
        if name != MODULE:
            return data
        return rewrite_module(data, lambda inner, content: content + b"x" if inner.endswith(".js") else content)

    result = inspect_package(rewrite(fixture_zip, tmp_path / "p.zip", tamper))
    assert len(result.errors) == 1
    assert "_volume_cylinder.js' has MD5" in result.errors[0].message and "checksums.md5 says" in result.errors[0].message


def test_a_module_without_a_listed_file(fixture_zip: Path, tmp_path: Path) -> None:
    def drop(name: str, data: bytes) -> bytes:
        if name != MODULE:
            return data
        return rewrite_module(data, lambda inner, content: content + b"deadbeef" * 4 + b"  ghost.bin\n"
                              if inner == "checksums.md5" else content)

    result = inspect_package(rewrite(fixture_zip, tmp_path / "p.zip", drop))
    assert ["'ghost.bin' is listed in checksums.md5 but missing" in e.message for e in result.errors] == [True]


def test_not_a_package(tmp_path: Path) -> None:
    path = tmp_path / "junk.zip"
    path.write_bytes(b"not a zip")
    result = inspect_package(path)
    assert not result.ok and result.kind is None and "is not a ZIP file" in result.errors[0].message
