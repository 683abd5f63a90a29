"""Export jobs: submit, watch, cancel; one detached worker process per job (import jobs: import_jobs.py).

Every state change goes through the workspace database, so any process sharing the workspace
sees and cancels any job. The per-tenant job limit is enforced inside one `BEGIN IMMEDIATE`
transaction (atomic across processes). A job whose worker died is marked `failed` when next
seen; finished packages are removed after the tenant's retention period.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import spark_tui
from spark_tui.engine.resolver import resolve
from spark_tui.engine.selection import SelectedVersion, Selection
from spark_tui.engine.store import DEFAULT_JOB_LIMIT, NotFound, TenantConfig, Workspace
from spark_tui.spark.errors import Code, JobFinished, JobNotFound, JobSlotBusy, ValidationFailed
from spark_tui.spark.filenames import package_file_name
from spark_tui.spark.request_check import check_request
from spark_tui.spark.export_wire import (
    ApiError,
    ExportJob,
    ExportOutputs,
    ExportRequest,
    JobProgress,
    OutputFile,
    TenantExportStatus,
)
from spark_tui.spark.values import FileFilter, JobStatus, iso, utc_now

SUPERVISOR_GROUP = "supervisor:pf"
HEARTBEAT_S = 1.0
HEARTBEAT_STALE_S = 15.0
CLAIM_TIMEOUT_S = 30.0
TIMEOUT_GRACE_S = 10.0
RECENT = timedelta(hours=1)
STANDBY_EXIT_S = 5.0  # how long the standby worker may take to exit once its stdin is closed
WINDOW_LIMIT = 50  # finished jobs of the window a tenant-wide status answer shows, newest first
WINDOW_COLUMNS = "id, status, created_by, created, updated, started, process_time_ms"
ACTIVE = (JobStatus.created.value, JobStatus.in_progress.value)
EXPORT, IMPORT = "export", "import"
_ISO_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


# --- helpers shared with the worker ----------------------------------------------------------


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, _ISO_FORMAT).replace(tzinfo=timezone.utc)


def selection_to_json(selection: Selection) -> str:
    """The selection as stored with its job: each version as [folder, service, service id, version,
    version id, bytes of all files, bytes of the on-premises files]."""
    return json.dumps(
        {
            "tenant": selection.tenant,
            "file_filter": selection.file_filter.value,
            "versions": [
                [v.folder, v.service, v.service_id, v.version, v.version_id, v.bytes_migrate, v.bytes_onpremises]
                for v in selection.versions
            ],
        }
    )


def selection_from_json(text: str) -> Selection:
    data = json.loads(text)
    versions = [SelectedVersion(*v) for v in data["versions"]]
    return Selection(tenant=data["tenant"], file_filter=FileFilter(data["file_filter"]), versions=versions)


def errors_json(errors: list[ApiError]) -> str:
    return json.dumps([e.model_dump(mode="json") for e in errors])


def stage_prefix(job_id: str) -> str:
    """How an import job's staging directory in the workspace's `tmp/` begins (engine/blob_stage.py)."""
    return f"import-{job_id}-"


def remove_package_dir(ws: Workspace, job_id: str) -> None:
    """Remove everything a job wrote: `packages/<job id>/` (the package and any temp file) and, for an
    import, its staging directory in `tmp/` (a killed worker leaves it; the sweep of `tmp/` waits until
    every process has let go of the workspace, which two servers sharing it never do)."""
    shutil.rmtree(ws.packages / job_id, ignore_errors=True)
    for stage in ws.tmp.glob(f"{stage_prefix(job_id)}*"):
        shutil.rmtree(stage, ignore_errors=True)


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this host (a zombie counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


def _elapsed_ms(start: str | None, end: str | None = None) -> int:
    if start is None:
        return 0
    stop = parse_iso(end) if end else utc_now()
    return max(0, int((stop - parse_iso(start)).total_seconds() * 1000))


class JobManager:
    """Export jobs of every tenant of one workspace (see the module docstring)."""

    def __init__(self, ws: Workspace, *, spawn: bool = True, standby: bool = False) -> None:
        """`standby`: keep one worker started ahead (`worker.py --standby`) that the next job is handed to."""
        self.ws = ws
        self.spawn = spawn
        self._children: dict[str, subprocess.Popen] = {}
        self._standby_wanted = spawn and standby
        self._standby: tuple[subprocess.Popen, dict[str, str]] | None = None
        self._standby_lock = threading.Lock()

    # --- public operations --------------------------------------------------------------------

    def submit(self, tenant: str, user: str, groups: tuple[str, ...], request: ExportRequest) -> ExportJob:
        """Resolve and record a job. Resolving (long for a large request) reads a snapshot outside
        the workspace-wide write lock; only the slot check and the insert take it."""
        if errors := check_request(request):
            raise ValidationFailed.of(errors)
        config = self.existing_config(tenant)
        file_name = package_file_name(request.file_name)
        self.maintain(tenant)
        self._claim_slot(self.ws.connect(), tenant, EXPORT, config.job_limit)  # a busy slot is refused before resolving
        try:
            selection = resolve(self.ws, tenant, request, tuple(groups))
        except ValidationFailed as exc:
            status, selection, errors = JobStatus.failed, None, exc.errors
        else:
            status, errors = JobStatus.created, []
        now = iso(utc_now())
        job_id = str(uuid.uuid4())
        with self.claimed_slot(tenant, EXPORT, config.job_limit) as db:
            db.execute(
                "INSERT INTO jobs (id, tenant, created_by, status, request_json, selection_json, file_name, created,"
                " updated, finished, bytes_total, outputs_json, errors_json, source_system, correlation_id)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    job_id, tenant, user, status.value, request.model_dump_json(),
                    selection_to_json(selection) if selection else None, file_name, now, now,
                    now if status.is_terminal else None, selection.projected_bytes if selection else 0,
                    selection.outputs().model_dump_json() if selection else None,
                    errors_json(errors) if errors else None, request.source_system, request.correlation_id,
                ),
            )
        if status is JobStatus.created:
            self.start_worker(job_id)
        return self._job(self.row(tenant, job_id))

    def status(self, tenant: str, job_id: str, user: str, groups: tuple[str, ...]) -> ExportJob:
        self.maintain(tenant)
        return self._job(self.visible_row(tenant, job_id, user, groups))

    def cancel(self, tenant: str, job_id: str, user: str, groups: tuple[str, ...]) -> ExportJob:
        self.visible_row(tenant, job_id, user, groups)
        now = iso(utc_now())
        with self.ws.transaction() as db:
            row = db.execute("SELECT * FROM jobs WHERE tenant=? AND id=?", (tenant, job_id)).fetchone()
            if row["status"] not in ACTIVE:
                raise JobFinished(job_id, row["status"])
            db.execute(
                "UPDATE jobs SET status=?, cancel_requested=1, finished=?, updated=?, process_time_ms=?, errors_json=?"
                " WHERE id=?",
                (
                    JobStatus.cancelled.value, now, now, _elapsed_ms(row["started"], now),
                    errors_json([ApiError(code=Code.CANCELLED.value, message=f"export job cancelled by {user}", ref=job_id)]),
                    job_id,
                ),
            )
        if row["worker_pid"] is None or not pid_alive(row["worker_pid"]):
            remove_package_dir(self.ws, job_id)
        return self._job(self.row(tenant, job_id))

    def list_jobs(self, tenant: str, user: str, groups: tuple[str, ...], *, all_users: bool = False) -> list[ExportJob]:
        """In-progress jobs and jobs finished within the past hour, newest first."""
        self.maintain(tenant)
        everyone = all_users and SUPERVISOR_GROUP in groups
        return [self._job(r) for r in self.current_rows(tenant, None if everyone else user)]

    def tenant_status(self, tenant: str, user: str, groups: tuple[str, ...]) -> TenantExportStatus:
        """Active export jobs and the newest WINDOW_LIMIT finished within the hour (the caller's own unless supervisor)."""
        self.maintain(tenant)
        active, recent = self.window_rows(tenant, None if SUPERVISOR_GROUP in groups else user, EXPORT)
        running = self.running(tenant, EXPORT)
        now = iso(utc_now())
        return TenantExportStatus.model_validate({  # one validation of plain rows, not a model per row
            "in_progress_exports": [self._tenant_job(r, now) for r in active],
            "recent_exports": [self._tenant_job(r, now) for r in recent],
            "tenant": {"configuration": {"export_api_job_limit": self.tenant_config(tenant).job_limit},
                       "status": {"export_api_jobs_in_progress": running}},
        })

    def package_path(self, tenant: str, job_id: str, user: str, groups: tuple[str, ...]) -> Path:
        """The kept package of a closed job; JobNotFound when the job has none (anymore)."""
        self.maintain(tenant)
        row = self.visible_row(tenant, job_id, user, groups)
        if row["status"] != JobStatus.closed.value or not row["package_path"] or not Path(row["package_path"]).exists():
            raise JobNotFound(job_id)
        return Path(row["package_path"])

    # --- job slots and worker processes (export and import) ------------------------------------

    @contextmanager
    def claimed_slot(self, tenant: str, kind: str, limit: int) -> Iterator[sqlite3.Connection]:
        """A write transaction in which the tenant holds a free slot of `kind` (dead jobs ended
        first; JobSlotBusy otherwise): insert the job's row in it. Dead jobs' dirs go after commit."""
        with self.ws.transaction() as db:
            dead = self._reap(db, tenant)
            self._claim_slot(db, tenant, kind, limit)
            yield db
        self._remove_dirs(dead)

    def start_worker(self, job_id: str) -> None:
        """Start the detached worker of a recorded job (unless this manager does not spawn: tests)."""
        if self.spawn:
            self._start_worker(job_id)

    @staticmethod
    def _claim_slot(db: sqlite3.Connection, tenant: str, kind: str, limit: int) -> None:
        """JobSlotBusy when the tenant runs `limit` jobs of `kind` (binding inside the submitting
        transaction; outside it, a pre-check that refuses before expensive work)."""
        running = [r["id"] for r in db.execute(
            "SELECT id FROM jobs WHERE tenant=? AND kind=? AND status IN (?,?) ORDER BY created", (tenant, kind, *ACTIVE)
        )]
        if len(running) >= limit:
            raise JobSlotBusy(tenant, running, limit, kind=kind)

    def running(self, tenant: str, kind: str) -> int:
        return self.ws.connect().execute(
            "SELECT COUNT(*) FROM jobs WHERE tenant=? AND kind=? AND status IN (?,?)", (tenant, kind, *ACTIVE)
        ).fetchone()[0]

    # --- worker processes ------------------------------------------------------------------------

    def _start_worker(self, job_id: str) -> None:
        env = self._worker_env()
        proc = self._hand_to_standby(job_id, env)
        if proc is None:
            try:
                proc = self._spawn_worker(["--job", job_id], env, stdin=subprocess.DEVNULL)
            except OSError as exc:
                self._fail_active(job_id, f"could not start a worker process: {exc}")
                return
        self._children[job_id] = proc
        with self.ws.transaction() as db:
            db.execute("UPDATE jobs SET worker_pid=? WHERE id=? AND worker_pid IS NULL", (proc.pid, job_id))
        self.warm_standby()

    def warm_standby(self) -> None:
        """Start the standby worker for the next job, unless this manager keeps none or has one."""
        with self._standby_lock:
            if not self._standby_wanted or self._standby is not None:
                return
            env = self._worker_env()
            try:
                self._standby = self._spawn_worker(["--standby"], env, stdin=subprocess.PIPE), env
            except OSError:
                self._standby = None  # the next job starts its own worker, which reports a failure

    def close_standby(self) -> None:
        """Let the standby worker exit (end of its stdin), reap it, and keep no other."""
        with self._standby_lock:
            self._standby_wanted = False
            standby, self._standby = self._standby, None
        if standby is not None:
            proc = standby[0]
            proc.stdin.close()
            try:
                proc.wait(timeout=STANDBY_EXIT_S)
            except subprocess.TimeoutExpired:  # stuck before it read its stdin: it holds no job
                proc.kill()
                proc.wait()

    def _hand_to_standby(self, job_id: str, env: dict[str, str]) -> subprocess.Popen | None:
        """The standby worker, now running `job_id`; None when there is none alive started with `env`."""
        with self._standby_lock:
            standby, self._standby = self._standby, None
        if standby is None:
            return None
        proc, standby_env = standby
        try:
            if standby_env != env or proc.poll() is not None:
                raise BrokenPipeError
            proc.stdin.write(f"{job_id}\n".encode())
            proc.stdin.close()
        except OSError:
            try:
                proc.stdin.close()
            except OSError:
                pass
            self._children[f"standby-{proc.pid}"] = proc  # collected once it has exited
            return None
        return proc

    def _worker_env(self) -> dict[str, str]:
        root = str(Path(spark_tui.__file__).resolve().parents[1])
        return dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))

    def _spawn_worker(self, args: list[str], env: dict[str, str], *, stdin: int) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "spark_tui.engine.worker", "--workspace", str(self.ws.root), *args],
            start_new_session=True, stdin=stdin, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, close_fds=True, env=env,
        )

    def _collect_children(self) -> None:
        """Wait for our own finished workers so that they do not linger as zombies."""
        for job_id, proc in list(self._children.items()):
            if proc.poll() is not None:
                self._children.pop(job_id, None)  # another thread may have collected it already

    def _fail_active(self, job_id: str, message: str) -> None:
        now = iso(utc_now())
        with self.ws.transaction() as db:
            db.execute(
                "UPDATE jobs SET status=?, finished=?, updated=?, errors_json=? WHERE id=? AND status IN (?,?)",
                (
                    JobStatus.failed.value, now, now,
                    errors_json([ApiError(code=Code.WORKER_DIED.value, message=message, ref=job_id)]), job_id, *ACTIVE,
                ),
            )
        remove_package_dir(self.ws, job_id)

    # --- maintenance: dead workers, stuck jobs, retention ---------------------------------------

    def maintain(self, tenant: str) -> None:
        self._collect_children()
        db = self.ws.connect()
        active = db.execute("SELECT * FROM jobs WHERE tenant=? AND status IN (?,?)", (tenant, *ACTIVE)).fetchall()
        if any(self._verdict(r, time.time()) for r in active):
            with self.ws.transaction() as tx:
                dead = self._reap(tx, tenant)
            self._remove_dirs(dead)
        self._expire_packages(tenant)

    def _reap(self, db: sqlite3.Connection, tenant: str) -> list[str]:
        """Inside a transaction: end every active job of the tenant whose worker is gone or stuck.

        Returns the ids whose package directories the caller removes after commit."""
        self._collect_children()
        now = time.time()
        stamp = iso(utc_now())
        dead = []
        for row in db.execute("SELECT * FROM jobs WHERE tenant=? AND status IN (?,?)", (tenant, *ACTIVE)).fetchall():
            verdict = self._verdict(row, now)
            if verdict is None:
                continue
            status, error = verdict
            db.execute(
                "UPDATE jobs SET status=?, cancel_requested=1, finished=?, updated=?, process_time_ms=?, errors_json=?"
                " WHERE id=?",
                (status.value, stamp, stamp, _elapsed_ms(row["started"], stamp), errors_json([error]), row["id"]),
            )
            if status is JobStatus.failed:
                dead.append(row["id"])
        return dead

    def _verdict(self, row: sqlite3.Row, now: float) -> tuple[JobStatus, ApiError] | None:
        """How an active job must end because its worker is dead or it overran; None if it is fine."""
        pid, job_id, kind = row["worker_pid"], row["id"], row["kind"]
        kept = "nothing was imported" if kind == IMPORT else "no package was kept"
        died = ApiError(code=Code.WORKER_DIED.value, message=f"worker process {pid} died; {kept}", ref=job_id)
        if pid is not None and not pid_alive(pid):
            return JobStatus.failed, died
        if row["heartbeat"] is not None and now - row["heartbeat"] > HEARTBEAT_STALE_S:
            return JobStatus.failed, died
        if row["status"] == JobStatus.created.value and now - parse_iso(row["created"]).timestamp() > CLAIM_TIMEOUT_S:
            return JobStatus.failed, ApiError(
                code=Code.WORKER_DIED.value,
                message=f"no worker started {kind} job {job_id} within {CLAIM_TIMEOUT_S:.0f} s; {kept}",
                ref=job_id,
            )
        if row["started"] is not None:
            timeout_s = self.tenant_config(row["tenant"]).timeout_s
            if now - parse_iso(row["started"]).timestamp() > timeout_s + TIMEOUT_GRACE_S:
                return JobStatus.closed_by_timeout, ApiError(
                    code=Code.TIMEOUT.value, message=f"{kind} job exceeded the tenant timeout of {timeout_s} s",
                    ref=job_id,
                )
        return None

    def _expire_packages(self, tenant: str) -> None:
        cutoff = iso(utc_now() - timedelta(seconds=self.tenant_config(tenant).retention_s))
        db = self.ws.connect()
        expired = [r["id"] for r in db.execute(
            "SELECT id FROM jobs WHERE tenant=? AND status=? AND package_path IS NOT NULL AND finished < ?",
            (tenant, JobStatus.closed.value, cutoff),
        )]
        if not expired:
            return
        self._remove_dirs(expired)
        with self.ws.transaction() as tx:
            tx.executemany("UPDATE jobs SET package_path=NULL WHERE id=?", [(job_id,) for job_id in expired])

    def _remove_dirs(self, job_ids: list[str]) -> None:
        for job_id in job_ids:
            remove_package_dir(self.ws, job_id)

    # --- rows and their wire shapes (export and import) -------------------------------------------

    def existing_config(self, tenant: str) -> TenantConfig:
        try:
            return self.ws.tenant_config(tenant)
        except NotFound as exc:
            raise ValidationFailed.of([ApiError(code=Code.INVALID_VALUE.value, message=str(exc), ref=tenant)]) from None

    def tenant_config(self, tenant: str) -> TenantConfig:
        try:
            return self.ws.tenant_config(tenant)
        except NotFound:
            return TenantConfig(tenant, job_limit=DEFAULT_JOB_LIMIT)

    def row(self, tenant: str, job_id: str, kind: str = EXPORT) -> sqlite3.Row:
        row = self.ws.connect().execute(
            "SELECT * FROM jobs WHERE tenant=? AND id=? AND kind=?", (tenant, job_id, kind)
        ).fetchone()
        if row is None:
            raise JobNotFound(job_id, kind)
        return row

    def visible_row(self, tenant: str, job_id: str, user: str, groups: tuple[str, ...], kind: str = EXPORT) -> sqlite3.Row:
        row = self.row(tenant, job_id, kind)
        if row["created_by"] != user and SUPERVISOR_GROUP not in groups:
            raise JobNotFound(job_id, kind)
        return row

    def current_rows(self, tenant: str, user: str | None, kind: str = EXPORT) -> list[sqlite3.Row]:
        cutoff = iso(utc_now() - RECENT)
        sql = "SELECT * FROM jobs WHERE tenant=? AND kind=? AND (status IN (?,?) OR finished >= ?)"
        args: tuple = (tenant, kind, *ACTIVE, cutoff)
        if user is not None:
            sql += " AND created_by=?"
            args += (user,)
        return self.ws.connect().execute(sql + " ORDER BY created DESC, rowid DESC", args).fetchall()

    def window_rows(self, tenant: str, user: str | None, kind: str) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
        """(active, recent) rows of a tenant-wide status, newest first: every active job, and the newest
        WINDOW_LIMIT finished within the hour. Read by index, only the columns the answer shows, so
        an answer costs the same after a busy hour as after a quiet one."""
        who, args = ("", ()) if user is None else (" AND created_by=?", (user,))
        db = self.ws.connect()
        active = db.execute(
            f"SELECT {WINDOW_COLUMNS} FROM jobs WHERE tenant=? AND status IN (?,?) AND kind=?{who} ORDER BY created DESC, rowid DESC",
            (tenant, *ACTIVE, kind, *args),
        ).fetchall()
        recent = db.execute(
            f"SELECT {WINDOW_COLUMNS} FROM jobs WHERE tenant=? AND kind=? AND finished >= ? AND status NOT IN (?,?){who}"
            " ORDER BY created DESC, rowid DESC LIMIT ?",
            (tenant, kind, iso(utc_now() - RECENT), *ACTIVE, *args, WINDOW_LIMIT),
        ).fetchall()
        return active, recent

    @staticmethod
    def process_time(row: sqlite3.Row) -> int:
        return row["process_time_ms"] if row["status"] not in ACTIVE else _elapsed_ms(row["started"])

    def _job(self, row: sqlite3.Row) -> ExportJob:
        outputs = ExportOutputs.model_validate_json(row["outputs_json"]) if row["outputs_json"] else ExportOutputs()
        outputs.files = []
        if row["status"] == JobStatus.closed.value and row["package_path"]:
            outputs.files = [OutputFile(file=Path(row["package_path"]).as_uri(), file_hash=row["file_hash"])]
        errors = [ApiError.model_validate(e) for e in json.loads(row["errors_json"])] if row["errors_json"] else None
        return ExportJob(
            id=row["id"], response_timestamp=iso(utc_now()), status=JobStatus(row["status"]),
            process_time=self.process_time(row), outputs=outputs, errors=errors,
            source_system=row["source_system"], correlation_id=row["correlation_id"],
            progress=JobProgress(
                bytes_done=row["bytes_done"], bytes_total=row["bytes_total"], created_by=row["created_by"],
                created_timestamp=row["created"], finished_timestamp=row["finished"], file_name=row["file_name"],
                package_bytes=row["package_bytes"],
            ),
        )

    def _tenant_job(self, row: sqlite3.Row, now: str) -> dict:
        """One job of TenantExportStatus (a TenantJob once the whole answer is validated)."""
        return {"id": row["id"], "data": {
            "export_status": row["status"], "response_timestamp": now, "created_by": row["created_by"],
            "created_timestamp": row["created"], "updated_timestamp": row["updated"], "process_time": self.process_time(row),
        }}
