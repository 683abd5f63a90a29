"""wait_for_job / wait_for_import: every terminal status ends the wait, deadline, transient errors,
cancel, and the one backoff schedule both use."""

from __future__ import annotations

import threading

import pytest

from spark_tui.backends import polling
from spark_tui.backends.base import BackendInfo
from spark_tui.backends.polling import JobDeadlineExceeded, poll_pauses, wait_for_import, wait_for_job
from spark_tui.spark.errors import BackendUnavailable, JobFinished
from spark_tui.spark.import_wire import ImportJob
from spark_tui.spark.export_wire import ExportJob
from spark_tui.spark.values import JobStatus


def job(status: JobStatus) -> ExportJob:
    return ExportJob(id="j1", response_timestamp="2026-01-01T00:00:00.000Z", status=status)


class Scripted:
    """A backend whose status() answers from a script (an exception entry is raised)."""

    def __init__(self, script: list, kind: str = "embedded") -> None:
        self.info = BackendInfo(profile="p", kind=kind, location="x", tenant="t", user="u")
        self.script = list(script)
        self.calls = 0
        self.cancelled = 0

    def status(self, job_id: str) -> ExportJob:
        self.calls += 1
        item = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(item, Exception):
            raise item
        return job(item)

    def import_status(self, job_id: str) -> ImportJob:
        return ImportJob(id=job_id, status=self.status(job_id).status)

    def cancel(self, job_id: str) -> ExportJob:
        self.cancelled += 1
        self.script = [JobStatus.cancelled]
        return job(JobStatus.cancelled)


@pytest.mark.parametrize("terminal", [s for s in JobStatus if s.is_terminal])
def test_every_terminal_status_ends_the_wait(terminal: JobStatus) -> None:
    backend = Scripted([JobStatus.created, JobStatus.in_progress, terminal])
    seen: list[JobStatus] = []
    result = wait_for_job(backend, "j1", interval_s=0.001, on_update=lambda j: seen.append(j.status))
    assert result.status is terminal
    assert seen == [JobStatus.created, JobStatus.in_progress, terminal]


def test_deadline_raises_exit_4() -> None:
    backend = Scripted([JobStatus.in_progress])
    with pytest.raises(JobDeadlineExceeded, match="still 'in_progress' after 0.05 s") as info:
        wait_for_job(backend, "j1", deadline_s=0.05, interval_s=0.01)
    assert info.value.exit_code == 4 and info.value.job.id == "j1"


def test_transient_errors_are_retried_then_raised() -> None:
    down = BackendUnavailable("connection refused")
    assert wait_for_job(Scripted([down, down, down, JobStatus.closed]), "j1", interval_s=0.001).status is JobStatus.closed
    with pytest.raises(BackendUnavailable):
        wait_for_job(Scripted([down, down, down, down, JobStatus.closed]), "j1", interval_s=0.001)


def test_cancel_event_cancels_the_job_and_returns_its_end() -> None:
    backend = Scripted([JobStatus.in_progress])
    stop = threading.Event()
    timer = threading.Timer(0.05, stop.set)
    timer.start()
    result = wait_for_job(backend, "j1", interval_s=0.01, cancel=stop)
    assert result.status is JobStatus.cancelled and backend.cancelled == 1


def test_cancel_of_a_job_that_just_finished_returns_it() -> None:
    backend = Scripted([JobStatus.closed])
    backend.cancel = lambda job_id: (_ for _ in ()).throw(JobFinished(job_id, "closed"))  # type: ignore[method-assign]
    stop = threading.Event()
    stop.set()
    assert wait_for_job(backend, "j1", cancel=stop).status is JobStatus.closed


def test_remote_backoff_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: list[float] = []

    class Recorder(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            pauses.append(timeout or 0)
            return False

    monkeypatch.setattr(polling.threading, "Event", Recorder)
    backend = Scripted([JobStatus.in_progress] * 25 + [JobStatus.closed], kind="spark")
    wait_for_job(backend, "j1")
    assert pauses[0] == polling.FIRST_INTERVAL_S == 0.1  # a fresh job is polled from 0.1 s
    assert pauses[1] == pytest.approx(0.1 * polling.REMOTE_BACKOFF) and polling.REMOTE_BACKOFF > 1
    assert max(pauses) == polling.REMOTE_MAX_INTERVAL_S and pauses == sorted(pauses)
    pauses.clear()
    wait_for_job(Scripted([JobStatus.in_progress] * 5 + [JobStatus.closed]), "j1")
    assert set(pauses) == {0.1}  # embedded: a steady interval


def test_imports_wait_on_the_same_schedule_as_exports(monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: list[float] = []

    class Recorder(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            pauses.append(timeout or 0)
            return False

    monkeypatch.setattr(polling.threading, "Event", Recorder)
    for kind in ("spark", "embedded"):
        pauses.clear()
        backend = Scripted([JobStatus.in_progress] * 25 + [JobStatus.closed], kind=kind)
        wait_for_import(backend, ImportJob(id="j1"))
        schedule = poll_pauses(backend)
        assert pauses == [next(schedule) for _ in pauses]
    assert set(pauses) == {polling.FIRST_INTERVAL_S}  # embedded: steady
    remote = poll_pauses(Scripted([JobStatus.closed], kind="spark"))
    assert [round(next(remote), 4) for _ in range(3)] == [0.1, 0.125, 0.1562]
