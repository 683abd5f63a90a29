"""Every small dialog is a `Dialog` (screens/base.py): one box style from its nested CSS, no shared `#dialog` id
(the environments' target pickers kept that id after its CSS was gone and drew as bare full-screen lists)."""

from __future__ import annotations

import pytest
from fake_backend import FakeBackend
from textual.containers import Vertical
from tui_helpers import wait_for

from spark_tui.tui.app import SparkApp
from spark_tui.tui.screens.base import Dialog
from spark_tui.tui.screens.environments import PickTargetModal, TargetsModal
from spark_tui.tui.screens.modals import BusyModal, ConfirmModal, ErrorModal, PromptModal

DIALOGS = {
    "targets": lambda: TargetsModal(["prod", "uat"], ["uat"]),
    "pick target": lambda: PickTargetModal(["prod", "uat"]),
    "error": lambda: ErrorModal("Export refused", ValueError("bad")),
    "confirm": lambda: ConfirmModal("Quit spark-tui?", "Quit anyway?"),
    "prompt": lambda: PromptModal("Save the package", "Directory", "/tmp"),
    "busy": lambda: BusyModal("Preview", "Resolving the selection…"),
}


@pytest.mark.parametrize("make", DIALOGS.values(), ids=DIALOGS.keys())
async def test_a_dialog_is_a_bordered_box_72_wide_in_the_middle(make) -> None:
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = make()
        assert isinstance(dialog, Dialog)
        app.push_screen(dialog)
        await wait_for(pilot, lambda: app.screen is dialog and dialog.query(".dialog-box"), "the dialog")
        await pilot.pause()
        box = dialog.query_one(".dialog-box", Vertical)
        assert (box.region.x, box.region.width) == ((120 - 72) // 2, 72)
        assert 0 < box.region.y and box.region.bottom < 40  # centred vertically, not the whole screen
        assert box.styles.border_top[0] == "thick"
        assert not dialog.query("#dialog")
