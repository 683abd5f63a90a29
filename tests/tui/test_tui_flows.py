"""Pilot flows through the real app on temporary demo workspaces with the embedded backend."""

from __future__ import annotations

import hashlib
from pathlib import Path

from textual.widgets import Input

from spark_tui.backends.embedded import EmbeddedBackend
from spark_tui.engine.demo import (
    DEMO_TENANT,
    RESTRICTED_FOLDER,
    XCONNECTOR_FOLDER,
    XCONNECTOR_SERVICE,
)
from spark_tui.engine.store import Workspace
from spark_tui.engine.worker import run_job
from spark_tui.spark.errors import Code
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
from spark_tui.spark.values import JobStatus
from spark_tui.tui.app import SparkApp
from spark_tui.tui.screens.modals import ConfirmModal
from spark_tui.tui.screens.preview import PreviewScreen
from spark_tui.tui.widgets.catalog import CatalogTree
from spark_tui.tui.widgets.jobs_table import JobsTable
from tui_helpers import form_ready, run_in_thread, wait_for

FOLDER = "insurance-pricing"


def tree_of(app: SparkApp) -> CatalogTree:
    return app.main.query_one(CatalogTree)


async def expand(pilot, app: SparkApp, key: str) -> None:
    tree = tree_of(app)
    await wait_for(pilot, lambda: tree._find(key) is not None, key)
    node = tree._find(key)
    node.expand()
    await wait_for(pilot, lambda: node.children and not any(
        getattr(c.data, "loading", False) for c in tree._find(key).children), f"children of {key}")


async def mark(pilot, app: SparkApp, key: str) -> None:
    tree = tree_of(app)
    await wait_for(pilot, lambda: tree._find(key) is not None, key)
    tree.focus()
    tree.move_cursor(tree._find(key))
    await pilot.press("space")
    assert key in tree.marks
    await form_ready(pilot)  # marking is followed by preview or export, which need the form


def version_key(app: SparkApp, service: str, version: str) -> str:
    tree = tree_of(app)
    node = next(n for n in tree._walk(tree.root)
                if getattr(n.data, "service", None) == service and getattr(n.data, "version", None) == version)
    return tree._key(node.data)


async def open_preview(pilot, app: SparkApp) -> PreviewScreen:
    await form_ready(pilot)
    tree_of(app).focus()
    await pilot.press("p")
    await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen), "the preview screen")
    return app.screen


def job_status_cell(app: SparkApp, job_id: str) -> str:
    table = app.main.query_one(JobsTable)
    return str(table.get_cell(job_id, "status")).split(" ", 1)[-1] if job_id in table._cells else ""


def run_worker_job(workspace: Path, job_id: str) -> JobStatus:
    ws = Workspace(workspace)
    try:
        return run_job(ws, job_id)
    finally:
        ws.close()


