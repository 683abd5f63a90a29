"""Snapshots of the Import, Environments and Receipts screens at 80×24 and 120×40, on fixed data (the fake backend,
the repository's package fixture). Update with `pytest tests/tui/test_tui_screens_snapshots.py --snapshot-update`
only after looking at the report."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
from fake_backend import FakeBackend
from screens_kit import burst, seed_environments, write_config
from test_tui_receipts import write_history
from tui_helpers import form_ready, wait_for

from spark_tui.config import load_config
from spark_tui.tui.app import SparkApp
from spark_tui.tui.screens.environments import EnvironmentsScreen, MatrixTable
from spark_tui.tui.screens.import_package import ImportScreen
from spark_tui.tui.screens.receipts import ReceiptsScreen, ReceiptsTable
from spark_tui.tui.widgets.jobs_table import JobsTable
from spark_tui.tui.widgets.package_tables import InspectionTable

ROOT = Path(__file__).resolve().parents[2]
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    pilot.app.clear_notifications()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_import_screen(snap_compare, size, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)

    async def run_before(pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: app.main.query(JobsTable), "the main screen")
        await form_ready(pilot)
        burst(app, "f7", *"tests/fixtures/volume-cylinder.zip", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen) and app.screen.package is not None,
                       "the package read", timeout=30)
        table = app.screen.query_one(InspectionTable)
        await wait_for(pilot, lambda: table.row_count == 1 and table.widths, "the rows fitted to the width")
        await settle(pilot)

    assert snap_compare(SparkApp(FakeBackend(), dest_dir=Path("/tmp")), run_before=run_before, terminal_size=size)


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("size", SIZES)
def test_environments_screen(snap_compare, size, tmp_path: Path, spark_tui_home: Path) -> None:
    root = tmp_path / "ws"
    seed_environments(root)
    write_config(spark_tui_home, {name: (root, name) for name in ("dev", "prod", "uat")}, "dev")
    fake = FakeBackend()
    fake.info = replace(fake.info, profile="dev")

    async def run_before(pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: app.main.query(JobsTable), "the main screen")
        await form_ready(pilot)
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, EnvironmentsScreen) and app.screen.comparison is not None,
                       "the comparison")
        await pilot.press("space", "space")  # claims/fraud and claims/triage marked
        service = app.screen.query_one(MatrixTable).ordered_columns[1]
        await wait_for(pilot, lambda: service.content_width == len("claims/triage"), "the widths")
        await settle(pilot)

    assert snap_compare(SparkApp(fake, load_config(), dest_dir=Path("/tmp")), run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_receipts_screen(snap_compare, size, utc) -> None:
    write_history()  # under this test's SPARK_TUI_HOME

    async def run_before(pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: app.main.query(JobsTable), "the main screen")
        await form_ready(pilot)
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceiptsScreen)
                       and app.screen.query_one(ReceiptsTable).row_count == 2, "the history")
        table = app.screen.query_one(ReceiptsTable)
        await wait_for(pilot, lambda: [c.width for c in table.ordered_columns] == table.widths, "the widths")
        await settle(pilot)

    assert snap_compare(SparkApp(FakeBackend(), dest_dir=Path("/tmp")), run_before=run_before, terminal_size=size)
