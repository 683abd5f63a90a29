"""Snapshots of the Import, Environments and Receipts screens at 80×24 and 120×40, on fixed data (the fake backend,
the repository's package fixture). Update with `pytest tests/tui/test_tui_screens_snapshots.py --snapshot-update`
only after looking at the report."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_backend import FakeBackend
from screens_kit import burst
from tui_helpers import form_ready, wait_for

from spark_tui.tui.app import SparkApp
from spark_tui.tui.screens.import_package import ImportScreen
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
                       "the package read")
        version = app.screen.query_one(InspectionTable).ordered_columns[0]
        await wait_for(pilot, lambda: version.content_width == len("my-folder/volume-cylinder[0.1.0]"), "the widths")
        await settle(pilot)

    assert snap_compare(SparkApp(FakeBackend(), dest_dir=Path("/tmp")), run_before=run_before, terminal_size=size)
