"""Packages are never lost or overwritten: name clashes caught before submitting, the save dialog keeps what was
typed, and saves pending when the TUI quit are resumed by the next run."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from fake_backend import FakeBackend, fixed_job
from textual.widgets import Input
from tui_helpers import form_ready, run_in_thread, wait_for

from spark_tui.spark.values import JobStatus
from spark_tui.tui.app import SparkApp
from spark_tui.tui.pending_saves import PendingSave, PendingSaves, store_path
from spark_tui.tui.screens.modals import ConfirmModal, PromptModal
from spark_tui.tui.widgets.catalog import CatalogTree
from spark_tui.tui.widgets.jobs_table import JobsTable


async def marked(pilot, app: SparkApp) -> None:
    tree = app.main.query_one(CatalogTree)
    await wait_for(pilot, lambda: tree._find("folder:Pricing") is not None, "folders")
    await form_ready(pilot)
    tree.focus()
    tree.move_cursor(tree._find("folder:Pricing"))
    await pilot.press("space")


async def test_an_existing_package_is_caught_before_submitting_and_a_free_name_offered(tmp_path: Path):
    (tmp_path / "package.zip").write_bytes(b"old")
    backend = FakeBackend()
    app = SparkApp(backend, dest_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await marked(pilot, app)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the name question")
        assert "package.zip already exists" in app.screen.question and "package-2.zip" in app.screen.question
        assert backend.submitted == []  # nothing started: the job slot stays free
        assert "-shown" in app.main.query_one("#file_name-error").classes
        await pilot.press("y")
        await wait_for(pilot, lambda: backend.submitted, "the export")
        assert backend.submitted[0].file_name == "package-2.zip"
        assert app.main.query_one("#file_name", Input).value == "package-2.zip"
    assert (tmp_path / "package.zip").read_bytes() == b"old"


async def test_two_exports_to_one_name_are_caught(tmp_path: Path):
    backend = FakeBackend()
    app = SparkApp(backend, dest_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await marked(pilot, app)
        await pilot.press("e")
        await wait_for(pilot, lambda: len(backend.submitted) == 1, "the first export")
        await wait_for(pilot, lambda: backend.jobs[0].id in app.main.pending, "its pending save")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the name question")
        assert f"export {backend.jobs[0].id[:8]} will save" in app.screen.question
        await pilot.press("n")
        assert len(backend.submitted) == 1


async def test_the_save_dialog_keeps_the_typed_path_and_shows_the_error_inline(tmp_path: Path):
    job = fixed_job(2, JobStatus.closed, total=4096)
    app = SparkApp(FakeBackend([job]), dest_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.main.query_one(JobsTable)
        await wait_for(pilot, lambda: job.id in table._cells, "the job row")
        await pilot.press("f4", "s")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptModal), "the save dialog")
        field = app.screen.query_one(Input)
        field.value = str(tmp_path / "missing")
        await pilot.press("enter")
        assert isinstance(app.screen, PromptModal)
        assert field.value == str(tmp_path / "missing")
        assert "not an existing directory" in str(app.screen.query_one("#prompt-error").render())
        field.value = str(tmp_path)
        await pilot.press("enter")
        await wait_for(pilot, lambda: (tmp_path / "package.zip").exists(), "the saved package")


async def test_a_save_pending_when_the_tui_quit_is_resumed_by_the_next_run(tmp_path: Path):
    running = fixed_job(4, JobStatus.in_progress, done=1, total=10, user="someone-else@example.com")
    backend = FakeBackend([running])  # listed under another identity: only the pending save follows it
    PendingSaves(store_path(backend.info)).add(running.id, PendingSave(str(tmp_path), "package.zip"))
    app = SparkApp(backend, dest_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.main.query_one(JobsTable)
        await wait_for(pilot, lambda: running.id in table._cells, "the followed job")
        await run_in_thread(backend.finish, running.id)
        await wait_for(pilot, lambda: (tmp_path / "package.zip").exists(), "the resumed save")
        await wait_for(pilot, lambda: running.id not in app.main.pending, "the save no longer pending")
    assert PendingSaves(store_path(backend.info)).items == {}


async def test_the_quit_question_says_what_happens_to_running_queued_and_pending_exports(tmp_path: Path):
    backend = FakeBackend()
    app = SparkApp(backend, dest_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await marked(pilot, app)
        await pilot.press("e")
        await wait_for(pilot, lambda: app.main.running_jobs() == 1, "the running job")
        backend.slot_busy = True
        app.main.query_one("#file_name", Input).value = "other.zip"
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the queue offer")
        await pilot.press("y")
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the quit question")
        question = app.screen.question
        assert "1 export job(s) are running: they keep running" in question
        assert "1 package(s) are saved when their job closes" in question
        assert "1 queued export(s) never started: they are dropped" in question


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o000])
def test_pending_save_records_are_private_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        saves = PendingSaves(tmp_path / "pending-saves" / "p.json")
        saves.add("job-1", PendingSave(str(tmp_path / "out"), "p.zip"))
        saves.add("job-2", PendingSave(str(tmp_path / "out"), "q.zip"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "pending-saves" / "p.json").stat().st_mode) == 0o600
    assert sorted(json.loads((tmp_path / "pending-saves" / "p.json").read_text())) == ["job-1", "job-2"]


def test_a_suggested_name_counts_on_instead_of_stacking_suffixes(tmp_path: Path):
    from spark_tui.spark.filenames import free_name

    for name in ("package.zip", "package-2.zip", "package-3.zip"):
        (tmp_path / name).write_bytes(b"x")
    assert free_name(tmp_path, "package-2.zip") == "package-4.zip"
    assert free_name(tmp_path, "package.zip", {tmp_path / "package-4.zip"}.__contains__) == "package-5.zip"
    assert free_name(tmp_path, "2024.zip") == "2024-2.zip"


async def test_a_queued_export_takes_the_next_free_name_when_its_file_appeared_meanwhile(tmp_path: Path):
    backend = FakeBackend()
    backend.slot_busy = True
    app = SparkApp(backend, dest_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await marked(pilot, app)
        app.main.query_one("#file_name", Input).value = "later.zip"
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the queue offer")
        await pilot.press("y")
        await wait_for(pilot, lambda: len(app.main.queue) == 1, "the queued export")
        (tmp_path / "later.zip").write_bytes(b"another client's")
        backend.slot_busy = False
        await wait_for(pilot, lambda: backend.submitted, "the queued export to start")
        assert backend.submitted[0].file_name == "later-2.zip"
        await wait_for(pilot, lambda: any(e.kind == "renamed" for e in app.main.events.events), "the log line")
        renamed = [e.text for e in app.main.events.events if e.kind == "renamed"]
        assert renamed == [f"queued export: {tmp_path / 'later.zip'} already exists; it saves later-2.zip instead"]
    assert (tmp_path / "later.zip").read_bytes() == b"another client's"


async def test_a_failed_save_logs_its_reason(tmp_path: Path):
    backend = FakeBackend()
    app = SparkApp(backend, dest_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await marked(pilot, app)
        await pilot.press("e")
        await wait_for(pilot, lambda: backend.jobs and backend.jobs[0].id in app.main.pending, "the pending save")
        (tmp_path / "package.zip").write_bytes(b"written meanwhile")
        backend.finish(backend.jobs[0].id)
        await wait_for(pilot, lambda: any(e.kind == "failed" for e in app.main.events.events), "the failed save")
        failed = next(e.text for e in app.main.events.events if e.kind == "failed")
        assert failed.startswith(f"saving the package of {backend.jobs[0].id[:8]} failed: ")
        assert "package.zip" in failed
