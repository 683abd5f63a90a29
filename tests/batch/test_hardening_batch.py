"""`--batch` under bad input: arguments that are not UTF-8, tenant names unfit for a path, a
full disk, and a reader that closed the output pipe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from batchkit import Result, subprocess_env
from spark_tui.cli import main
from spark_tui.spark.exit_codes import ExitCode
from spark_tui.engine.store import Workspace


@pytest.mark.parametrize(
    "argv",
    [
        ["--list-services", "bad\udcffname"],
        ["--folder", "\udc80"],
        ["--tenant", "t\udce9", "--list-folders"],
        ["--list-folders", "--workspace", "/tmp/\udcff"],
    ],
)
def test_arguments_that_are_not_utf8_are_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--batch", *argv]) == 2
    err = capsys.readouterr().err
    assert "is not valid UTF-8" in err and "Traceback" not in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("tenant", ["..", ".", "a/b", "a\\b", "x" * 300, " padded"])
def test_tenant_names_unfit_for_a_path_are_exit_2(cli: Callable[..., Result], tenant: str, tmp_path: Path) -> None:
    result = cli("--tenant", tenant, "--workspace", str(tmp_path / "ws"), "--folder", "f")
    assert result.code == 2 and "invalid tenant name" in result.err and "--tenant" in result.err
    assert not (tmp_path / "ws").exists() or Workspace(tmp_path / "ws").tenants() == []


@pytest.mark.parametrize("operation", [["--list-folders"], ["--jobs"], ["--folder", "insurance-pricing", "--dry-run"]])
def test_a_full_disk_is_exit_3_naming_it(cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch, operation: list[str]) -> None:
    import sqlite3

    def full(self: Workspace, root: Path) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Workspace, "__init__", full)
    result = cli(*operation)
    assert result.code == 3 and result.error_lines and "disk full" in result.error_lines[0]
    assert "not a usable" not in result.err


@pytest.mark.parametrize("operation", [["--list-folders"], ["--jobs"], ["--list-folders", "--json"], ["--list-services", "claims"]])
def test_output_to_a_closed_pipe_ends_quietly(operation: list[str], tmp_path: Path) -> None:
    """`spark-tui --batch --list-folders | true`: the reader is gone before anything is written."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "spark_tui", "--batch", *operation], cwd=tmp_path, env=subprocess_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # like `| true`: nobody reads
    err = proc.stderr.read().decode()
    assert proc.wait(60) == ExitCode.BROKEN_PIPE == 141
    assert err == ""


def test_head_reads_the_first_line_and_the_rest_ends_quietly(tmp_path: Path) -> None:
    """`spark-tui --batch --list-folders | head -1`, with output long enough to outlast the pipe buffer."""
    script = (
        "import sys; from spark_tui.cli import main; from spark_tui.batch import output;"
        "output.folders_text = lambda folders: 'x' * 80 + '\\n' + 'y' * 400_000;"
        "sys.exit(main(['--batch', '--list-folders']))"
    )
    pipeline = subprocess.run(
        f"{sys.executable} -c \"{script}\" | head -1", shell=True, cwd=tmp_path, env=subprocess_env(),
        capture_output=True, text=True, timeout=60, executable="/bin/bash",
    )
    assert pipeline.stdout == "x" * 80 + "\n"
    assert pipeline.stderr == ""  # no traceback, no BrokenPipeError at exit
