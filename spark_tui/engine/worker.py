"""The detached worker that runs one job: `python -m spark_tui.engine.worker --workspace DIR --job ID`.

With `--standby` instead of `--job`, the worker imports everything first and then reads the job id
as one line on stdin (end of input: it exits without a job), so `spark-tui serve` can keep one
worker ready and a job starts without waiting for a Python start-up.

It claims the job (`created` → `in_progress`) and keeps a heartbeat. An import job imports its
uploaded package (`engine/importer.py`) and ends `closed` in the very transaction that writes the
catalog, or `failed` with every error; its package directory is removed either way. An export job
writes the package into
`packages/<job id>/<file name>` while recording progress, and ends the job `closed`, `failed` or
`closed_by_timeout`. It stops between chunks when the job is cancelled. Every final update is
conditional on the job still being `in_progress`: when another process ended it first (a cancel,
or a reaper), the worker removes what it wrote and leaves the status alone.

Test hook: the environment variable `SPARK_TUI_TEST_CHUNK_DELAY` (seconds, float) makes the worker
sleep that long at every progress report of the packager, so tests can catch a job mid-packaging.
Only the worker reads it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import sys
import threading
import time
from pathlib import Path

from spark_tui.engine import housekeeping
from spark_tui.engine.import_jobs import PACKAGE_NAME
from spark_tui.engine.importer import run_import
from spark_tui.engine.jobs import HEARTBEAT_S, IMPORT, errors_json, remove_package_dir, selection_from_json, stage_prefix
from spark_tui.engine.packager import PackageResult, PackagingCancelled, write_package
from spark_tui.engine.store import Workspace
from spark_tui.spark.errors import Code, DiskFull, SparkTuiError, ValidationFailed
from spark_tui.spark.import_wire import ImportOutputs, ImportRequestEntity
from spark_tui.spark.export_wire import ApiError
from spark_tui.spark.values import JobStatus, iso, utc_now

CHUNK_DELAY_ENV = "SPARK_TUI_TEST_CHUNK_DELAY"
PROGRESS_EVERY_S = 0.25
CANCEL_CHECK_EVERY_S = 0.2


class _Heartbeat(threading.Thread):
    """Stamps `jobs.heartbeat` every HEARTBEAT_S seconds while the job runs."""

    def __init__(self, ws: Workspace, job_id: str) -> None:
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.ws, self.job_id = ws, job_id
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(HEARTBEAT_S):
                try:
                    self.ws.connect().execute(
                        "UPDATE jobs SET heartbeat=? WHERE id=? AND status=?",
                        (time.time(), self.job_id, JobStatus.in_progress.value),
                    )
                except sqlite3.OperationalError:  # database busy for long: try again next beat
                    continue
        finally:
            self.ws.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join()


class _Monitor:
    """The packager's progress and should_cancel callbacks: throttled database reads and writes."""

    def __init__(self, ws: Workspace, job_id: str, timeout_s: int) -> None:
        self.ws, self.job_id = ws, job_id
        self.deadline = time.monotonic() + timeout_s
        self.delay = float(os.environ.get(CHUNK_DELAY_ENV) or 0)
        self.timed_out = False
        self._last_write = self._last_check = float("-inf")
        self._cancelled = False

    def progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last_write >= PROGRESS_EVERY_S or done >= total:
            self._last_write = now
            self.ws.connect().execute(
                "UPDATE jobs SET bytes_done=?, bytes_total=?, updated=? WHERE id=? AND status=?",
                (done, total, iso(utc_now()), self.job_id, JobStatus.in_progress.value),
            )
        if self.delay:
            time.sleep(self.delay)

    def should_cancel(self) -> bool:
        now = time.monotonic()
        if now >= self.deadline:
            self.timed_out = True
            return True
        if now - self._last_check >= CANCEL_CHECK_EVERY_S:
            self._last_check = now
            row = self.ws.connect().execute(
                "SELECT status, cancel_requested FROM jobs WHERE id=?", (self.job_id,)
            ).fetchone()
            self._cancelled = row["cancel_requested"] or row["status"] != JobStatus.in_progress.value
        return self._cancelled


