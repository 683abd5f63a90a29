"""`inspect_package`: contents of the real fixture, and each kind of damage named."""

from __future__ import annotations

import hashlib
import io
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pkgkit import corrupt_entry_bytes, rewrite, rewrite_module
from spark_tui.promotion import package_inspect
from spark_tui.promotion.package_inspect import inspect_package

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hostile_packages import write_hostile_set  # noqa: E402

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


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_hostile_set(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("copies", [1, 2, 300])
def test_a_file_listed_many_times_is_hashed_once(fixture_zip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, copies: int) -> None:
    def repeat(name: str, data: bytes) -> bytes:
        if name != MODULE:
            return data
        return rewrite_module(data, lambda inner, content: content * copies if inner == "checksums.md5" else content)

    package = rewrite(fixture_zip, tmp_path / "p.zip", repeat)
    hashed: list[int] = []
    real_md5 = hashlib.md5
    monkeypatch.setattr(package_inspect.hashlib, "md5", lambda: hashed.append(1) or real_md5())
    result = inspect_package(package)
    with zipfile.ZipFile(fixture_zip) as zf, zipfile.ZipFile(io.BytesIO(zf.read(MODULE))) as module:
        listed = len(module.read("checksums.md5").splitlines())
    assert result.ok and len(hashed) == listed


@pytest.mark.parametrize("lines,refused", [(10_000, False), (10_001, True)])
def test_checksums_md5_has_a_line_limit(fixture_zip: Path, tmp_path: Path, lines: int, refused: bool) -> None:
    with zipfile.ZipFile(fixture_zip) as zf, zipfile.ZipFile(io.BytesIO(zf.read(MODULE))) as module:
        ghosts = lines - len(module.read("checksums.md5").splitlines())

    def pad(name: str, data: bytes) -> bytes:
        if name != MODULE:
            return data
        return rewrite_module(data, lambda inner, content: b"".join(
            [content, *(b"%032x  ghost-%d\n" % (n, n) for n in range(ghosts))])
            if inner == "checksums.md5" else content)

    result = inspect_package(rewrite(fixture_zip, tmp_path / "p.zip", pad))
    if refused:
        assert [e.message.endswith(f"checksums.md5 has {lines} lines (more than 10000); refusing it") for e in result.errors] == [True]
    else:  # every ghost is named missing, each once
        assert len(result.errors) == ghosts and all("is listed in checksums.md5 but missing" in e.message for e in result.errors)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_fuzzed_hostile_packages_are_inspected_or_refused(hostile: dict[str, Path], fixture_zip: Path, tmp_path: Path, data: st.DataObject) -> None:
    """Random damage to the hostile set and the real package: a report, never an exception, every message bounded and printable."""
    source = data.draw(st.sampled_from([fixture_zip, *hostile.values()]))
    raw = bytearray(source.read_bytes())
    for _ in range(data.draw(st.integers(0, 8))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        del raw[data.draw(st.integers(0, len(raw) - 1)):]
    path = tmp_path / "fuzzed.zip"
    path.write_bytes(bytes(raw))
    result = inspect_package(path)
    assert result.ok or result.errors
    assert all(len(e.message) < 1000 and e.message.isprintable() for e in result.errors)
