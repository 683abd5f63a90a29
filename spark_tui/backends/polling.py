"""Wait for an export or import job to end: bounded interval, wall-clock deadline, cancellable.

Unlike the SDKs (which notice only `closed` and back off without bound), every terminal status
ends the wait, the interval is capped and the deadline is a real clock. A fresh job is polled
from 0.1 s, so a short job is not held up by the first interval.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Iterator

from spark_tui.backends.base import Backend
from spark_tui.spark.errors import BackendUnavailable, Code, JobFinished, SparkTuiError
from spark_tui.spark.exit_codes import ExitCode
from spark_tui.spark.import_wire import ImportJob
from spark_tui.spark.export_wire import ExportJob

DEFAULT_DEADLINE_S = 1200.0
FIRST_INTERVAL_S = 0.1  # embedded: steady (a status read is a local SQLite query); remote: the first pause
REMOTE_BACKOFF = 1.25
REMOTE_MAX_INTERVAL_S = 5.0
TRANSIENT_RETRIES = 3
CANCEL_GRACE_S = 30.0


class JobDeadlineExceeded(SparkTuiError):
    """The client stopped waiting: the job did not end within the deadline (exit 4)."""

    exit_code = ExitCode.TIMEOUT
    http_status = 504
    default_code = Code.TIMEOUT

    def __init__(self, job: ExportJob | ImportJob, deadline_s: float) -> None:
        kind = "import" if isinstance(job, ImportJob) else "export"
        super().__init__(f"{kind} job '{job.id}' still '{job.status.value}' after {deadline_s:g} s; the job goes on")
        self.job = job


def poll_pauses(backend: Backend, first_s: float = FIRST_INTERVAL_S) -> Iterator[float]:
    """The pauses between status reads of one job, export or import (the one polling schedule).

    From `first_s`; remote backends back off ×1.25 per poll up to 5 s, embedded ones stay steady.
    """
    interval = first_s
    remote = backend.info.kind != "embedded"
    while True:
        yield interval
        if remote:
            interval = min(interval * REMOTE_BACKOFF, REMOTE_MAX_INTERVAL_S)


def wait_for_job(
    backend: Backend,
    job_id: str,
    *,
    deadline_s: float = DEFAULT_DEADLINE_S,
    interval_s: float = FIRST_INTERVAL_S,
    on_update: Callable[[ExportJob], None] | None = None,
    cancel: threading.Event | None = None,
) -> ExportJob:
    """Poll `backend.status` until the job is terminal and return it.

    Pauses follow `poll_pauses` from `interval_s`. Up to 3 consecutive BackendUnavailable errors
    are retried. When `cancel` is set the job is cancelled on the backend and the wait returns its
    terminal state (normally `cancelled`).
    """
    stop = cancel or threading.Event()
    end = time.monotonic() + deadline_s
    pauses = poll_pauses(backend, interval_s)
    failures = 0
    cancel_sent = False
    while True:
        if stop.is_set() and not cancel_sent:
            cancel_sent = True
            end = min(end, time.monotonic() + CANCEL_GRACE_S)
            try:
                backend.cancel(job_id)
            except JobFinished:
                pass
        try:
            job = backend.status(job_id)
            failures = 0
        except BackendUnavailable:
            failures += 1
            if failures > TRANSIENT_RETRIES:
                raise
        else:
            if on_update is not None:
                on_update(job)
            if job.status.is_terminal:
                return job
            if time.monotonic() >= end:
                raise JobDeadlineExceeded(job, deadline_s)
        pause = max(0.0, min(next(pauses), end - time.monotonic()))
        if cancel_sent:
            time.sleep(min(pause, 0.2))  # the event stays set: wait without it
        else:
            stop.wait(pause)


def wait_for_import(
    backend: Backend,
    job: ImportJob,
    on_update: Callable[[ImportJob], None] | None = None,
    cancel: threading.Event | None = None,
    deadline_s: float = DEFAULT_DEADLINE_S,
) -> ImportJob:
    """Poll `backend.import_status` until the import job is terminal and return it.

    Pauses follow `poll_pauses` (as for exports). Spark has no import cancel: when `cancel` is set the wait stops
    and returns the job as last seen (the job goes on). Up to 3 consecutive BackendUnavailable
    errors are retried.
    """
    stop = cancel or threading.Event()
    end = time.monotonic() + deadline_s
    pauses = poll_pauses(backend)
    failures = 0
    while not job.status.is_terminal:
        if time.monotonic() >= end:
            raise JobDeadlineExceeded(job, deadline_s)
        if stop.wait(max(0.0, min(next(pauses), end - time.monotonic()))):
            return job
        try:
            job = backend.import_status(job.id)
            failures = 0
        except BackendUnavailable:
            failures += 1
            if failures > TRANSIENT_RETRIES:
                raise
            continue
        if on_update is not None:
            on_update(job)
    return job
