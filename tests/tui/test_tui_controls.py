"""Form controls read without colour (NO_COLOR): a select's open list is a box, a checkbox's mark says its state;
Enter on a dialog's select goes on to the dialog."""

from __future__ import annotations

import pytest
from fake_backend import FakeBackend
from textual.widgets import Select
from tui_helpers import form_ready, screen_lines

from spark_tui.spark.values import FileFilter
from spark_tui.tui.app import SparkApp


async def test_an_open_select_list_is_a_box_that_leaves_the_labels_alone(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        await form_ready(pilot)
        await pilot.press("f3", "tab", "enter")  # the File filter select, opened
        select = app.main.query_one("#file_filter", Select)
        await pilot.pause()
        assert select.expanded
        overlay = select.query_one("SelectOverlay")
        lines = screen_lines(app)
        x, top = overlay.region.x, overlay.region.y
        right = overlay.region.right - 1
        options = [str(prompt) for prompt, _ in select._options]
        assert options == [f.value for f in FileFilter]
        assert lines[top][x] == "╭" and lines[top][right] == "╮"
        for row, option in enumerate(options, start=top + 1):
            assert lines[row][x] == "│" and lines[row][x + 1:].startswith(option) and lines[row][right] == "│"
        assert lines[top + len(options) + 1][x] == "╰"
        label = app.main.query_one("#file_filter").parent.query_one(".form-label")
        for row in range(top, top + len(options) + 2):  # the labels of the rows the list covers stay whole
            assert lines[row][label.region.x:label.region.right].strip() in {
                "Versions", "Source system", "Correlation id", "File name"}
