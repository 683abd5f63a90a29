"""Error codes and the exception types every layer raises; each maps to an exit code and HTTP status.

A message says *what* is wrong, naming the bad value; each face adds *how* to fix it in its own
terms (`--batch` names flags, `serve` answers HTTP statuses). The whole tree, with each class's
exit code (`spark_tui.spark.exit_codes.ExitCode`) and HTTP status; a test keeps it true:

    SparkTuiError                          3 BACKEND   500
    ├── ValidationFailed                   2 USAGE     422
    │   ├── NotFoundError                  2 USAGE     404
    │   │   ├── FolderNotFound             2 USAGE     404  engine.access
    │   │   └── UnknownTenant              2 USAGE     404
    │   ├── AccessDenied                   2 USAGE     403  engine.access
    │   ├── PackageTooLarge                2 USAGE     422  engine.packager
    │   ├── CorruptBlob                    2 USAGE     422  engine.packager
    │   └── TargetExists                   2 USAGE     422  backends.verified_file
    ├── JobSlotBusy                        6 SLOT_BUSY 409
    ├── JobNotFound                        2 USAGE     404
    ├── JobFinished                        2 USAGE     409
    ├── JobDeadlineExceeded                4 TIMEOUT   504  backends.polling
    ├── BadPackage                         2 USAGE     400
    ├── ServiceExists                      2 USAGE     409
    ├── DiskFull                           3 BACKEND   507
    ├── AuthError                          3 BACKEND   401
    │   └── Forbidden                      3 BACKEND   403
    ├── BackendUnavailable                 3 BACKEND   502
    │   └── RunnerRefused                  3 BACKEND   502  promotion.hybrid_runner
    ├── ConfigError                        2 USAGE     500
    │   ├── WorkspaceUnusable              2 USAGE     500
    │   ├── BadTenantName                  2 USAGE     500
    │   └── ProfileUnusable                2 USAGE     500
    ├── FieldTooLarge                      3 BACKEND   413  server.upload
    ├── UploadTooLarge                     3 BACKEND   413  server.upload
    ├── TenantNotFound                     3 BACKEND   404  server.context
    ├── UsageError                         2 USAGE     500  batch.operations
    ├── DownloadFailed                     3 BACKEND   500  batch.operations
    ├── PlanRefused                        2 USAGE     409  promotion.steps
    ├── CompareCancelled                   130 INTERRUPTED 500  promotion.catalog_reader
    ├── DeepExportFailed                   3 BACKEND   500  promotion.compare
    └── PromotionFailed                    (its cause) 500  promotion.steps

`serve`'s errors never reach a shell, so they keep the base's exit code; a promotion that failed
exits with the code of the step that failed.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Self

from spark_tui.spark.exit_codes import ExitCode

if TYPE_CHECKING:
    from spark_tui.spark.export_wire import ApiError


class Code(str, Enum):
    """Codes of `errors[].code` (resolver, job and request errors)."""

    NO_INPUTS = "NO_INPUTS"
    INVALID_REFERENCE = "INVALID_REFERENCE"
    INVALID_VALUE = "INVALID_VALUE"
    INVALID_FILE_NAME = "INVALID_FILE_NAME"
    FOLDER_NOT_FOUND = "FOLDER_NOT_FOUND"
    SERVICE_NOT_FOUND = "SERVICE_NOT_FOUND"
    VERSION_NOT_FOUND = "VERSION_NOT_FOUND"
    VERSION_SPEC_NO_MATCH = "VERSION_SPEC_NO_MATCH"
    LATEST_WITH_SPECIFIC_VERSION = "LATEST_WITH_SPECIFIC_VERSION"
    ACCESS_DENIED = "ACCESS_DENIED"
    FOLDER_EMPTY = "FOLDER_EMPTY"
    NO_COMPILED_MODULE = "NO_COMPILED_MODULE"
    PACKAGE_TOO_LARGE = "PACKAGE_TOO_LARGE"
    JOB_SLOT_BUSY = "JOB_SLOT_BUSY"
    JOB_NOT_FOUND = "JOB_NOT_FOUND"
    JOB_FINISHED = "JOB_FINISHED"
    TIMEOUT = "TIMEOUT"
    CANCELLED = "CANCELLED"
    WRITE_FAILED = "WRITE_FAILED"
    WORKER_DIED = "WORKER_DIED"
    BAD_PACKAGE = "BAD_PACKAGE"
    SHA256_MISMATCH = "SHA256_MISMATCH"
    SERVICE_EXISTS = "SERVICE_EXISTS"
    SERVICE_NOT_IN_PACKAGE = "SERVICE_NOT_IN_PACKAGE"
    NOT_A_MIGRATE_PACKAGE = "NOT_A_MIGRATE_PACKAGE"
    PRODUCT_ALREADY_EXISTS = "PRODUCT_ALREADY_EXISTS"
    DISK_FULL = "DISK_FULL"
    OUTPUT_DIR_NOT_FOUND = "OUTPUT_DIR_NOT_FOUND"
    OUTPUT_NOT_A_DIRECTORY = "OUTPUT_NOT_A_DIRECTORY"
    OUTPUT_DIR_NOT_WRITABLE = "OUTPUT_DIR_NOT_WRITABLE"
    FILE_EXISTS = "FILE_EXISTS"
    PACKAGE_NOT_FOUND = "PACKAGE_NOT_FOUND"
    PROFILE_NOT_FOUND = "PROFILE_NOT_FOUND"
    PROFILE_UNUSABLE = "PROFILE_UNUSABLE"
    BAD_CONFIG = "BAD_CONFIG"
    USAGE = "USAGE"
    UNAUTHORIZED = "UNAUTHORIZED"
    BACKEND_UNAVAILABLE = "BACKEND_UNAVAILABLE"
    BACKEND_ERROR = "BACKEND_ERROR"
    DOWNLOAD_FAILED = "DOWNLOAD_FAILED"
    BLOB_CORRUPT = "BLOB_CORRUPT"
    PLAN_MOVED = "PLAN_MOVED"
    BAD_PLAN_FILE = "BAD_PLAN_FILE"
    RECEIPT_NOT_FOUND = "RECEIPT_NOT_FOUND"


EXCERPT_CHARS = 60


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """Bad input as an error message may quote it: at most `limit` characters, printable (lone
    surrogates and control characters escaped), with the full length when it was cut."""
    text = value if isinstance(value, str) else repr(value)
    cut = text[:limit].encode("utf-8", "backslashreplace").decode("utf-8")
    cut = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in cut)
    return f"{cut}… ({len(text)} characters)" if len(text) > limit else cut


def api_error(code: str, message: str, ref: str | None = None) -> ApiError:
    """An `errors[]` item. The wire models load on the first error, not with this module: the TUI's
    first frame raises none and imports no pydantic."""
    from spark_tui.spark.export_wire import ApiError

    return ApiError(code=code, message=message, ref=ref)


class SparkTuiError(Exception):
    """Base of every expected failure; `str()` is a one-line message fit for a user.

    `code` names the failure in `error: CODE: message` lines: the first API error's code, else
    the one given, else the class's."""

    exit_code: ExitCode = ExitCode.BACKEND
    http_status = 500
    default_code = Code.BACKEND_ERROR
    request_id: str | None = None

    def __init__(self, message: str, errors: list[ApiError] | None = None, code: Code | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        self.code = self.errors[0].code if self.errors else (code or self.default_code).value

    def with_server_words(self, words: str | None) -> Self:
        """Add what the server said, when this error's own message does not already carry it."""
        if words and words not in self.message:
            self.message = f"{self.message} (the server says: {words})"
            self.args = (self.message,)
        return self

    def with_request_id(self, request_id: str | None) -> Self:
        """Name the HTTP request that failed (its `x-request-id`) in the message, to quote to support."""
        if request_id and self.request_id is None:
            self.request_id = request_id
            if request_id not in self.message:
                self.message = f"{self.message} [x-request-id {request_id}]"
                self.args = (self.message,)
        return self


class ValidationFailed(SparkTuiError):
    """The request (or its references) is invalid; `errors` holds every violation."""

    exit_code = ExitCode.USAGE
    http_status = 422
    default_code = Code.INVALID_VALUE

    @classmethod
    def of(cls, errors: list[ApiError]) -> Self:
        head = errors[0].message if errors else "invalid request"
        more = f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""
        return cls(head + more, errors)


class NotFoundError(ValidationFailed):
    """A folder, service, version or tenant the request names does not exist (HTTP 404)."""

    http_status = 404


class UnknownTenant(NotFoundError):
    """The tenant a backend was opened on does not exist in its workspace."""

    def __init__(self, tenant: str, message: str) -> None:
        super().__init__(message, [api_error(Code.INVALID_VALUE.value, message=message, ref=tenant)])
        self.tenant = tenant


class JobSlotBusy(SparkTuiError):
    """The tenant's export (or import) job limit is reached; the message names the running job(s)."""

    exit_code = ExitCode.SLOT_BUSY
    http_status = 409

    def __init__(self, tenant: str, running: list[str], limit: int, kind: str = "export") -> None:
        jobs = ", ".join(running) or "unknown"
        busy = f"already runs {len(running)} {kind} job(s) (limit {limit}): {jobs}" if running else (
            f"has no free {kind} job slot (limit {limit})"
        )
        super().__init__(
            f"tenant '{tenant}' {busy}; wait for it to finish or cancel it, then retry",
            [api_error(Code.JOB_SLOT_BUSY.value, message=f"job slot busy: {jobs}", ref=jobs)],
        )
        self.tenant = tenant
        self.running = running
        self.limit = limit


class JobNotFound(SparkTuiError):
    """No export (or import) job has this id in the tenant, or it expired."""

    exit_code = ExitCode.USAGE
    http_status = 404

    def __init__(self, job_id: str, kind: str = "export") -> None:
        shown = excerpt(job_id, 120)
        message = f"{kind} job '{shown}' not found"
        super().__init__(message, [api_error(Code.JOB_NOT_FOUND.value, message=message, ref=shown)])
        self.job_id = job_id
        self.kind = kind


class JobFinished(SparkTuiError):
    """Cancelling a job that already ended."""

    exit_code = ExitCode.USAGE
    http_status = 409

    def __init__(self, job_id: str, status: str) -> None:
        super().__init__(
            f"export job '{job_id}' already ended with status '{status}'; only created or in_progress jobs can be cancelled",
            [api_error(Code.JOB_FINISHED.value, message=f"job already {status}", ref=job_id)],
        )


class BadPackage(SparkTuiError):
    """An import package that is missing, corrupt, hostile or inconsistent."""

    exit_code = ExitCode.USAGE
    http_status = 400
    default_code = Code.BAD_PACKAGE


class ServiceExists(SparkTuiError):
    """Import with if_present=abort met an existing destination service."""

    exit_code = ExitCode.USAGE
    http_status = 409
    default_code = Code.SERVICE_EXISTS


class DiskFull(SparkTuiError):
    """The workspace's disk filled up while writing; nothing was kept (HTTP 507)."""

    exit_code = ExitCode.BACKEND
    http_status = 507

    def __init__(self, what: str, *, message: str | None = None) -> None:
        message = message or f"disk full while {what}; nothing was kept — free space in the workspace's file system and retry"
        super().__init__(message, [api_error(Code.DISK_FULL.value, message=message)])

    @classmethod
    def on_server(cls, where: str, words: str) -> DiskFull:
        """A server's HTTP 507 (or DISK_FULL error): its disk, not ours, is full."""
        return cls(where, message=(
            f"disk full on the server at {where} (HTTP 507): {words}; nothing was kept there — free space on the "
            "server and retry"))


class AuthError(SparkTuiError):
    """Missing, wrong or expired credentials, or no access."""

    exit_code = ExitCode.BACKEND
    http_status = 401
    default_code = Code.UNAUTHORIZED


class Forbidden(AuthError):
    """The credentials are good, but they do not allow this (HTTP 403)."""

    http_status = 403


class BackendUnavailable(SparkTuiError):
    """The backend cannot be reached or answered unexpectedly."""

    exit_code = ExitCode.BACKEND
    http_status = 502
    default_code = Code.BACKEND_UNAVAILABLE


class ConfigError(SparkTuiError):
    """A bad config file, profile or setting; the message names the file, key and fix."""

    exit_code = ExitCode.USAGE
    http_status = 500
    default_code = Code.BAD_CONFIG

    @classmethod
    def raise_all(cls, errors: list[ConfigError]) -> None:
        """Raise `errors` at once: the one, or one ConfigError listing each in `errors` (none: return)."""
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise cls(f"{errors[0].message} (and {len(errors) - 1} more problem(s))",
                      [api_error(e.code, message=e.message) for e in errors])


class WorkspaceUnusable(ConfigError):
    """The workspace directory cannot be opened or is no spark-tui workspace."""

    def __init__(self, root: object, message: str) -> None:
        super().__init__(message)
        self.root = root


class BadTenantName(ConfigError):
    """The tenant a backend is opened on cannot be a tenant's name (it becomes a directory)."""

    def __init__(self, tenant: str, message: str) -> None:
        super().__init__(message)
        self.tenant = tenant


class ProfileUnusable(ConfigError):
    """The profile exists but cannot serve this operation (a Hybrid Runner is only a promotion target)."""

    default_code = Code.PROFILE_UNUSABLE

    def __init__(self, profile: str, message: str) -> None:
        super().__init__(message)
        self.profile = profile


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
