"""`--if-exists fail|overwrite|suffix`: what an export does when its package is already there."""

from __future__ import annotations

import hashlib
from pathlib import Path

from spark_tui.spark.filenames import free_name

TRAVEL = ("--service", "insurance-pricing/travel-quote[3.2]", "--file-name", "travel")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_overwrite_replaces_the_package_with_the_verified_new_one(cli, tmp_path: Path) -> None:
    (tmp_path / "travel.zip").write_bytes(b"the package of yesterday")
    r = cli(*TRAVEL, "-o", str(tmp_path), "--if-exists", "overwrite", "--json")
    assert r.code == 0, r.err
    package = tmp_path / "travel.zip"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["travel.zip"]  # no staging directory left
    assert r.json["downloads"] == [{"path": str(package), "bytes": package.stat().st_size, "sha256": sha256(package),
                                    "verified": True, "hash_algorithm": "sha256"}]
    assert r.json["outputs"]["files"][0]["file_hash"] == sha256(package)


def test_suffix_takes_the_next_free_name_and_leaves_the_others(cli, tmp_path: Path) -> None:
    (tmp_path / "travel.zip").write_bytes(b"one")
    (tmp_path / "travel-2.zip").write_bytes(b"two")
    r = cli(*TRAVEL, "-o", str(tmp_path), "--if-exists", "suffix", "--json")
    assert r.code == 0, r.err
    assert f"{tmp_path / 'travel.zip'} exists; the package is saved as travel-3.zip" in r.err
    assert [d["path"] for d in r.json["downloads"]] == [str(tmp_path / "travel-3.zip")]
    assert (tmp_path / "travel.zip").read_bytes() == b"one" and (tmp_path / "travel-2.zip").read_bytes() == b"two"
    assert r.json["outputs"]["files"][0]["file_hash"] == sha256(tmp_path / "travel-3.zip")


def test_suffix_without_a_clash_keeps_the_name(cli, tmp_path: Path) -> None:
    r = cli(*TRAVEL, "-o", str(tmp_path), "--if-exists", "suffix")
    assert r.code == 0, r.err
    assert [p.name for p in tmp_path.iterdir()] == ["travel.zip"] and "exists" not in r.err


def test_fail_is_the_default_and_names_the_flag(cli, tmp_path: Path) -> None:
    (tmp_path / "travel.zip").write_bytes(b"keep me")
    for extra in ((), ("--if-exists", "fail")):
        r = cli(*TRAVEL, "-o", str(tmp_path), *extra)
        assert r.code == 2 and r.error_lines == [
            f"error: FILE_EXISTS: {tmp_path / 'travel.zip'} already exists; remove it, or choose another --file-name "
            "or -o (or --if-exists overwrite|suffix)"]
    assert (tmp_path / "travel.zip").read_bytes() == b"keep me"


def test_free_names_count_from_the_given_name_and_skip_taken_ones(tmp_path: Path) -> None:
    (tmp_path / "p-2.zip").write_bytes(b"")
    assert free_name(tmp_path, "p.zip") == "p-3.zip"
    assert free_name(tmp_path, "p.zip", lambda path: path.name == "p-3.zip") == "p-4.zip"
    assert free_name(tmp_path, "p-2.zip") == "p-3.zip"  # a suffix counts on, never stacks (p-2-2.zip)


def test_if_exists_goes_with_what_saves_a_package(cli) -> None:
    r = cli("--jobs", "--if-exists", "overwrite")
    assert r.code == 2 and "--if-exists cannot be combined with --jobs" in r.err
