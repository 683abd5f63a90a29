"""The Textual TUI. `run()` opens the profile's backend and runs the app; nothing here imports Textual eagerly."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spark_tui.config import AppConfig, Profile


def run(config: AppConfig, profile: Profile, *, workspace: Path | None = None, tenant: str | None = None) -> int:
    """Run the TUI on `profile` (overridden by --workspace/--tenant); returns the exit code.

    The garbage collector is off while starting (imports and the first frame allocate much and free
    little, so collecting then is wasted time); SparkApp turns it back on once its first frame is drawn.
    """
    gc.disable()
    try:
        from spark_tui.backends.factory import open_backend
        from spark_tui.tui.app import SparkApp

        backend = open_backend(profile, workspace=workspace, tenant=tenant)
        try:
            result = SparkApp(backend, config, profile).run()
        finally:
            backend.close()
    finally:
        gc.enable()
    return result or 0


def __getattr__(name: str):
    if name == "SparkApp":
        from spark_tui.tui.app import SparkApp

        return SparkApp
    raise AttributeError(name)
