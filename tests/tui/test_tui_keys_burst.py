"""Keys arriving in a burst (a paste, a laggy SSH link) are applied in order in every text field."""

from __future__ import annotations

import pytest
from fake_backend import FakeBackend
from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input
from tui_helpers import form_ready, wait_for

from spark_tui.tui.app import SparkApp
from spark_tui.tui.widgets.catalog import CatalogTree

BURSTS = [
    (["t", "1", "backspace", "backspace", "n", "a", "m", "e"], "", "name"),
    (["ctrl+u", "b", "o", "b", "2"], "alice", "bob2"),
    (["a", "b", "left", "left", "x", "end", "y"], "", "xaby"),
]


def burst(app: SparkApp, keys: list[str]) -> None:
    """Post every key at once, as the terminal driver does when they arrive a few ms apart."""
    for key in keys:
        character = key if len(key) == 1 else None
        if character is not None and not key.isalnum():
            key = _character_to_key(character)
        app.post_message(events.Key(key, character))


async def marked_tree(pilot) -> CatalogTree:
    """The catalog tree focused, with the folder under the cursor marked (so that `e` would export)."""
    app = pilot.app
    await form_ready(pilot)
    tree = app.main.query_one(CatalogTree)
    await wait_for(pilot, lambda: tree._find("folder:Pricing") is not None, "the folders")
    tree.focus()
    tree.move_cursor(tree._find("folder:Pricing"))
    await pilot.press("space")
    await wait_for(pilot, lambda: tree.current_marks().folders, "the mark on Pricing")
    return tree


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


@pytest.mark.parametrize("keys", [list("/home"), ["slash", "h", "o", "m", "e"]])
async def test_keys_typed_after_slash_go_to_the_filter(keys: list[str]):
    """`/home` in one burst: the filter gets `home`, and `e` does not start an export of the marked folder."""
    backend = FakeBackend()
    app = SparkApp(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await marked_tree(pilot)
        filter_input = app.main.query_one("#catalog-filter", Input)
        burst(app, [k if len(k) == 1 else k for k in keys])
        await wait_for(pilot, lambda: filter_input.value == "home", f"'home' in the filter (got {filter_input.value!r})",
                       timeout=3)
        assert filter_input.has_focus
        await pilot.press("escape")
        await wait_for(pilot, lambda: filter_input.value == "" and app.main.query_one(CatalogTree).has_focus,
                       "escape to clear the filter")
    assert backend.submitted == []


async def test_pilot_presses_after_slash_go_to_the_filter():
    backend = FakeBackend()
    app = SparkApp(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await marked_tree(pilot)
        await pilot.press(*"/home")
        assert app.main.query_one("#catalog-filter", Input).value == "home"
    assert backend.submitted == []


async def test_keys_typed_after_f3_go_to_the_identifiers():
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(120, 40)) as pilot:
        await marked_tree(pilot)
        burst(app, ["f3", *"Pricing"])
        field = app.main.query_one("#identifiers", Input)
        await wait_for(pilot, lambda: field.value == "Pricing", f"'Pricing' in the identifiers (got {field.value!r})",
                       timeout=3)


async def test_tab_in_a_burst_moves_on_between_the_texts():
    """`src1 Tab corr1` sent at once: each text lands in its own field (Tab applied where it arrived)."""
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(120, 40)) as pilot:
        await form_ready(pilot)
        app.main.query_one("#source_system", Input).focus()
        await pilot.pause()
        burst(app, [*"src1", "tab", *"corr1", "tab", *"name1"])
        fields = {name: app.main.query_one(f"#{name}", Input) for name in ("source_system", "correlation_id",
                                                                           "file_name")}
        await wait_for(pilot, lambda: fields["file_name"].value == "name1",
                       f"'name1' in File name (got {fields['file_name'].value!r})", timeout=3)
        assert {name: field.value for name, field in fields.items()} == {
            "source_system": "src1", "correlation_id": "corr1", "file_name": "name1"}


async def test_escape_in_the_tree_clears_the_filter():
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(120, 40)) as pilot:
        tree = await marked_tree(pilot)
        await pilot.press(*"/prem", "enter")
        filter_input = app.main.query_one("#catalog-filter", Input)
        await wait_for(pilot, lambda: tree.has_focus and filter_input.value == "prem", "the filter set, the tree focused")
        await pilot.press("escape")
        await wait_for(pilot, lambda: filter_input.value == "", "the filter cleared")
        assert tree.has_focus and tree.filter_text == ""
