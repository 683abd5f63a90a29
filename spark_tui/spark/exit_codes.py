"""How `spark-tui` ends: one exit code per kind of outcome (the README's exit-code table), and the one rule that picks it.

A pipeline branches on these numbers, so they are a public contract: `--batch --help` prints its
legend from the members' docstrings and a test holds the README's table to them. A new outcome
is added here and nowhere else. Errors name their code through their class's `exit_code` (the
tree is drawn in `spark_tui.spark.errors`); job outcomes go through `exit_code_for`.

Only the standard library is imported at module level: `--help` reads this module without loading
pydantic; the job and error types are imported when an outcome is actually mapped.
"""

from __future__ import annotations

import re
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spark_tui.spark.errors import SparkTuiError
    from spark_tui.spark.export_wire import ExportJob
    from spark_tui.spark.import_wire import ImportJob


class ExitCode(IntEnum):
    """An exit code of `spark-tui`; each member's docstring is the meaning the help and README show."""

    def __new__(cls, value: int, meaning: str) -> ExitCode:
        member = int.__new__(cls, value)
        member._value_ = value
        member.__doc__ = meaning
        return member

    OK = 0, "success (export closed and every file verified; other operations done)"
    JOB_FAILED = 1, "the export or import job failed while running"
    USAGE = 2, (
        "usage or validation error: bad flag or value, refused request, import or promotion plan, unknown job or "
        "profile, cancelling a finished job, bad config file, missing or corrupt import package")
    BACKEND = 3, "backend, connection or authorization error (also a download that fails verification, a full disk)"
    TIMEOUT = 4, "the job ended closed_by_timeout, or the client deadline passed"
    CANCELLED = 5, "the job was cancelled (by someone else)"
    SLOT_BUSY = 6, (
        "refused: the tenant's export (or import) job slot is busy; the message names the running job — retry later")
    DIFFERS = 10, (
        "--compare --exit-code: the environments differ (something is missing, extra, different, undecided or not "
        "accessible); like git diff --exit-code, whose 1 means a failed job here")
    INTERRUPTED = 130, (
        "interrupted (Ctrl-C): an export job was cancelled and nothing was left behind; an import job goes on "
        "(Spark cannot cancel one)")
    BROKEN_PIPE = 141, (  # 128 + SIGPIPE: how a tool killed by the closed pipe would end
        "the reader of the output went away (e.g. piped into head -1): the rest is dropped quietly, no traceback")

    @property
    def meaning(self) -> str:
        return self.__doc__ or ""


def legend(width: int = 78) -> str:
    """The `exit codes:` block of `--batch --help`, one wrapped entry per member."""
    import textwrap

    lines = ["exit codes:"]
    for code in ExitCode:
        lines += textwrap.wrap(code.meaning, width=width, initial_indent=f"  {code.value:<5}", subsequent_indent=" " * 7,
                               break_on_hyphens=False)  # never split a flag such as --exit-code
    return "\n".join(lines)


def exit_code_for(outcome: SparkTuiError | KeyboardInterrupt | BrokenPipeError | ExportJob | ImportJob) -> ExitCode:
    """The code to exit with after `outcome`: an expected error, an interruption, or a job as it ended.

    A job that was refused before it ran (every error a request error) is a validation error, not
    a failure; a job that filled the disk is a backend error."""
    if isinstance(outcome, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    if isinstance(outcome, BrokenPipeError):
        return ExitCode.BROKEN_PIPE
    from spark_tui.spark.errors import Code, SparkTuiError
    from spark_tui.spark.values import JobStatus

    if isinstance(outcome, SparkTuiError):
        return outcome.exit_code
    if any(e.code == Code.DISK_FULL.value for e in outcome.errors or []):
        return ExitCode.BACKEND
    if rejected_request(outcome):
        return ExitCode.USAGE
    return {
        JobStatus.failed: ExitCode.JOB_FAILED,
        JobStatus.closed_by_timeout: ExitCode.TIMEOUT,
        JobStatus.cancelled: ExitCode.CANCELLED,
    }.get(outcome.status, ExitCode.OK)


REQUEST_WORDS = re.compile(
    r"not (?:be )?found|does not exist|doesn't exist|no such|already exists|invalid|not allowed|not permitted|"
    r"permission|access denied|unauthori[sz]ed|forbidden|too large|exceeds|not a migrate|not in the package",
    re.IGNORECASE,
)
"""What a request error says, for an error that comes without a code (Spark's job errors may)."""


def rejected_request(job: ExportJob | ImportJob) -> bool:
    """A `failed` job whose every error is a request or resolution error (by its code, or by its words
    when it has none): it never ran."""
    from spark_tui.spark.errors import REQUEST_ERRORS
    from spark_tui.spark.export_wire import UNSPECIFIED_CODE
    from spark_tui.spark.values import JobStatus

    def request_error(code: str, message: str) -> bool:
        return code in REQUEST_ERRORS or (code == UNSPECIFIED_CODE and bool(REQUEST_WORDS.search(message)))

    errors = job.errors or []
    return job.status is JobStatus.failed and bool(errors) and all(request_error(e.code, e.message) for e in errors)
