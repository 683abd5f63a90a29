"""Dialogs opened while the app shuts down must not crash it (a late error is dropped with the app)."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Button
from tui_helpers import wait_for

from spark_tui.tui.screens.modals import ConfirmModal, ErrorModal


async def test_error_modal_focuses_close_when_it_opens():
    app = App()
    async with app.run_test() as pilot:
        app.push_screen(ErrorModal("Export failed", RuntimeError("boom")))
        await wait_for(pilot, lambda: isinstance(app.focused, Button), "a focused button")
        assert app.focused.id == "close"


async def test_modals_opened_during_shutdown_do_not_crash():
    for modal in (ErrorModal("Export failed", RuntimeError("boom")), ConfirmModal("Quit?", "Really?")):
        app = App()
        async with app.run_test():
            app.exit(0)
            app.push_screen(modal)
        assert app.return_code == 0