def run_job(ws: Workspace, job_id: str) -> JobStatus:
    """Claim and run one `created` job to its end; returns the job's status afterwards."""
    now = iso(utc_now())
    with ws.transaction() as db:
        claimed = db.execute(
            "UPDATE jobs SET status=?, started=?, updated=?, worker_pid=?, heartbeat=? WHERE id=? AND status=?",
            (JobStatus.in_progress.value, now, now, os.getpid(), time.time(), job_id, JobStatus.created.value),
        ).rowcount
    row = ws.connect().execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
    if row is None:
        raise SystemExit(f"job '{job_id}' not found in workspace {ws.root}")
    if not claimed:
        return JobStatus(row["status"])
    if row["kind"] == IMPORT:
        return _run_import(ws, row)
    config = ws.tenant_config(row["tenant"])
    monitor = _Monitor(ws, job_id, config.timeout_s)
    heartbeat = _Heartbeat(ws, job_id)
    heartbeat.start()
    started = time.monotonic()
    dest = ws.packages / job_id / row["file_name"]
    try:
        dest.parent.mkdir(mode=0o700, exist_ok=True)
        result = write_package(
            ws, selection_from_json(row["selection_json"]), job_id, dest,
            size_limit=config.size_limit, progress=monitor.progress, should_cancel=monitor.should_cancel,
        )
    except PackagingCancelled:
        if monitor.timed_out:
            _finish(ws, job_id, started, JobStatus.closed_by_timeout, errors=[ApiError(
                code=Code.TIMEOUT.value, message=f"export job exceeded the tenant timeout of {config.timeout_s} s",
                ref=job_id,
            )])
    except ValidationFailed as exc:
        _finish(ws, job_id, started, JobStatus.failed, errors=exc.errors)
    except OSError as exc:
        if housekeeping.disk_full(exc, ws.root):  # as an import does: DISK_FULL (exit 3, HTTP 507), nothing kept
            errors = DiskFull(f"writing export package {row['file_name']}").errors
        else:
            errors = [_write_error(exc, job_id, row["file_name"])]
        _finish(ws, job_id, started, JobStatus.failed, errors=errors)
    except BaseException as exc:
        _fail_unexpected(ws, job_id, started, exc, f"packaging failed: {type(exc).__name__}: {exc}", "no package was kept")
        if not isinstance(exc, Exception):  # the worker was stopped: let it stop
            raise
    else:
        _finish(ws, job_id, started, JobStatus.closed, package=result)
    finally:
        heartbeat.stop()
        final = JobStatus(ws.connect().execute("SELECT status FROM jobs WHERE id=?", (job_id,)).fetchone()["status"])
        if final is not JobStatus.closed:
            remove_package_dir(ws, job_id)
    return final


