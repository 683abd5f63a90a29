"""Every screen and modal, every key its footer and help advertise: the app keeps running (no crash, no exit).

At 80×24, the smallest supported terminal, where the layouts are tightest."""

from __future__ import annotations

from typing import Awaitable, Callable

import pytest
from fake_backend import FakeBackend, fixed_job, import_job
from textual.pilot import Pilot
from tui_helpers import form_ready, wait_for

from spark_tui.spark.errors import BackendUnavailable
from spark_tui.spark.export_wire import ExportPreview, ExportRequest
from spark_tui.spark.values import JobStatus
from spark_tui.tui.app import SparkApp
from spark_tui.tui.screens.modals import BusyModal, ConfirmModal, PromptModal
from spark_tui.tui.screens.preview import PreviewScreen
from spark_tui.tui.widgets.catalog import CatalogTree
from spark_tui.tui.widgets.jobs_table import JobsTable

CLOSED = fixed_job(2, JobStatus.closed, total=4096)
RUNNING = fixed_job(3, JobStatus.in_progress, done=10, total=100)
QUIT_ACTIONS = {"quit", "app.quit"}


async def main_on(pilot: Pilot, pane: str) -> None:
    app = pilot.app
    if pane == "browser":
        tree = app.main.query_one(CatalogTree)
        tree.focus()
        tree.move_cursor(tree._find("folder:Pricing"))
    elif pane == "jobs":
        app.main.action_show_pane("jobs-pane")
    else:
        app.main.query_one("#file_filter").focus()


def push(make: Callable[[SparkApp], object]) -> Callable[[Pilot], Awaitable[None]]:
    async def open_it(pilot: Pilot) -> None:
        pilot.app.push_screen(make(pilot.app))

    return open_it


def details_of(job):
    async def open_it(pilot: Pilot) -> None:
        pilot.app.job_actions.open_details(job)

    return open_it


OPENERS: dict[str, Callable[[Pilot], Awaitable[None]]] = {
    "main: catalog": lambda pilot: main_on(pilot, "browser"),
    "main: jobs": lambda pilot: main_on(pilot, "jobs"),
    "main: form": lambda pilot: main_on(pilot, "form"),
    "details: closed": details_of(CLOSED),
    "details: running": details_of(RUNNING),
    "details: import": details_of(import_job(1, JobStatus.closed)),
    "help": lambda pilot: _sync(pilot.app.action_help()),
    "error": lambda pilot: _sync(pilot.app.show_error("Export refused", BackendUnavailable("no network"))),
    "confirm": push(lambda app: ConfirmModal("Cancel export", "Cancel?")),
    "prompt": push(lambda app: PromptModal("Save package", "Directory:", "/nonexistent")),
    "busy": push(lambda app: BusyModal("Preview", "Resolving…")),
    "preview: ok": push(lambda app: PreviewScreen(ExportRequest(), FakeBackend().preview(ExportRequest()))),
    "preview: errors": push(lambda app: PreviewScreen(ExportRequest(), ExportPreview(
        errors=FakeBackend().preview(ExportRequest.model_validate({"inputs": {"folders": ["Restricted"]}})).errors))),
    "event log": lambda pilot: _sync(pilot.app.main.action_show_log()),
}


async def _sync(_: object) -> None:
    return None


async def reset(pilot: Pilot) -> None:
    app = pilot.app
    while len(app.screen_stack) > 1:
        app.pop_screen()
        await pilot.pause()
    app.clear_notifications()


def advertised_keys(app: SparkApp) -> list[str]:
    """The keys the footer and help show for the screen on top: its active bindings with a description."""
    keys = []
    for key, active in app.screen.active_bindings.items():
        binding = active.binding
        if binding.description and binding.action not in QUIT_ACTIONS and key not in keys:
            keys.append(key)
    return keys


@pytest.mark.parametrize("where", list(OPENERS))
async def test_every_advertised_key_keeps_the_app_running(where: str):
    app = SparkApp(FakeBackend([RUNNING, CLOSED]))
    async with app.run_test(size=(80, 24)) as pilot:
        tree = app.main.query_one(CatalogTree)
        table = app.main.query_one(JobsTable)
        await wait_for(pilot, lambda: tree._find("folder:Pricing") is not None and table.row_count == 2, "data")
        await form_ready(pilot)
        await OPENERS[where](pilot)
        await pilot.pause()
        keys = advertised_keys(app)
        assert keys, f"{where}: no key advertised"
        opened, focused = app.screen, app.focused
        for key in keys:
            if app.screen is not opened or app.focused is not focused:
                await reset(pilot)
                await OPENERS[where](pilot)
                await pilot.pause()
                opened, focused = app.screen, app.focused
            await pilot.press(key)
            await pilot.pause()
            assert app.is_running and app._exception is None, f"{where}: key {key!r} ended the app"


async def test_ctrl_q_quits_from_an_error_modal():
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        app.show_error("Export refused", BackendUnavailable("no network"))
        await pilot.pause()
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, "the app to exit")
