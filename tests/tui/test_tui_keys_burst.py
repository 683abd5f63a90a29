"""Keys arriving in a burst (a paste, a laggy SSH link) are applied in order in every text field."""

from __future__ import annotations

import pytest
from fake_backend import FakeBackend
from textual import events
from textual.widgets import Input
from tui_helpers import form_ready, wait_for

from spark_tui.tui.app import SparkApp

BURSTS = [
    (["t", "1", "backspace", "backspace", "n", "a", "m", "e"], "", "name"),
    (["ctrl+u", "b", "o", "b", "2"], "alice", "bob2"),
    (["a", "b", "left", "left", "x", "end", "y"], "", "xaby"),
]


def burst(app: SparkApp, keys: list[str]) -> None:
    """Post every key at once, as the terminal driver does when they arrive a few ms apart."""
    for key in keys:
        character = key if len(key) == 1 else None
        app.post_message(events.Key(key, character))


@pytest.mark.parametrize("field_id", ["file_name", "identifiers", "dest_dir"])
@pytest.mark.parametrize(("keys", "start", "expected"), BURSTS)
async def test_a_burst_of_keys_is_applied_in_order(field_id: str, keys: list[str], start: str, expected: str):
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(120, 40)) as pilot:
        await form_ready(pilot)
        field = app.main.query_one(f"#{field_id}", Input)
        field.focus()
        field.value = start
        field.cursor_position = len(start)
        await pilot.pause()
        burst(app, keys)
        await wait_for(pilot, lambda: field.value == expected, f"{expected!r} in #{field_id} (got {field.value!r})",
                       timeout=3)


async def test_focusing_a_field_keeps_its_text_unselected():
    """F3 focuses the identifiers: the next key types on instead of replacing the text."""
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(120, 40)) as pilot:
        await form_ready(pilot)
        app.main.query_one("#identifiers", Input).value = "Pricing/premium-calc"
        await pilot.press("f3", "x")
        assert app.main.query_one("#identifiers", Input).value == "Pricing/premium-calcx"
