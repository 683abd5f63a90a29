"""Where spark-tui keeps its files: platformdirs, or everything under `SPARK_TUI_HOME` when set."""

from __future__ import annotations

import os
from pathlib import Path

APP = "spark-tui"


def home() -> Path | None:
    """`SPARK_TUI_HOME` (tests and CI put everything there), or None."""
    value = os.environ.get("SPARK_TUI_HOME", "").strip()
    return Path(value).expanduser() if value else None


def config_file() -> Path:
    """The default config file: `$SPARK_TUI_HOME/config.toml` or `<user config dir>/config.toml`."""
    if (root := home()) is not None:
        return root / "config.toml"
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP)) / "config.toml"


def data_dir() -> Path:
    """`$SPARK_TUI_HOME/data` or the user data dir: workspaces live here."""
    if (root := home()) is not None:
        return root / "data"
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP))


def cache_dir() -> Path:
    """`$SPARK_TUI_HOME/cache` or the user cache dir."""
    if (root := home()) is not None:
        return root / "cache"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP))


def default_workspace() -> Path:
    """The workspace of the default embedded profile: `<data>/workspaces/default`."""
    return data_dir() / "workspaces" / "default"


def receipts_dir() -> Path:
    """`<data>/receipts`: every promotion's receipt, kept under its id (the history)."""
    return data_dir() / "receipts"
