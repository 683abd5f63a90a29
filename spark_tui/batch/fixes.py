"""How to fix an error, in `--batch`'s own terms: the core says what is wrong, the flags are named here."""

from __future__ import annotations

from spark_tui.backends.polling import JobDeadlineExceeded
from spark_tui.spark.errors import BadTenantName, JobNotFound, ProfileUnusable, SparkTuiError, UnknownTenant, WorkspaceUnusable
from spark_tui.spark.import_wire import ImportJob


def how_to_fix(exc: BaseException | None) -> str | None:
    """The next step a `--batch` user can take after `exc`; None when the message says it already."""
    match exc:
        case JobNotFound(kind="import"):
            return "list jobs with --imports"
        case JobNotFound():
            return "list jobs with --jobs"
        case JobDeadlineExceeded(job=ImportJob() as job):
            return f"check it later (--import-status {job.id}) or allow a longer --deadline"
        case JobDeadlineExceeded(job=job):
            return f"check it later (--status {job.id}) or allow a longer --deadline"
        case WorkspaceUnusable():
            return "choose another --workspace"
        case BadTenantName():
            return "choose another --tenant"
        case UnknownTenant():
            return "choose one with --tenant, or create it with --create-folder NAME or --load-package FILE"
        case ProfileUnusable(profile=name):
            return f"use it with --promote-to {name} or --push-runner {name}"
    return None


def with_fix(exc: SparkTuiError, line: str) -> str:
    """`line` (which reports `exc`) followed by how to fix it, when there is more to say."""
    fix = how_to_fix(exc)
    return f"{line}; {fix}" if fix else line
