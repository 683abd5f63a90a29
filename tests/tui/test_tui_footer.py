"""The footer keeps F1 Help and ^q Quit visible on every screen, however narrow the terminal."""

from __future__ import annotations

import pytest
from fake_backend import FakeBackend
from textual.widgets import Footer
from textual.widgets._footer import FooterKey
from tui_helpers import form_ready, wait_for

from spark_tui.tui.app import SparkApp


def visible_keys(screen, width: int) -> list[str]:
    footer = screen.query_one(Footer)
    return [key.key for key in footer.query(FooterKey) if key.region.width and key.region.right <= width]


@pytest.mark.parametrize("width", [80, 120])
async def test_help_and_quit_lead_the_footer(width: int):
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(width, 24)) as pilot:
        await form_ready(pilot)
        await wait_for(pilot, lambda: {"f1", "ctrl+q"} <= set(visible_keys(app.screen, width)),
                       f"F1 and ^q within {width} columns of the main footer")
        assert set(visible_keys(app.screen, width)[:2]) == {"f1", "ctrl+q"}
