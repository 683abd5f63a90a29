"""Backup before replace: the target's current versions of the services an import will replace,
exported (`migrate`) beside the package as `NAME.before.zip` and checked, so undo can put them back.

Undo imports that backup with `replace` (see undo.py); Spark's API cannot remove a version or a
service, so what an import added is listed in the receipt instead.
"""

from __future__ import annotations

import threading
from pathlib import Path

from spark_tui.backends.base import Backend
from spark_tui.backends.polling import wait_for_job
from spark_tui.spark.package_format import PackageKind, open_package
from spark_tui.promotion.receipt import Recorder
from spark_tui.promotion.steps import Listener, PromotionFailed, Step, StepUpdate, guard
from spark_tui.spark.errors import Code
from spark_tui.spark.exit_codes import ExitCode
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
from spark_tui.spark.values import FileFilter, JobStatus
from spark_tui.spark.promotion_wire import BackupRecord, Plan, ResolvedVersion, ServiceAction
from spark_tui.spark.uri import service_uri

BACKUP_SOURCE_SYSTEM = "spark-tui backup before replace"


def backup_path(package: Path) -> Path:
    return package.with_name(package.stem + ".before.zip")


def replaced_services(plan: Plan) -> list[str]:
    """folder/service of each existing destination service the import will replace."""
    return [s.service_uri_destination for s in plan.services if s.action is ServiceAction.replace]


def take_backup(
    target: Backend, plan: Plan, package: Path, recorder: Recorder, notify: Listener, cancel: threading.Event,
    deadline_s: float,
) -> BackupRecord | None:
    """Export the replaced services' current versions from `target` as `NAME.before.zip`, verified;
    None when the import replaces nothing."""
    services = replaced_services(plan)
    if not services:
        return None
    recorder.step(Step.backup)
    with guard(Step.backup, cancel):
        path = backup_path(package)
        request = ExportRequest(inputs=ExportInputs(services=services), file_filter=FileFilter.migrate,
                                file_name=path.name, source_system=BACKUP_SOURCE_SYSTEM)
        job = target.submit(request)
        notify(StepUpdate(Step.backup, f"backup export job {job.id} of {', '.join(services)} in the target"))
        if not job.status.is_terminal:
            job = wait_for_job(target, job.id, deadline_s=deadline_s, cancel=cancel)
        if job.status is not JobStatus.closed:
            detail = "; ".join(e.message for e in job.errors or []) or f"the job ended '{job.status.value}'"
            raise PromotionFailed(Step.backup, f"backup export job {job.id} ended '{job.status.value}': {detail}; "
                                  "nothing was imported (--no-backup skips the backup)", ExitCode.BACKEND, job.errors or [])
        [download] = target.download(job, path.parent, cancel=cancel)
        held = _versions_of(Path(download.path))
        current = {(f"{s}[{v.version}]", v.id) for s in services for v in target.list_versions(*s.split("/", 1))}
        if not download.verified or {(v.service_uri_source, v.version_id_source) for v in held} != current:
            raise PromotionFailed(Step.backup, (
                f"backup {download.path} does not hold exactly the target's current versions of {', '.join(services)}; "
                "nothing was imported"), ExitCode.BACKEND, code=Code.BAD_PACKAGE)
        notify(StepUpdate(Step.backup, f"backup {download.path}: {len(held)} version(s) verified"))
        return BackupRecord(path=download.path, bytes=download.bytes, sha256=download.sha256, verified=True,
                            export_job_id=job.id, services=services, service_versions=held)


def _versions_of(path: Path) -> list[ResolvedVersion]:
    with open_package(path) as pkg:
        if pkg.kind is not PackageKind.migrate:
            raise PromotionFailed(Step.backup, f"backup {path} is not a migrate package", ExitCode.BACKEND, code=Code.BAD_PACKAGE)
        return [ResolvedVersion(service_uri_source=service_uri(v.folder, v.service, v.version), version_id_source=v.version_id)
                for v in pkg.versions]
