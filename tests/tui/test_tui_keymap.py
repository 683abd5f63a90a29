"""`[keymap]` in config.toml rebinds keys by binding id; the palette shows the keys the bindings have."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_backend import FakeBackend
from tui_helpers import form_ready, wait_for

from spark_tui.config import load_config
from spark_tui.spark.errors import ConfigError
from spark_tui.tui.app import SparkApp
from spark_tui.tui.commands import SparkCommands


def config_with(home: Path, keymap: str):
    (home / "config.toml").write_text(f"[keymap]\n{keymap}\n", encoding="utf-8")
    return load_config()


async def test_a_keymap_rebinds_a_key_and_the_palette_shows_it(spark_tui_home: Path):
    config = config_with(spark_tui_home, '"main.log" = "ctrl+l"\n"app.quit" = "ctrl+x"')
    assert config.keymap == {"main.log": "ctrl+l", "app.quit": "ctrl+x"}
    app = SparkApp(FakeBackend(), config)
    async with app.run_test(size=(120, 40)) as pilot:
        await form_ready(pilot)
        commands = {text: key for text, key, _, _ in SparkCommands(app.screen)._commands()}
        assert commands["Log: what started, finished, failed"] == "^l"
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "EventLogScreen", "the event log on ctrl+l")
        assert app.key_label("app.quit") == "^x / ^q"  # ctrl+q always quits


async def test_an_unknown_binding_id_is_named(spark_tui_home: Path):
    config = config_with(spark_tui_home, '"main.nope" = "ctrl+e"')
    app = SparkApp(FakeBackend(), config)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await form_ready(pilot)
        assert any("main.nope" in n.message for n in app._notifications)


def test_a_key_that_is_not_a_string_is_refused(spark_tui_home: Path):
    with pytest.raises(ConfigError, match="keymap.main.log"):
        config_with(spark_tui_home, '"main.log" = 3')
