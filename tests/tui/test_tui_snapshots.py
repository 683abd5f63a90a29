"""Snapshots (pytest-textual-snapshot) of the main states at 80×24 and 120×40, on fixed data.

Fixed job ids and timestamps (fake backend), a frozen clock, UTC and no cursor blink keep them
byte-stable. Update with `pytest tests/tui --snapshot-update` only after looking at the report.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from fake_backend import FakeBackend, fixed_job
from tui_helpers import form_ready, wait_for

from spark_tui.spark.errors import BackendUnavailable
from spark_tui.spark.values import JobStatus
from spark_tui.tui.app import SparkApp
from spark_tui.tui.screens.details import JobDetailsScreen
from spark_tui.tui.screens.help import HelpScreen
from spark_tui.tui.screens.modals import ErrorModal
from spark_tui.tui.screens.preview import PreviewScreen
from spark_tui.tui.widgets.catalog import CatalogTree
from spark_tui.tui.widgets.jobs_table import JobsTable

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
NOW = datetime(2026, 11, 27, 9, 16, 30, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def make_app() -> SparkApp:
    jobs = [fixed_job(3, JobStatus.in_progress, done=40, total=100_000, correlation="nightly-7"),
            fixed_job(2, JobStatus.closed, total=123_456, correlation="ci-42"),
            fixed_job(1, JobStatus.failed)]
    app = SparkApp(FakeBackend(jobs), dest_dir=Path("/tmp"))
    app.clock = lambda: NOW
    return app


async def settle(pilot) -> None:
    """Folders and jobs loaded, Pricing expanded with one service marked."""
    app = pilot.app
    await wait_for(pilot, lambda: app.main.query(JobsTable), "the main screen")
    tree = app.main.query_one(CatalogTree)
    table = app.main.query_one(JobsTable)
    await wait_for(pilot, lambda: tree._find("folder:Pricing") is not None and table.row_count == 3, "data")
    await form_ready(pilot)
    tree._find("folder:Pricing").expand()
    await wait_for(pilot, lambda: tree._find("service:Pricing/volume-cylinder") is not None, "services")
    tree.move_cursor(tree._find("service:Pricing/volume-cylinder"))
    await pilot.press("space")
    await pilot.pause()


async def quiet(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    pilot.app.clear_notifications()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare, size):
    async def run_before(pilot):
        await settle(pilot)
        await quiet(pilot)

    assert snap_compare(make_app(), run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_job_details(snap_compare, size):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.app.push_screen(JobDetailsScreen(fixed_job(2, JobStatus.closed, total=123_456, correlation="ci-42")))
        await quiet(pilot)

    assert snap_compare(make_app(), run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, size):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), "help")
        await quiet(pilot)

    assert snap_compare(make_app(), run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_preview_with_errors(snap_compare, size):
    async def run_before(pilot):
        await settle(pilot)
        tree = pilot.app.main.query_one(CatalogTree)
        tree.move_cursor(tree._find("folder:Restricted"))
        await pilot.press("space")
        pilot.app.main.query_one("#identifiers").value = "Insurance/legacy-rater"
        tree.focus()
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, PreviewScreen), "preview")
        await quiet(pilot)

    assert snap_compare(make_app(), run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_error_modal(snap_compare, size):
    async def run_before(pilot):
        await settle(pilot)
        pilot.app.show_error("Export refused", BackendUnavailable(
            "cannot reach https://excel.uat.us.coherent.global/acme: connection refused; check the URL or network"))
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ErrorModal), "error modal")
        await quiet(pilot)

    assert snap_compare(make_app(), run_before=run_before, terminal_size=size)


def test_main_screen_no_color(snap_compare, monkeypatch: pytest.MonkeyPatch):
    """NO_COLOR=1: status marks, the heavy focused border and reversed titles carry what colour did."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()

    async def run_before(pilot):
        await settle(pilot)
        await quiet(pilot)

    assert snap_compare(app, run_before=run_before, terminal_size=(120, 40))


def test_main_screen_16_colour_light_theme(snap_compare):
    """A 16-colour light theme (ansi-light): placeholders, borders and focus stay visible."""

    async def run_before(pilot):
        pilot.app.theme = "ansi-light"
        await settle(pilot)
        await quiet(pilot)

    assert snap_compare(make_app(), run_before=run_before, terminal_size=(120, 40))


@pytest.mark.parametrize("size", SIZES)
def test_save_dialog_with_an_inline_error(snap_compare, size):
    async def run_before(pilot):
        await settle(pilot)
        app = pilot.app
        app.job_actions.save(fixed_job(2, JobStatus.closed, total=123_456))
        await wait_for(pilot, lambda: app.screen.query("#prompt-input"), "the save dialog")
        app.screen.query_one("#prompt-input").value = "/nonexistent/dir"
        await pilot.press("enter")
        await quiet(pilot)

    assert snap_compare(make_app(), run_before=run_before, terminal_size=size)
