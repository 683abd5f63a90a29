"""Job times: Elapsed is wall time (creation to end, the wait for the job slot included), and while the
backend is unreachable the clocks stop at its last answer and running rows are marked stale."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

from fake_backend import CREATED, FakeBackend, fixed_job
from rich.console import Console
from tui_helpers import form_ready, wait_for

from spark_tui.backends.remote.backend import with_listing_times
from spark_tui.spark.errors import BackendUnavailable
from spark_tui.spark.export_wire import TenantJobData
from spark_tui.spark.values import JobStatus
from spark_tui.tui.app import SparkApp
from spark_tui.tui.formatting import parse_ts, throughput
from spark_tui.tui.screens.details import JobDetailsScreen
from spark_tui.tui.widgets.jobs_table import JobsTable, job_cells

START = parse_ts(CREATED)


def ended(status: JobStatus, after_s: float | None):
    """A job created at CREATED that ended `after_s` seconds later (None: no end time known); process time 1.2s."""
    job = fixed_job(1, status)
    end = None if after_s is None else (START + timedelta(seconds=after_s)).isoformat().replace("+00:00", "Z")
    return job.model_copy(update={"progress": job.progress.model_copy(update={"finished_timestamp": end})})


def test_elapsed_of_an_ended_job_is_its_wall_time_not_its_process_time():
    later = START + timedelta(hours=1)
    assert ended(JobStatus.closed, 90).process_time == 1234
    assert job_cells(ended(JobStatus.closed, 90), later)["elapsed"] == "1m30s"  # was 1.2s: the process time
    assert job_cells(ended(JobStatus.failed, 4.5), later)["elapsed"] == "4.5s"
    assert job_cells(ended(JobStatus.closed, None), later)["elapsed"] == "1.2s"  # no end time: the process time
    running = fixed_job(3, JobStatus.in_progress)
    assert job_cells(running, START + timedelta(seconds=75))["elapsed"] == "1m15s"


def test_a_spark_status_takes_its_creator_and_times_from_the_tenant_listing():
    job = fixed_job(1, JobStatus.closed).model_copy(update={"progress": None})  # Spark's own status: no progress
    data = TenantJobData(export_status=JobStatus.closed, created_by="bob@example.com", created_timestamp=CREATED,
                         updated_timestamp="2026-11-27T09:17:05.000Z")
    listed = with_listing_times(job, data)
    assert job_cells(listed, datetime.now(timezone.utc))["elapsed"] == "2m05s"
    assert job_cells(listed, datetime.now(timezone.utc))["by"] == "bob@example.com"
    running = fixed_job(3, JobStatus.in_progress).model_copy(update={"progress": None})
    assert with_listing_times(running, data).progress.finished_timestamp is None  # not ended: no end time
    own = fixed_job(2, JobStatus.closed)
    assert with_listing_times(own, data) is own  # spark-tui's status says it itself


class Outage(FakeBackend):
    """A fake backend that stops answering while `down` is set; counts the status calls."""

    def __init__(self, jobs):
        super().__init__(jobs)
        self.down = False
        self.status_calls = 0

    def _answer(self) -> None:
        if self.down:
            raise BackendUnavailable("cannot reach https://spark.example/demo: connection refused")

    def list_jobs(self, all_users=False):
        self._answer()
        return super().list_jobs(all_users)

    def status(self, job_id):
        self.status_calls += 1
        self._answer()
        return super().status(job_id)


def shown(renderable) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


async def test_on_a_dead_backend_running_jobs_are_marked_stale_and_their_clocks_stop():
    running = fixed_job(3, JobStatus.in_progress, done=1, total=10)
    backend = Outage([running])
    app = SparkApp(backend)
    clock = [START + timedelta(minutes=1)]
    app.clock = lambda: clock[0]
    async with app.run_test(size=(120, 40)) as pilot:
        await form_ready(pilot)
        main, table, header = app.main, app.main.query_one(JobsTable), app.main.query_one("#header")

        def cell(column: str) -> str:
            return str(table.get_cell(running.id, column))

        await wait_for(pilot, lambda: table.row_count == 1 and cell("elapsed") == "1m00s", "the running job")
        assert cell("status") == "◐ in_progress"

        backend.down = True
        clock[0] += timedelta(minutes=1)
        await wait_for(pilot, lambda: header.error is not None, "the outage")
        since = f"{header.since.astimezone():%H:%M:%S}"
        assert (cell("status"), cell("elapsed")) == ("? in_progress", "1m00s")  # stale, and the clock stopped
        assert main.query_one("#jobs-pane").border_title.endswith(f" · ✗ stale: unreachable since {since}")
        clock[0] += timedelta(minutes=1)
        main._show_jobs()  # any redraw meanwhile keeps the last known time
        assert cell("elapsed") == "1m00s"

        main.action_show_pane("jobs-pane")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, JobDetailsScreen), "the details")
        details = app.screen
        calls = backend.status_calls
        await wait_for(pilot, lambda: backend.status_calls > calls + 1, "two status polls that fail")
        info = shown(details.query_one("#details-info").content)
        answered = f"{(START + timedelta(minutes=1)).astimezone():%H:%M:%S}"  # the last answer
        assert f"✗ unreachable since {since}; as last known at {answered}" in info
        assert "Elapsed         1m00s" in info and f"Throughput      {throughput(running, 60_000)}" in info
        assert "? in_progress" in str(details.query_one("#details-title").content)

        backend.down = False  # back: the details tick again
        await wait_for(pilot, lambda: "◐ in_progress" in str(details.query_one("#details-title").content),
                       "the details back to live")
        assert "Elapsed         3m00s" in shown(details.query_one("#details-info").content)
        await pilot.press("escape")
        await wait_for(pilot, lambda: header.error is None, "the jobs refresh back")
        assert (cell("status"), cell("elapsed")) == ("◐ in_progress", "3m00s")
