"""Job times: Elapsed is wall time (creation to end, the wait for the job slot included), and while the
backend is unreachable the clocks stop at its last answer and running rows are marked stale."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fake_backend import CREATED, fixed_job

from spark_tui.backends.remote.backend import with_listing_times
from spark_tui.spark.export_wire import JobStatus, TenantJobData
from spark_tui.tui.formatting import parse_ts
from spark_tui.tui.widgets.jobs_table import job_cells

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
