"""The jobs table and Job details offer only the keys that apply to the job (Textual's check_action)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_backend import FakeBackend, fixed_job, import_job
from test_tui_saves import marked
from textual.widgets import Input
from tui_helpers import form_ready, wait_for

from spark_tui.spark.values import JobStatus
from spark_tui.tui.app import SparkApp
from spark_tui.tui.job_actions import errors_text, offered
from spark_tui.tui.screens.modals import ConfirmModal
from spark_tui.tui.widgets.jobs_table import JobsTable

CLOSED = fixed_job(1, JobStatus.closed, total=4096)
FAILED = fixed_job(2, JobStatus.failed)
RUNNING = fixed_job(3, JobStatus.in_progress, done=1, total=10)
IMPORT = import_job(4, JobStatus.closed)


@pytest.mark.parametrize(("job", "keys"), [
    (CLOSED, {"id", "path", "hash", "save_package"}),
    (FAILED, {"id", "errors"}),
    (RUNNING, {"id", "cancel_job"}),
    (IMPORT, {"id"}),
])
def test_the_offered_actions_follow_the_job(job, keys):
    actions = {what: offered(job, "copy", what) for what in ("id", "path", "hash", "errors")}
    actions |= {action: offered(job, action) for action in ("cancel_job", "save_package")}
    assert {name for name, yes in actions.items() if yes} == keys


def test_copied_errors_name_code_message_and_item():
    assert errors_text(FAILED) == ("NO_COMPILED_MODULE: version 'Insurance/legacy-rater[1.0.0]' has no compiled "
                                   "module (Insurance/legacy-rater[1.0.0])")


async def test_the_footer_shows_the_keys_of_the_selected_row():
    app = SparkApp(FakeBackend([RUNNING, FAILED, CLOSED]))
    async with app.run_test(size=(120, 40)) as pilot:
        await form_ready(pilot)
        table = app.main.query_one(JobsTable)
        await wait_for(pilot, lambda: table.row_count == 3, "the jobs")
        app.main.action_show_pane("jobs-pane")
        expected = {RUNNING.id: {"c", "y"}, FAILED.id: {"x", "y"}, CLOSED.id: {"s", "y"}}
        for job_id, keys in expected.items():
            table.move_cursor(row=table.get_row_index(job_id))
            await pilot.pause()
            shown = {key for key in ("c", "s", "x", "y") if key in app.screen.active_bindings}
            assert shown == keys, job_id


async def test_removing_a_queued_export_asks_first(tmp_path: Path):
    backend = FakeBackend()
    app = SparkApp(backend, dest_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await marked(pilot, app)
        backend.slot_busy = True
        app.main.query_one("#file_name", Input).value = "later.zip"
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the queue offer")
        await pilot.press("y")
        await wait_for(pilot, lambda: len(app.main.queue) == 1, "the queued export")
        app.main.action_show_pane("jobs-pane")
        table = app.main.query_one(JobsTable)
        table.move_cursor(row=table.get_row_index(app.main.queue[0].key))
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the removal question")
        assert "later.zip" in app.screen.question
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is app.main, "the question closed")
        assert len(app.main.queue) == 1
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the removal question")
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.main.queue, "the queued export removed")
        assert any("later.zip" in event.text and event.kind == "cancelled" for event in app.main.events.events)


async def test_cancelling_another_users_job_names_that_user():
    theirs = fixed_job(5, JobStatus.in_progress, done=1, total=10, user="bob@example.com")
    app = SparkApp(FakeBackend([theirs]))
    async with app.run_test(size=(120, 40)) as pilot:
        await form_ready(pilot)
        app.job_actions.cancel(theirs)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the question")
        assert f"Cancel export job {theirs.id} of bob@example.com (not yours)?" in app.screen.question
        await pilot.press("n")
        app.job_actions.cancel(RUNNING)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the question")
        assert f"Cancel export job {RUNNING.id}?" in app.screen.question