def _run_import(ws: Workspace, row: sqlite3.Row) -> JobStatus:
    """Import the job's package; the job ends with the catalog write (closed) or failed, never half."""
    job_id = row["id"]
    monitor = _Monitor(ws, job_id, ws.tenant_config(row["tenant"]).timeout_s)
    heartbeat = _Heartbeat(ws, job_id)
    heartbeat.start()
    started = time.monotonic()

    def close_job(db: sqlite3.Connection, outputs: ImportOutputs) -> None:
        now = iso(utc_now())
        ended = db.execute(
            "UPDATE jobs SET status=?, finished=?, updated=?, process_time_ms=?, outputs_json=?, bytes_done=bytes_total"
            " WHERE id=? AND status=?",
            (
                JobStatus.closed.value, now, now, int((time.monotonic() - started) * 1000), outputs.model_dump_json(),
                job_id, JobStatus.in_progress.value,
            ),
        ).rowcount
        if not ended:
            raise _JobEnded(job_id)

    try:
        run_import(
            ws, row["tenant"], ws.packages / job_id / PACKAGE_NAME, ImportRequestEntity.model_validate_json(row["request_json"]),
            tuple(json.loads(row["groups_json"] or "[]")),
            name=row["file_name"], progress=monitor.progress, hook=close_job, stage=stage_prefix(job_id),
        )
    except _JobEnded:
        pass  # another process ended the job (dead-worker reaper, timeout): nothing was written
    except SparkTuiError as exc:
        errors = exc.errors or [ApiError(code=Code.WRITE_FAILED.value, message=exc.message, ref=job_id)]
        _finish(ws, job_id, started, JobStatus.failed, errors=errors)
    except BaseException as exc:  # the message names no server path: the import's own errors carry those
        _fail_unexpected(ws, job_id, started, exc, f"import failed: {type(exc).__name__}", "nothing was imported")
        if not isinstance(exc, Exception):  # the worker was stopped: let it stop
            raise
    finally:
        heartbeat.stop()
        remove_package_dir(ws, job_id)
    return JobStatus(ws.connect().execute("SELECT status FROM jobs WHERE id=?", (job_id,)).fetchone()["status"])


def _fail_unexpected(ws: Workspace, job_id: str, started: float, exc: BaseException, failed: str, kept: str) -> None:
    """End the job `failed` on an unforeseen error (`failed` names it) or on the worker being stopped
    (KeyboardInterrupt, SystemExit: `kept` says what was left); the caller re-raises the latter."""
    if isinstance(exc, Exception):
        error = ApiError(code=Code.WRITE_FAILED.value, message=failed, ref=job_id)
    else:
        error = ApiError(code=Code.WORKER_DIED.value, message=f"worker process {os.getpid()} was stopped; {kept}", ref=job_id)
    _finish(ws, job_id, started, JobStatus.failed, errors=[error])


class _JobEnded(Exception):
    """The import job is no longer in progress at commit time: its catalog writes are rolled back."""


def _write_error(exc: OSError, job_id: str, file_name: str) -> ApiError:
    reason = exc.strerror or str(exc)
    where = f": {exc.filename}" if exc.filename else f" writing package {file_name}"
    return ApiError(code=Code.WRITE_FAILED.value, message=f"{reason}{where}", ref=job_id)


def _finish(
    ws: Workspace, job_id: str, started: float, status: JobStatus, *,
    errors: list[ApiError] | None = None, package: PackageResult | None = None,
) -> None:
    """End the job, unless another process already did (then nothing changes)."""
    now = iso(utc_now())
    elapsed_ms = int((time.monotonic() - started) * 1000)
    with ws.transaction() as db:
        sets = "status=?, finished=?, updated=?, process_time_ms=?, errors_json=?"
        args: list = [status.value, now, now, elapsed_ms, errors_json(errors) if errors else None]
        if package is not None:
            sets += ", package_path=?, package_bytes=?, file_hash=?, bytes_done=bytes_total"
            args += [str(package.path), package.size, package.sha256]
        db.execute(f"UPDATE jobs SET {sets} WHERE id=? AND status=?", (*args, job_id, JobStatus.in_progress.value))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spark_tui.engine.worker", description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", required=True, type=Path, help="the workspace directory")
    start = parser.add_mutually_exclusive_group(required=True)
    start.add_argument("--job", help="id of the export or import job to run")
    start.add_argument("--standby", action="store_true", help="read the job id from stdin (one line) once it is given")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.standby:
        args.job = sys.stdin.readline().strip()
        if not args.job:
            return 0  # the server closed the pipe without a job (it stopped or replaced this standby)
    ws = Workspace(args.workspace)
    try:
        status = run_job(ws, args.job)
    finally:
        ws.close()
    return 0 if status is JobStatus.closed else 1


if __name__ == "__main__":
    sys.exit(main())
