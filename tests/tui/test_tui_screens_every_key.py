"""The Import, Environments and Receipts screens and their dialogs: every key their footer and help advertise
keeps the app running (no crash, no exit), in every state a test can reach on fixed data."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Awaitable, Callable

import pytest
from fake_backend import FakeBackend
from screens_kit import burst, seed_environments, write_config
from test_tui_every_key import advertised_keys, reset
from test_tui_receipts import write_history
from textual.pilot import Pilot
from tui_helpers import form_ready, wait_for

from spark_tui.config import load_config
from spark_tui.tui.app import SparkApp
from spark_tui.tui.screens.environments import EnvironmentsScreen
from spark_tui.tui.screens.import_package import ImportScreen
from spark_tui.tui.screens.receipts import ReceiptsScreen, ReceiptsTable

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "tests" / "fixtures" / "volume-cylinder.zip"


def keys_then(*keys: str, until: Callable[[SparkApp], bool], what: str) -> Callable[[Pilot], Awaitable[None]]:
    async def open_it(pilot: Pilot) -> None:
        burst(pilot.app, *keys)
        await wait_for(pilot, lambda: until(pilot.app), what)

    return open_it


def on(kind: type, check: Callable[[object], bool] = lambda s: True) -> Callable[[SparkApp], bool]:
    return lambda app: isinstance(app.screen, kind) and check(app.screen)


async def read_package(pilot: Pilot) -> None:
    """F7, then the package's path typed into its field (wherever the kept screen had the focus)."""
    app = pilot.app
    await pilot.press("f7")
    app.screen.query_one("#package").focus()
    await pilot.pause()
    burst(app, "ctrl+u", *str(PACKAGE), "enter")
    await wait_for(pilot, lambda: app.screen.package is not None, "the package")


OPENERS = {
    "import: empty": keys_then("f7", until=on(ImportScreen), what="the import screen"),
    "import: a package read": lambda pilot: read_package(pilot),
    "import: mapping": keys_then("f7", "f3", until=on(ImportScreen), what="the mapping tab"),
    "environments": keys_then("f8", until=on(EnvironmentsScreen, lambda s: s.comparison is not None),
                              what="the comparison"),
    "environments: versions": keys_then(
        "f8", until=on(EnvironmentsScreen, lambda s: s.comparison is not None), what="the comparison"),
    "receipts": keys_then("f9", until=on(ReceiptsScreen, lambda s: s.query_one(ReceiptsTable).row_count == 2),
                          what="the history"),
}
THEN = {  # a second step: a dialog or screen opened from the first
    "environments: versions": ("enter", "ServiceVersionsModal"),
}


@pytest.mark.parametrize("where", list(OPENERS))
async def test_every_advertised_key_keeps_the_app_running(where: str, tmp_path: Path, spark_tui_home: Path):
    root = tmp_path / "ws"
    seed_environments(root)
    write_config(spark_tui_home, {name: (root, name) for name in ("dev", "prod", "uat")}, "dev")
    write_history()
    fake = FakeBackend()
    fake.info = replace(fake.info, profile="dev")
    app = SparkApp(fake, load_config(), dest_dir=tmp_path)

    async def open_it() -> None:
        await OPENERS[where](pilot)
        if where in THEN:
            key, name = THEN[where]
            await pilot.press(key)
            await wait_for(pilot, lambda: type(app.screen).__name__ == name, name)
        await pilot.pause()

    async with app.run_test(size=(80, 24)) as pilot:
        await form_ready(pilot)
        await open_it()
        keys = advertised_keys(app)
        assert keys, f"{where}: no key advertised"
        opened, focused = app.screen, app.focused
        for key in keys:
            if app.screen is not opened or app.focused is not focused:
                await reset(pilot)
                await open_it()
                opened, focused = app.screen, app.focused
            await pilot.press(key)
            await pilot.pause()
            await app.workers.wait_for_complete()
            assert app.is_running and app._exception is None, f"{where}: key {key!r} ended the app"
