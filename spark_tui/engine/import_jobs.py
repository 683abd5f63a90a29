"""Import jobs: Spark's import as a job persisted in the workspace, run by the same detached worker.

An import job is a `jobs` row of kind `import`: the same lifecycle (`created` → `in_progress` →
`closed` | `failed`), per-tenant slot (checked inside `BEGIN IMMEDIATE`, separate from exports),
visibility (own jobs unless `supervisor:pf`), dead-worker reaping and restart survival as export
jobs, through the JobManager's public slot, worker and row API. The uploaded package waits in
`packages/<job id>/package.zip` until the worker has imported it, and is removed then.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import uuid
from pathlib import Path
from typing import Callable

from spark_tui.engine.importer import write_refusal
from spark_tui.spark.import_check import check_import_request
from spark_tui.engine.jobs import IMPORT, SUPERVISOR_GROUP, JobManager
from spark_tui.engine.store import CHUNK, TenantConfig
from spark_tui.spark.errors import BadPackage, ValidationFailed
from spark_tui.spark.import_wire import (
    ImportJob,
    ImportOutputs,
    ImportRequestEntity,
    TenantImportStatus,
)
from spark_tui.spark.export_wire import ApiError, JobProgress
from spark_tui.spark.values import JobStatus, iso, utc_now

PACKAGE_NAME = "package.zip"


def job_package(manager: JobManager, job_id: str) -> Path:
    """Where an import job's uploaded package waits for the worker."""
    return manager.ws.packages / job_id / PACKAGE_NAME


class ImportJobs:
    """Import jobs of every tenant of one workspace, on top of `manager` (see the module docstring)."""

    def __init__(self, manager: JobManager) -> None:
        self.manager = manager
        self.ws = manager.ws

    def submit(
        self,
        tenant: str,
        user: str,
        groups: tuple[str, ...],
        package: Path,
        request: ImportRequestEntity,
        *,
        take: bool = False,
        name: str = PACKAGE_NAME,
        progress: Callable[[int, int], None] | None = None,
    ) -> ImportJob:
        """Start an import job of `package` (moved into the job when `take`, else copied with `progress`).

        Raises ValidationFailed for a malformed request or unknown tenant, JobSlotBusy while an
        import job of the tenant runs. Prerequisites are checked by the worker: their violations end
        the job `failed` with every error, as Spark does.
        """
        if errors := check_import_request(request):
            raise ValidationFailed.of(errors)
        if not Path(package).is_file():
            raise BadPackage(f"package '{name}' does not exist or is not a file; give the path of an export ZIP")
        manager = self.manager
        config = self.ensure_slot(tenant)  # before copying a large package
        job_id = str(uuid.uuid4())
        target = job_package(manager, job_id)
        try:
            target.parent.mkdir()
            part = target.with_name(f".{target.name}.part")  # swept with the workspace's leftovers if killed here
            size = _place(package, part, take, progress)
            now = iso(utc_now())
            with manager.claimed_slot(tenant, IMPORT, config.job_limit) as db:
                db.execute(
                    "INSERT INTO jobs (id, tenant, created_by, status, request_json, file_name, created, updated,"
                    " bytes_total, source_system, correlation_id, kind, groups_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        job_id, tenant, user, JobStatus.created.value, request.model_dump_json(), name, now, now, size,
                        request.source_system, request.correlation_id, IMPORT, json.dumps(list(groups)),
                    ),
                )
                os.replace(part, target)  # the package becomes the job's with its row
        except BaseException as exc:
            shutil.rmtree(target.parent, ignore_errors=True)
            if isinstance(exc, (OSError, sqlite3.OperationalError)):
                raise write_refusal(exc, f"receiving import package '{name}'", self.ws) from None
            raise
        manager.start_worker(job_id)
        return self.job(manager.row(tenant, job_id, IMPORT))

    def ensure_slot(self, tenant: str) -> TenantConfig:
        """JobSlotBusy now when an import job of the tenant runs (ended dead jobs first); the tenant's config."""
        config = self.manager.existing_config(tenant)
        with self.manager.claimed_slot(tenant, IMPORT, config.job_limit):
            pass  # only the check: the job's row is inserted later, in its own claimed_slot
        return config

    def status(self, tenant: str, job_id: str, user: str, groups: tuple[str, ...]) -> ImportJob:
        self.manager.maintain(tenant)
        return self.job(self.manager.visible_row(tenant, job_id, user, groups, IMPORT))

    def list_jobs(self, tenant: str, user: str, groups: tuple[str, ...], *, all_users: bool = False) -> list[ImportJob]:
        """In-progress import jobs and those finished within the past hour, newest first."""
        self.manager.maintain(tenant)
        everyone = all_users and SUPERVISOR_GROUP in groups
        return [self.job(r) for r in self.manager.current_rows(tenant, None if everyone else user, IMPORT)]

    def tenant_status(self, tenant: str, user: str, groups: tuple[str, ...]) -> TenantImportStatus:
        """Active import jobs and the newest WINDOW_LIMIT finished within the hour (the caller's own unless supervisor)."""
        manager = self.manager
        manager.maintain(tenant)
        active, recent = manager.window_rows(tenant, None if SUPERVISOR_GROUP in groups else user, IMPORT)
        now = iso(utc_now())
        return TenantImportStatus.model_validate({  # one validation of plain rows, not a model per row
            "in_progress_imports": [self._tenant_job(r, now) for r in active],
            "recent_imports": [self._tenant_job(r, now) for r in recent],
            "tenant": {"configuration": {"import_api_job_limit": manager.tenant_config(tenant).job_limit},
                       "status": {"import_api_jobs_in_progress": manager.running(tenant, IMPORT)}},
        })

    # --- rows and their wire shapes ------------------------------------------------------------

    def job(self, row: sqlite3.Row) -> ImportJob:
        outputs = ImportOutputs.model_validate_json(row["outputs_json"]) if row["outputs_json"] else ImportOutputs()
        errors = [ApiError.model_validate(e) for e in json.loads(row["errors_json"])] if row["errors_json"] else None
        return ImportJob(
            id=row["id"], response_timestamp=iso(utc_now()), status=JobStatus(row["status"]),
            process_time=self.manager.process_time(row), outputs=outputs, errors=errors, warnings=[],
            source_system=row["source_system"], correlation_id=row["correlation_id"],
            progress=JobProgress(
                bytes_done=row["bytes_done"], bytes_total=row["bytes_total"], created_by=row["created_by"],
                created_timestamp=row["created"], finished_timestamp=row["finished"], file_name=row["file_name"],
            ),
        )

    def _tenant_job(self, row: sqlite3.Row, now: str) -> dict:
        """One job of TenantImportStatus (a TenantImportJob once the whole answer is validated)."""
        return dict(
            id=row["id"],
            data=dict(
                import_status=row["status"], response_timestamp=now,
                created_by=row["created_by"], created_timestamp=row["created"], updated_timestamp=row["updated"],
                process_time=self.manager.process_time(row),
            ),
        )


def _place(package: Path, target: Path, take: bool, progress: Callable[[int, int], None] | None) -> int:
    """Move (`take`) or copy the package to `target`; its size."""
    if take:
        os.replace(package, target)
        return target.stat().st_size
    total = Path(package).stat().st_size
    done = 0
    with open(package, "rb") as src, open(target, "wb") as out:
        while chunk := src.read(CHUNK):
            out.write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    if progress is not None and total == 0:
        progress(0, 0)
    return done

