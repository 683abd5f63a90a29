"""Helpers of the TUI tests: wait on a condition (never a fixed sleep), run blocking calls off the loop."""

from __future__ import annotations

import asyncio
import time
from typing import Callable

from textual.pilot import Pilot

POLL_S = 0.01
"""How often `wait_for` checks: a condition met between checks costs the test half of this on average."""


async def wait_for(pilot: Pilot, predicate: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Pump the app until `predicate()` is truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(POLL_S)


async def form_ready(pilot: Pilot) -> None:
    """The export form's fields are mounted just after the first frame: wait for them."""
    from spark_tui.tui.widgets.export_form import ExportForm

    await wait_for(pilot, lambda: pilot.app.main.query_one(ExportForm).ready, "the export form's fields")


async def run_in_thread(func, *args):
    return await asyncio.to_thread(func, *args)


def screen_lines(app) -> list[str]:
    """The active screen as the terminal shows it, one string per line (characters only)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]
