"""Start-up: the first folder page is prefetched, the form's fields and the jobs come after the first
frame, only what the first frame needs is imported, and the garbage collector is back on afterwards."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from fake_backend import FakeBackend, fixed_job
from textual.app import App, ComposeResult
from tui_helpers import wait_for

from spark_tui.config import load_config
from spark_tui.spark.errors import BackendUnavailable, ConfigError
from spark_tui.spark.values import JobStatus
from spark_tui.tui import run
from spark_tui.tui.app import SparkApp
from spark_tui.tui.screens.modals import ErrorModal
from spark_tui.tui.screens.preview import PreviewScreen
from spark_tui.tui.widgets.catalog import CatalogTree
from spark_tui.tui.widgets.export_form import ExportForm
from spark_tui.tui.widgets.jobs_table import JobsTable

ROOT = Path(__file__).resolve().parents[2]


class CountingBackend(FakeBackend):
    """Counts folder listings; each waits for `gate` (set from the start unless told otherwise)."""

    def __init__(self, *, gated: bool = False, fail: bool = False) -> None:
        super().__init__()
        self.folder_calls = 0
        self.gate = threading.Event()
        if not gated:
            self.gate.set()
        self.fail = fail

    def list_folders(self, page: int = 1, page_size: int = 100):
        with self.lock:
            self.folder_calls += 1
        self.gate.wait(10)
        if self.fail:
            raise BackendUnavailable("cannot reach Spark while listing folders; check the network and retry")
        return super().list_folders(page, page_size)


async def test_first_frame_shows_the_prefetched_folders_without_listing_again():
    backend = CountingBackend()
    app = SparkApp(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.main.query_one(CatalogTree)
        await wait_for(pilot, lambda: tree._find("folder:Pricing") is not None, "folders")
        assert backend.folder_calls == 1
        assert not any(getattr(n.data, "loading", False) for n in tree.root.children)


async def test_a_slow_first_page_shows_loading_then_the_same_prefetched_page():
    backend = CountingBackend(gated=True)
    app = SparkApp(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.main.query_one(CatalogTree)
        await wait_for(pilot, lambda: any(getattr(n.data, "loading", False) for n in tree.root.children), "loading…")
        backend.gate.set()
        await wait_for(pilot, lambda: tree._find("folder:Pricing") is not None, "folders")
        assert backend.folder_calls == 1


async def test_a_failing_first_page_opens_the_error_modal():
    backend = CountingBackend(fail=True)
    app = SparkApp(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), "the listing error")
        assert "cannot reach Spark" in app.screen.details
        assert backend.folder_calls == 1 and app.is_running


async def test_form_fields_then_jobs_follow_the_first_frame():
    app = SparkApp(FakeBackend([fixed_job(1, JobStatus.closed)]), dest_dir=Path("/tmp"))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.main.query_one(JobsTable)
        await wait_for(pilot, lambda: table.row_count == 1, "the job")
        assert app.main.query_one(ExportForm).ready  # the jobs are refreshed once the fields are drawn


class FormOnly(App[None]):
    def compose(self) -> ComposeResult:
        yield ExportForm(Path("/tmp"), id="form")


async def test_form_without_its_fields_refuses_requests_and_keeps_the_default_destination():
    app = FormOnly()
    async with app.run_test() as pilot:
        form = app.query_one(ExportForm)
        form.set_marks(form.marks)
        assert not form.ready and form.request() is None and form.destination() == Path("/tmp")
        await form.mount_fields()
        await pilot.pause()
        assert form.ready and form.destination() == Path("/tmp")
        await form.mount_fields()  # only once
        assert len(form.query("#dest_dir")) == 1


async def test_form_fields_are_drawn_a_few_per_frame_and_ready_only_when_all_are(monkeypatch: pytest.MonkeyPatch):
    drawn: list[tuple[int, bool]] = []  # (rows mounted, ready) at each frame drawn while the fields mount
    app = FormOnly()
    async with app.run_test() as pilot:
        form = app.query_one(ExportForm)
        refresh = type(app.screen)._compositor_refresh

        def record(screen) -> None:
            refresh(screen)
            drawn.append((len(form.query(".form-row")), form.ready))

        monkeypatch.setattr(type(app.screen), "_compositor_refresh", record)
        await form.mount_fields()
        await pilot.pause()
    partial = {rows for rows, ready in drawn if 0 < rows < 7}
    assert len(partial) >= 3, drawn  # several frames, each with a few more rows
    assert not any(ready for rows, ready in drawn if rows < 7) and form.ready


async def test_preview_and_export_wait_for_the_form_fields(monkeypatch: pytest.MonkeyPatch):
    async def not_yet(self) -> None:
        return None

    mount_fields = ExportForm.mount_fields
    monkeypatch.setattr(ExportForm, "mount_fields", not_yet)
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.main.query_one(CatalogTree)
        await wait_for(pilot, lambda: tree._find("folder:Pricing") is not None, "folders")
        notes: list[str] = []
        app.main.notify = lambda message, **_: notes.append(message)
        tree.move_cursor(tree._find("folder:Pricing"))
        await pilot.press("space", "p", "e", "f3")
        assert notes == ["The export form is still being drawn; try again"] * 2
        assert app.screen is app.main and app.is_running
        await mount_fields(app.main.query_one(ExportForm))
        tree.focus()
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen), "the preview once the fields are in")


def test_the_first_frame_imports_only_what_it_needs(workspace: Path):
    """The embedded workspace's folders are drawn before pydantic, the wire models or any other screen's or
    operation's module is imported (together they cost ~100 ms of the start); the first job operation loads them."""
    lazy = ["pydantic", "spark_tui.spark.export_wire", "spark_tui.spark.import_wire", "spark_tui.engine.jobs",
            "spark_tui.engine.resolver", "spark_tui.engine.importer", "spark_tui.tui.commands",
            "spark_tui.tui.screens.details", "spark_tui.tui.screens.preview", "spark_tui.tui.screens.help",
            "spark_tui.tui.screens.modals", "spark_tui.tui.screens.promote", "spark_tui.tui.screens.import_package",
            "spark_tui.promotion", "spark_tui.backends.remote", "spark_tui.server", "httpx", "fastapi"]
    code = (
        "import asyncio, sys\n"
        "from spark_tui.backends.embedded import EmbeddedBackend\n"
        "from spark_tui.tui.app import SparkApp\n"
        "from spark_tui.tui.widgets.catalog import CatalogTree\n"
        f"b = EmbeddedBackend({str(workspace)!r}, 'demo', 'me@example.com', ('supervisor:pf',), spawn=False)\n"
        "async def first_frame():\n"
        "    app = SparkApp(b)\n"
        "    async with app.run_test(size=(120, 40)) as pilot:\n"
        "        tree = app.main.query_one(CatalogTree)\n"
        "        while tree._find('folder:insurance-pricing') is None:\n"
        "            await pilot.pause(0.001)\n"
        f"        print([m for m in {lazy!r} if m in sys.modules or any(k.startswith(m + '.') for k in sys.modules)])\n"
        "        app.exit()\n"
        "asyncio.run(first_frame())\n"
        "b.list_jobs()\n"
        "print('pydantic' in sys.modules, 'spark_tui.engine.jobs' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
                         env={**os.environ, "SPARK_TUI_HOME": str(workspace.parent / "home")})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["[]", "True True"]


async def test_the_first_frame_turns_the_collector_back_on():
    gc.disable()
    try:
        app = SparkApp(FakeBackend())
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, gc.isenabled, "the collector on after the first frame")
    finally:
        gc.enable()
        gc.unfreeze()


async def test_start_up_objects_are_frozen_until_the_app_ends():
    """Full collections skip the start-up objects (no long pause while browsing), even with the collector on."""
    assert gc.isenabled() and gc.get_freeze_count() == 0
    try:
        app = SparkApp(FakeBackend())
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: gc.get_freeze_count() > 10_000, "the start-up objects frozen")
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()


def test_run_turns_the_collector_back_on_after_a_config_error(tmp_path: Path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    config = load_config()
    with pytest.raises(ConfigError, match="not a directory"):
        run(config, config.profile(), workspace=not_a_dir)
    assert gc.isenabled()
