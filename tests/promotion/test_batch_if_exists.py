"""`--if-exists` of a promotion: the package and its receipt are one pair, named and replaced together."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from promokit import Pair

PROMOTE = ("--profile", "dev", "--promote-to", "uat", "--folder", "synth-0000", "--map", "synth-0000=UAT",
           "--if-present", "add_version", "--file-name", "rel")


def test_suffix_skips_a_name_whose_receipt_is_taken(cli, profiles: Pair, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "rel.zip").write_bytes(b"old")
    (out / "rel-2.receipt.json").write_text("{}")  # a receipt without its package still claims the name
    result = cli(*PROMOTE, "-o", str(out), "--if-exists", "suffix", "--json")
    assert result.code == 0, result.err
    receipt = result.json
    assert receipt["package"]["path"] == str(out / "rel-3.zip")
    assert json.loads((out / "rel-3.receipt.json").read_text()) == receipt
    assert (out / "rel.zip").read_bytes() == b"old" and (out / "rel-2.receipt.json").read_text() == "{}"
    assert f"{out / 'rel.zip'} exists; the package is saved as {out / 'rel-3.zip'}" in result.err


def test_overwrite_replaces_package_and_receipt(cli, profiles: Pair, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "rel.zip").write_bytes(b"old")
    (out / "rel.receipt.json").write_text("{}")
    result = cli(*PROMOTE, "-o", str(out), "--if-exists", "overwrite", "--json")
    assert result.code == 0, result.err
    receipt = result.json
    package = out / "rel.zip"
    assert receipt["package"]["path"] == str(package)
    assert receipt["package"]["sha256"] == hashlib.sha256(package.read_bytes()).hexdigest()
    assert json.loads((out / "rel.receipt.json").read_text()) == receipt
    assert sorted(p.name for p in out.iterdir()) == ["rel.receipt.json", "rel.zip"]


def test_fail_names_both_the_package_and_the_receipt(cli, profiles: Pair, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "rel.zip").write_bytes(b"old")
    (out / "rel.receipt.json").write_text("{}")
    result = cli(*PROMOTE, "-o", str(out))
    assert result.code == 2
    assert [line.split(": ", 2)[2] for line in result.err.splitlines()] == [
        f"{out / name} already exists; remove it, or choose another --file-name or -o (or --if-exists overwrite|suffix)"
        for name in ("rel.zip", "rel.receipt.json")]
    assert profiles.source.list_jobs(all_users=True) == []
