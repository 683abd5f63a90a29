"""Exit codes of `spark-tui --batch` (DESIGN §3) and how job outcomes map to them."""

from __future__ import annotations

from spark_tui.spark.errors import Code
from spark_tui.spark.import_wire import ImportJob
from spark_tui.spark.export_wire import ExportJob, JobStatus

OK = 0
JOB_FAILED = 1
USAGE = 2
BACKEND = 3
TIMEOUT = 4
CANCELLED = 5
SLOT_BUSY = 6
DIFFERS = 10  # --compare --exit-code: the environments differ (as git diff --exit-code's 1, clear of 1-6)
INTERRUPTED = 130

BY_STATUS = {
    JobStatus.created: OK,
    JobStatus.in_progress: OK,
    JobStatus.closed: OK,
    JobStatus.failed: JOB_FAILED,
    JobStatus.closed_by_timeout: TIMEOUT,
    JobStatus.cancelled: CANCELLED,
}

REQUEST_ERRORS = frozenset(
    c.value
    for c in (
        Code.NO_INPUTS, Code.INVALID_REFERENCE, Code.INVALID_VALUE, Code.INVALID_FILE_NAME,
        Code.FOLDER_NOT_FOUND, Code.SERVICE_NOT_FOUND, Code.VERSION_NOT_FOUND, Code.VERSION_SPEC_NO_MATCH,
        Code.LATEST_WITH_SPECIFIC_VERSION, Code.ACCESS_DENIED, Code.FOLDER_EMPTY, Code.NO_COMPILED_MODULE,
        Code.PACKAGE_TOO_LARGE, Code.SERVICE_EXISTS, Code.SERVICE_NOT_IN_PACKAGE, Code.NOT_A_MIGRATE_PACKAGE,
        Code.BAD_PACKAGE,
    )
)
"""Codes that mean the request itself cannot be exported or imported (as opposed to a job that broke while running)."""


def rejected_request(job: ExportJob | ImportJob) -> bool:
    """A `failed` job whose every error is a request/resolution error: it never ran."""
    return job.status is JobStatus.failed and bool(job.errors) and all(e.code in REQUEST_ERRORS for e in job.errors or [])


def for_job(job: ExportJob | ImportJob) -> int:
    """The exit code of a job outcome; a rejected request is a validation error (2), not a failure (1),
    and a full disk a backend error (3)."""
    if any(e.code == Code.DISK_FULL.value for e in job.errors or []):
        return BACKEND
    return USAGE if rejected_request(job) else BY_STATUS[job.status]
