"""The test suite's own hygiene: each test starts in an empty directory outside the checkout, with its own
SPARK_TUI_HOME, and hypothesis keeps nothing in the checkout."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]


def test_each_test_starts_in_an_empty_directory_outside_the_checkout(empty_cwd: Path) -> None:
    cwd = Path.cwd().resolve()
    assert cwd == empty_cwd.resolve() and list(cwd.iterdir()) == []
    assert ROOT not in (cwd, *cwd.parents)


def test_the_tui_saves_into_the_test_directory_by_default(empty_cwd: Path) -> None:
    from spark_tui.tui.app import SparkApp
    from tests.tui.fake_backend import FakeBackend

    assert SparkApp(FakeBackend([])).dest_dir.resolve() == empty_cwd.resolve()


def test_spark_tui_home_is_the_tests_own(spark_tui_home: Path) -> None:
    assert os.environ["SPARK_TUI_HOME"] == str(spark_tui_home) and ROOT not in spark_tui_home.resolve().parents


def test_hypothesis_keeps_no_example_database_and_is_fixed_unless_asked_for_random() -> None:
    assert settings().database is None
    assert settings().derandomize is (os.environ.get("HYPOTHESIS_PROFILE", "spark-tui") != "random")