async def test_mark_folder_preview_export_closes_and_saves_verified_package(embedded, workspace, tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    app = SparkApp(embedded, dest_dir=dest)
    async with app.run_test(size=(120, 40)) as pilot:
        await mark(pilot, app, f"folder:{FOLDER}")
        preview = await open_preview(pilot, app)
        assert not preview.preview.errors
        assert {s.service_source for s in preview.preview.services} == {"motor-premium", "home-premium", "travel-quote"}
        await pilot.press("e")
        await wait_for(pilot, lambda: app.main.jobs, "the submitted job in the table")
        job = app.main.jobs[0]
        assert job.status is JobStatus.created
        assert await run_in_thread(run_worker_job, workspace, job.id) is JobStatus.closed
        await wait_for(pilot, lambda: job_status_cell(app, job.id) == "closed", "status closed in the table")
        saved = dest / "package.zip"
        await wait_for(pilot, saved.exists, "the package saved to the destination")
        closed = embedded.status(job.id)
        assert hashlib.sha256(saved.read_bytes()).hexdigest() == closed.outputs.files[0].file_hash
        assert app.main.query_one(JobsTable)._cells[job.id]["sha"] == closed.outputs.files[0].file_hash


async def test_version_and_service_marks_are_exported_as_a_union(embedded):
    app = SparkApp(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        await expand(pilot, app, f"folder:{FOLDER}")
        await expand(pilot, app, f"service:{FOLDER}/motor-premium")
        await mark(pilot, app, version_key(app, "motor-premium", "1.2.3"))
        await mark(pilot, app, f"service:{FOLDER}/home-premium")
        preview = (await open_preview(pilot, app)).preview
        assert not preview.errors
        got = {(v.service_source, v.version_source) for v in preview.service_versions}
        assert got == {("motor-premium", "1.2.3"), ("home-premium", "0.9.0"), ("home-premium", "1.0.0"),
                       ("home-premium", "1.1.0")}


async def test_typed_identifiers_are_validated_inline_and_used(embedded):
    app = SparkApp(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        await form_ready(pilot)
        field = app.main.query_one("#identifiers", Input)
        field.focus()
        await pilot.press(*"a/b[x")
        error = app.main.query_one("#identifiers-error")
        assert "-shown" in error.classes and "a/b[x" in str(error.render())
        field.value = f"{FOLDER}/travel-quote[3.2]"
        await pilot.pause()
        assert "-shown" not in error.classes
        tree_of(app).focus()
        preview = (await open_preview(pilot, app)).preview
        assert [(v.service_source, v.version_source) for v in preview.service_versions] == [("travel-quote", "3.2.7")]


async def test_bad_file_name_is_refused_next_to_the_field(embedded):
    app = SparkApp(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        await mark(pilot, app, f"folder:{FOLDER}")
        await form_ready(pilot)
        app.main.query_one("#file_name", Input).value = "../evil"
        await pilot.pause()
        assert "-shown" in app.main.query_one("#file_name-error").classes
        tree_of(app).focus()
        await pilot.press("e")
        await pilot.pause(0.2)
        assert embedded.list_jobs() == []


async def test_xconnector_service_and_restricted_folder_show_their_errors(embedded):
    app = SparkApp(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        tree = tree_of(app)
        await wait_for(pilot, lambda: tree._find(f"folder:{RESTRICTED_FOLDER}") is not None, "folders")
        assert "locked" in str(tree._find(f"folder:{RESTRICTED_FOLDER}").label)
        await expand(pilot, app, f"folder:{XCONNECTOR_FOLDER}")
        assert "not exportable" in str(tree._find(f"service:{XCONNECTOR_FOLDER}/{XCONNECTOR_SERVICE}").label)
        await mark(pilot, app, f"service:{XCONNECTOR_FOLDER}/{XCONNECTOR_SERVICE}")
        await mark(pilot, app, f"folder:{RESTRICTED_FOLDER}")
        preview = (await open_preview(pilot, app)).preview
        codes = {(e.code, e.ref) for e in preview.errors}
        assert (Code.ACCESS_DENIED.value, RESTRICTED_FOLDER) in codes
        assert any(code == Code.NO_COMPILED_MODULE.value and XCONNECTOR_SERVICE in (ref or "") for code, ref in codes)
        assert app.screen.query("#preview-errors")


async def test_cancel_a_running_job_after_confirmation(embedded):
    app = SparkApp(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        await mark(pilot, app, f"folder:{FOLDER}")
        await pilot.press("e")
        await wait_for(pilot, lambda: app.main.jobs, "the job")
        job_id = app.main.jobs[0].id
        await pilot.press("f4", "c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: job_status_cell(app, job_id) == "cancelled", "status cancelled")
        assert embedded.status(job_id).status is JobStatus.cancelled


async def test_busy_slot_offers_queue_and_queued_export_starts_when_slot_frees(embedded, workspace):
    app = SparkApp(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        await mark(pilot, app, f"folder:{FOLDER}")
        await pilot.press("e")
        await wait_for(pilot, lambda: app.main.jobs, "the first job")
        first = app.main.jobs[0].id
        app.main.query_one("#file_name", Input).value = "second.zip"  # package.zip is the first one's
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the queue offer")
        assert first[:8] in app.screen.question and "me@example.com" in app.screen.question
        await pilot.press("y")
        table = app.main.query_one(JobsTable)
        await wait_for(pilot, lambda: "queued-1" in table._cells, "the queued row")
        assert str(table.get_cell("queued-1", "status")) == "… queued"
        await run_in_thread(embedded.cancel, first)
        await wait_for(pilot, lambda: not app.main.queue and len(app.main.jobs) == 2, "the queued export to start")
        second = next(j.id for j in app.main.jobs if j.id != first)
        assert await run_in_thread(run_worker_job, workspace, second) is JobStatus.closed
        await wait_for(pilot, lambda: job_status_cell(app, second) == "closed", "the queued job to close")


async def test_tenant_wide_toggle_shows_other_users_jobs(embedded, workspace):
    bob = EmbeddedBackend(workspace, DEMO_TENANT, "bob@example.com", (), spawn=False)
    theirs = bob.submit(ExportRequest(inputs=ExportInputs(folders=[FOLDER])))
    bob.close()
    app = SparkApp(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.main.query_one(JobsTable)
        await pilot.pause(0.3)
        assert theirs.id not in table._cells
        await pilot.press("f4", "t")
        await wait_for(pilot, lambda: theirs.id in table._cells, "bob's job in the tenant-wide view")
        assert "whole tenant" in app.main.query_one("#jobs-pane").border_title
        await pilot.press("t")
        await wait_for(pilot, lambda: theirs.id not in table._cells, "back to own jobs")


async def test_filter_narrows_the_tree_and_escape_clears_it(embedded):
    app = SparkApp(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        tree = tree_of(app)
        await expand(pilot, app, f"folder:{FOLDER}")
        await pilot.press("slash", *"travel")
        await pilot.pause()
        labels = [n.data.name for n in tree._walk(tree.root) if hasattr(n.data, "name")]
        assert labels == [FOLDER, "travel-quote"]
        await pilot.press("escape")
        await pilot.pause()
        assert tree.has_focus and len(tree.root.children) == 5


async def test_quit_asks_first_while_jobs_run(embedded):
    app = SparkApp(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        await mark(pilot, app, f"folder:{FOLDER}")
        await pilot.press("e")
        await wait_for(pilot, lambda: app.main.jobs, "the job")
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the quit question")
        assert "1 export job" in app.screen.question
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running and app.screen is app.main
        await pilot.press("ctrl+q", "y")
        await wait_for(pilot, lambda: not app.is_running, "the app to exit")
    assert app.return_value == 0


async def test_quit_without_jobs_exits_at_once(embedded):
    app = SparkApp(embedded)
    async with app.run_test() as pilot:
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, "the app to exit")


async def test_f5_previews_while_typing_in_a_form_field(embedded):
    """p/e are letters inside a text field; F5/F6 reach the screen from there."""
    app = SparkApp(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        await form_ready(pilot)
        field = app.main.query_one("#identifiers", Input)
        field.focus()
        field.value = f"{FOLDER}/travel-quote[3.2]"
        await pilot.press("p")
        assert field.value.endswith("p")  # typed, not a preview
        field.value = f"{FOLDER}/travel-quote[3.2]"
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen), "the preview screen")
        assert [(v.service_source, v.version_source) for v in app.screen.preview.service_versions] == [("travel-quote", "3.2.7")]


async def test_filter_searches_services_of_folders_never_expanded(embedded):
    app = SparkApp(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        tree = tree_of(app)
        await wait_for(pilot, lambda: tree._find(f"folder:{FOLDER}") is not None, "folders")
        assert FOLDER not in tree.catalog.services  # never expanded, nothing of it loaded
        await pilot.press("slash", *"travel")
        await wait_for(pilot, lambda: tree._find(f"service:{FOLDER}/travel-quote") is not None, "the search result")
        hint = str(app.main.query_one("#filter-hint").render())
        assert "1 service match 'travel' in the tenant" in hint
        assert FOLDER not in tree.catalog.services  # the search did not pose as the folder's listing


async def test_after_a_filter_without_match_expanding_a_folder_shows_its_services(embedded):
    app = SparkApp(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        tree = tree_of(app)
        await expand(pilot, app, f"folder:{FOLDER}")
        await pilot.press("slash", *"zzz")
        await wait_for(pilot, lambda: not tree.root.children, "nothing matching")
        await pilot.press("escape")
        await wait_for(pilot, lambda: tree._find(f"folder:{FOLDER}") is not None, "the folders back")
        node = tree._find(f"folder:{FOLDER}")
        node.collapse()
        node.expand()
        await wait_for(pilot, lambda: len(tree._find(f"folder:{FOLDER}").children) == 3, "its three services")


async def test_a_parent_shows_a_partial_mark_when_something_inside_is_marked(embedded):
    app = SparkApp(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        tree = tree_of(app)
        await expand(pilot, app, f"folder:{FOLDER}")
        await expand(pilot, app, f"service:{FOLDER}/motor-premium")
        await mark(pilot, app, version_key(app, "motor-premium", "1.2.3"))
        assert str(tree._find(f"service:{FOLDER}/motor-premium").label).startswith("[-] ")
        assert str(tree._find(f"folder:{FOLDER}").label).startswith("[-] ")
        await pilot.press("space")  # unmark
        assert str(tree._find(f"folder:{FOLDER}").label).startswith("[ ] ")


async def test_ctrl_r_keeps_open_folders_and_services_open(embedded):
    app = SparkApp(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        tree = tree_of(app)
        await expand(pilot, app, f"folder:{FOLDER}")
        await expand(pilot, app, f"service:{FOLDER}/motor-premium")
        tree.focus()
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: (node := tree._find(f"service:{FOLDER}/motor-premium")) is not None
                       and node.is_expanded and any(getattr(c.data, "version", None) for c in node.children),
                       "the folder and the service open again with their versions")
        assert tree._find(f"folder:{FOLDER}").is_expanded
