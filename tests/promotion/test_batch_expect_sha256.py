"""`--inspect PKG --expect-sha256 HEX`: the package must be the one a receipt or a release note names."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest



def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_expected_hash_passes_in_any_case(cli, fixture_zip: Path) -> None:
    result = cli("--inspect", str(fixture_zip), "--expect-sha256", digest(fixture_zip).upper(), "--json")
    assert result.code == 0, result.err
    assert result.json["sha256"] == digest(fixture_zip) and result.json["errors"] == []


def test_another_hash_names_both_and_exits_2(cli, fixture_zip: Path) -> None:
    wrong = "0" * 64
    result = cli("--inspect", str(fixture_zip), "--expect-sha256", wrong, "--json")
    assert result.code == 2
    message = f"package {fixture_zip} has SHA-256 {digest(fixture_zip)}, expected {wrong}"
    assert result.err.splitlines()[0] == f"error: SHA256_MISMATCH: {message}"
    assert result.json["errors"][0] == {"code": "SHA256_MISMATCH", "message": message, "ref": str(fixture_zip)}


@pytest.mark.parametrize("value", ["abc", "g" * 64, "0" * 65])
def test_a_value_that_is_no_sha256_is_refused_before_reading(cli, fixture_zip: Path, value: str) -> None:
    result = cli("--inspect", str(fixture_zip), "--expect-sha256", value)
    assert result.code == 2
    assert result.err == (f"error: INVALID_VALUE: --expect-sha256 '{value}' is not a SHA-256: "
                          "give its 64 hexadecimal digits\n")
    assert result.out == ""


def test_expect_sha256_goes_with_inspect(cli) -> None:
    result = cli("--jobs", "--expect-sha256", "0" * 64)
    assert result.code == 2 and "--expect-sha256 goes with --inspect" in result.err
