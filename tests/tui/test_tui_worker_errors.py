"""Screen workers catch the errors they expect (SparkTuiError, OSError of the files they read) and show them
on the screen; any other exception is a bug: it opens the error modal (Unexpected error in '<worker>'), and a
screen whose worker held it busy is freed."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_backend import FakeBackend
from screens_kit import export_package, make_app, rendered, seed_dev, seed_environments, seed_uat, write_config
from tui_helpers import form_ready, wait_for

from spark_tui.spark.import_wire import ImportRequestEntity
from spark_tui.tui.app import SparkApp
from spark_tui.tui.screens.environments import EnvironmentsScreen
from spark_tui.tui.screens.import_package import ImportScreen
from spark_tui.tui.screens.modals import ErrorModal
from spark_tui.tui.screens.receipts import ReceiptsScreen


def bug(*args, **kwargs):
    raise RuntimeError("boom: a bug")


async def test_a_bug_reading_the_receipts_opens_the_error_modal(monkeypatch: pytest.MonkeyPatch) -> None:
    from spark_tui.promotion import history

    monkeypatch.setattr(history, "list_receipts", bug)
    app = SparkApp(FakeBackend(), dest_dir=Path("/tmp"))
    async with app.run_test(size=(80, 24)) as pilot:
        await form_ready(pilot)
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), "the bug's dialog")
        assert app.screen.title_text == "Unexpected error in 'read the receipts'"
        assert "RuntimeError" in app.screen.details and "boom: a bug" in app.screen.details


async def test_an_unreadable_history_is_said_on_the_receipts_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    from spark_tui.promotion import history

    def unreadable():
        raise PermissionError(13, "Permission denied", "/data/receipts")

    monkeypatch.setattr(history, "list_receipts", unreadable)
    app = SparkApp(FakeBackend(), dest_dir=Path("/tmp"))
    async with app.run_test(size=(80, 24)) as pilot:
        await form_ready(pilot)
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceiptsScreen)
                       and "Cannot read" in rendered(app.screen.query_one("#receipts-status")), "the refusal")
        assert rendered(app.screen.query_one("#receipts-status")).startswith(
            "✗ Cannot read the history: [Errno 13] Permission denied: '/data/receipts'")
        assert isinstance(app.screen, ReceiptsScreen)  # no error modal: an expected error


async def test_a_bug_in_the_import_opens_the_error_modal_and_frees_the_screen(
        tmp_path: Path, spark_tui_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dev, uat, out = tmp_path / "dev-ws", tmp_path / "uat-ws", tmp_path / "out"
    out.mkdir()
    seed_dev(dev)
    seed_uat(uat)
    write_config(spark_tui_home, {"dev": (dev, "dev"), "uat": (uat, "uat")}, "uat")
    package = export_package(dev, "dev", ["synth-0000"], out)
    app = make_app(uat, "uat", "uat", out)
    async with app.run_test(size=(80, 24)) as pilot:
        await form_ready(pilot)
        await pilot.press("f7")
        await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen), "the Import screen")
        screen = app.screen
        monkeypatch.setattr(screen.backend, "submit_import", bug)
        screen._start(package, ImportRequestEntity())
        assert screen.busy and screen.query_one("#package").disabled
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), "the bug's dialog")
        assert app.screen.title_text == "Unexpected error in 'import the package'"
        await wait_for(pilot, lambda: not screen.busy, "the screen freed")
        assert not screen.query_one("#package").disabled
        assert rendered(screen.query_one("#import-verdict")).startswith("✗ The import was not started: boom: a bug")


async def test_a_bug_in_the_comparison_opens_the_error_modal_and_frees_the_screen(
        tmp_path: Path, spark_tui_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from spark_tui.promotion import compare

    root = tmp_path / "ws"
    seed_environments(root)
    write_config(spark_tui_home, {name: (root, name) for name in ("dev", "prod", "uat")}, "dev")
    monkeypatch.setattr(compare, "compare", bug)
    app = make_app(root, "dev", "dev", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await form_ready(pilot)
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), "the bug's dialog")
        assert app.screen.title_text == "Unexpected error in 'compare environments'"
        await pilot.press("escape")
        screen = app.screen
        assert isinstance(screen, EnvironmentsScreen)
        await wait_for(pilot, lambda: not screen.busy, "the screen freed")
        assert rendered(screen.query_one("#env-status")).startswith("✗ Cannot compare: boom: a bug")
