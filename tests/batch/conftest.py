"""Fixtures of the batch tests: run the real entry point; keep submitted jobs from starting."""

from __future__ import annotations

import functools
from typing import Callable

import pytest

from batchkit import Result
from spark_tui.backends import embedded
from spark_tui.backends.embedded import EmbeddedBackend
from spark_tui.cli import main


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run `main(["--batch", *argv])` (the real entry point) and capture what it printed.

    It runs in the test's empty current directory (`empty_cwd`, the default -o), never in the checkout."""

    def run(*argv: str) -> Result:
        capsys.readouterr()
        code = main(["--batch", *argv])
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def no_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Jobs submitted through the CLI stay `created` (no worker process), so tests can act on them."""
    monkeypatch.setattr(embedded, "EmbeddedBackend", functools.partial(EmbeddedBackend, spawn=False))
