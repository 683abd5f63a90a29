"""Pre-flight of --batch: every problem at once, before a backend is opened, each as `error: CODE: message`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ERROR_LINE = re.compile(r"^error: [A-Z_]+: \S")


def test_bad_identifiers_file_name_and_missing_output_dir_are_reported_together(cli, tmp_path: Path,
                                                                                 spark_tui_home: Path) -> None:
    missing = tmp_path / "missing"
    r = cli("--folder", "a//b", "--service", "x[", "--file-name", "a/b", "-o", str(missing))
    assert r.code == 2
    assert [line.split(":")[1].strip() for line in r.error_lines] == [
        "INVALID_REFERENCE", "INVALID_REFERENCE", "INVALID_FILE_NAME", "OUTPUT_DIR_NOT_FOUND"]
    assert "'a//b'" in r.error_lines[0] and "'x['" in r.error_lines[1] and str(missing) in r.error_lines[3]
    assert not (spark_tui_home / "data").exists()  # checked before the workspace was opened


def test_an_existing_file_and_a_bad_identifier_are_reported_together(cli, tmp_path: Path) -> None:
    (tmp_path / "release.zip").write_bytes(b"keep me")
    r = cli("--service", "/x", "--file-name", "release", "-o", str(tmp_path), "--json")
    assert r.code == 2 and [e["code"] for e in r.json["errors"]] == ["INVALID_REFERENCE", "FILE_EXISTS"]
    assert r.error_lines[1] == (f"error: FILE_EXISTS: {tmp_path / 'release.zip'} already exists; "
                                "remove it, or choose another --file-name or -o (or --if-exists overwrite|suffix)")


def test_dry_run_and_no_wait_do_not_need_the_output_dir(cli, tmp_path: Path) -> None:
    r = cli("--service", "x[", "--dry-run", "-o", str(tmp_path / "missing"))
    assert r.code == 2 and [line.split(":")[1].strip() for line in r.error_lines] == ["INVALID_REFERENCE"]


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--profile", "nope", "--jobs"], "PROFILE_NOT_FOUND"),
        (["--status", "0000-nope"], "JOB_NOT_FOUND"),
        (["--cancel", "0000-nope"], "JOB_NOT_FOUND"),
        (["--import-package", "none.zip"], "PACKAGE_NOT_FOUND"),
        (["--list-versions", "no-slash"], "USAGE"),
    ],
)
def test_every_refusal_names_its_code(cli, argv: list[str], code: str) -> None:
    r = cli(*argv)
    assert r.code == 2 and r.err.startswith(f"error: {code}: ") and ERROR_LINE.match(r.err), r.err


def test_the_spark_profile_says_which_variables_make_it(cli) -> None:
    r = cli("--profile", "spark", "--jobs")
    assert r.code == 2 and r.err.startswith("error: PROFILE_NOT_FOUND: unknown profile 'spark'")
    assert "set CSPARK_BASE_URL and CSPARK_BEARER_TOKEN, CSPARK_API_KEY or CSPARK_CLIENT_ID + CSPARK_CLIENT_SECRET" in r.err


def test_an_unknown_profile_is_reported_with_the_request_problems(cli, tmp_path: Path) -> None:
    r = cli("--profile", "prod", "--service", "x[", "-o", str(tmp_path / "missing"))
    assert r.code == 2
    assert [line.split(":")[1].strip() for line in r.error_lines] == [
        "PROFILE_NOT_FOUND", "INVALID_REFERENCE", "OUTPUT_DIR_NOT_FOUND"]
    assert "unknown profile 'prod'" in r.error_lines[0]


def test_import_problems_are_reported_together_before_a_backend_opens(cli, spark_tui_home: Path) -> None:
    r = cli("--profile", "nope", "--import-package", "none.zip", "--map", "a/b=", "--map", "=x")
    assert r.code == 2
    assert [line.split(":")[1].strip() for line in r.error_lines] == [
        "PROFILE_NOT_FOUND", "INVALID_VALUE", "INVALID_VALUE", "PACKAGE_NOT_FOUND"]
    assert "--map 'a/b='" in r.error_lines[1] and "import package none.zip does not exist" in r.error_lines[3]
    assert not (spark_tui_home / "data").exists()


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--create-folder", "a/b"], "INVALID_VALUE"),
        (["--load-package", "none.zip"], "PACKAGE_NOT_FOUND"),
        (["--inspect", "none.zip"], "PACKAGE_NOT_FOUND"),
    ],
)
def test_import_side_refusals_name_their_code_before_a_backend_opens(cli, spark_tui_home: Path, argv: list[str],
                                                                      code: str) -> None:
    r = cli(*argv)
    assert r.code == 2 and r.err.startswith(f"error: {code}: ") and ERROR_LINE.match(r.err), r.err
    assert not (spark_tui_home / "data").exists()
