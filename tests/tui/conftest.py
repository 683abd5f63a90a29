"""TUI test fixtures: frozen cursor blink, a demo workspace, the real embedded backend, wait helpers."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import textual._wait
import textual.constants
from textual.widgets import Input
from tui_helpers import wait_for

from spark_tui.backends.embedded import EmbeddedBackend
from spark_tui.engine.demo import DEMO_TENANT, ensure_demo
from spark_tui.engine.store import Workspace
from spark_tui.tui.app import SparkApp
from spark_tui.tui.widgets.export_form import ExportForm

USER = "me@example.com"
GROUPS = ("supervisor:pf",)


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


IDLE_CHECK_S = 0.005
"""How often Pilot.press and Pilot.pause check that the app went idle (Textual checks every 20 ms)."""


@pytest.fixture(autouse=True)
def quick_pilot(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each key press waits for the app to go idle three times, each at least one check interval, and for
    any scroll animation to end: at Textual's 20 ms and full animations that was half of a key-driven
    test's time. The same idle test (under 1/20 of the interval spent on the CPU) over 5 ms finds the same
    moment sooner, and without animations a scroll lands at once (TEXTUAL_ANIMATIONS=none, as a user may
    set). Snapshot tests keep Textual's defaults, the ones their SVGs were taken with."""
    if "snap_compare" in request.fixturenames:
        return
    monkeypatch.setattr(textual._wait, "SLEEP_GRANULARITY", IDLE_CHECK_S)
    monkeypatch.setattr(textual._wait, "SLEEP_IDLE", IDLE_CHECK_S / 20)
    monkeypatch.setattr(textual.constants, "TEXTUAL_ANIMATIONS", "none")


@pytest.fixture(autouse=True)
def fields_mounted_before_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test may end right after the first frame, while the export form's fields are being mounted; the app
    then waits for them before it exits (Textual's Select fails when its app closes while it mounts)."""
    run_test = SparkApp.run_test

    @asynccontextmanager
    async def run_test_then_settle(app: SparkApp, *args, **kwargs):
        async with run_test(app, *args, **kwargs) as pilot:
            yield pilot
            form = app.main.query_one(ExportForm)
            await wait_for(pilot, lambda: form.ready or not form.is_attached, "the export form's fields")

    monkeypatch.setattr(SparkApp, "run_test", run_test_then_settle)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo workspace built once; each test copies it (building it is the slow part)."""
    root = tmp_path_factory.mktemp("demo-template")
    ws = Workspace(root)
    ensure_demo(ws, DEMO_TENANT)
    ws.close()
    return root


@pytest.fixture
def workspace(demo_template: Path, tmp_path: Path) -> Path:
    import shutil

    root = tmp_path / "ws"
    shutil.copytree(demo_template, root)
    return root


@pytest.fixture
def embedded(workspace: Path):
    """The real embedded backend; spawn=False so tests run jobs themselves (deterministic)."""
    backend = EmbeddedBackend(workspace, DEMO_TENANT, USER, GROUPS, profile="test", spawn=False)
    yield backend
    backend.close()
