"""Spark's refusals (HTTP status, error codes, envelopes with `status` ≠ Success) as spark-tui errors."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

import httpx
from pydantic import ValidationError

from spark_tui.backends.base import redact
from spark_tui.backends.http_answer import server_message
from spark_tui.spark.errors import (
    AuthError,
    BackendUnavailable,
    BadPackage,
    Code,
    DiskFull,
    JobFinished,
    JobNotFound,
    JobSlotBusy,
    ServiceExists,
    SparkTuiError,
    NotFoundError,
    ValidationFailed,
)
from spark_tui.spark.export_wire import ApiError

AUTH_CODES = ("UNAUTHORI", "FORBIDDEN", "ACCESS", "TOKEN", "PERMISSION")
_NOT_FOUND_CODES = ("NOT_FOUND", "NOTFOUND", "NOT_EXIST", "DOES_NOT_EXIST")


def refused(refusal: tuple[str, str], url: str, profile: str) -> SparkTuiError:
    """The error for an envelope that reports a failure with HTTP 2xx (`status` ≠ Success)."""
    code, message = refusal
    text = message if code in message else f"{code}: {message}"
    upper = code.upper()
    if any(part in upper for part in AUTH_CODES):
        return AuthError(f"Spark at {redact(url)} refused profile '{profile}': {text}")
    if any(part in upper for part in _NOT_FOUND_CODES):
        return NotFoundError(text, [ApiError(code=code, message=message)])
    return BackendUnavailable(f"Spark at {redact(url)} reported a failure: {text}", [ApiError(code=code, message=message)])


def error_of(response: httpx.Response, url: str, profile: str, tenant: str) -> SparkTuiError:
    """The error for an HTTP 4xx/5xx answer to a request of `profile` on `tenant`."""
    status = response.status_code
    message, errors = server_message(response)
    where = redact(url)
    codes = {e.code for e in errors}
    if Code.BAD_PACKAGE.value in codes:
        return BadPackage(message, errors)
    if Code.SERVICE_EXISTS.value in codes:
        return ServiceExists(message, errors)
    if Code.ACCESS_DENIED.value in codes:
        return ValidationFailed(message, errors)
    if status in (401, 403):
        return AuthError(
            f"Spark at {where} refused the credentials of profile '{profile}' (HTTP {status}): {message}"
        )
    # the server's words are added to errors rebuilt here, unless they carry spark-tui's own codes
    words = None if codes & {c.value for c in Code} else message
    kind, job_id = job_of(url)
    if status == 404 and job_id:
        return JobNotFound(job_id, kind=kind).with_server_words(words)
    if status == 409:
        if Code.JOB_FINISHED.value in codes or (job_id and Code.JOB_SLOT_BUSY.value not in codes):
            found = re.search(r"status '(\w+)'", message)
            return JobFinished(job_id or "?", found.group(1) if found else "finished").with_server_words(words)
        running = [r for e in errors if e.code == Code.JOB_SLOT_BUSY.value and e.ref for r in e.ref.split(", ")]
        limit = re.search(r"\(limit (\d+)\)", message)
        busy = JobSlotBusy(tenant, running, int(limit.group(1)) if limit else max(1, len(running)), kind=kind)
        return busy.with_server_words(words)
    if status in (400, 404, 413, 422):
        errors = errors or [ApiError(code=Code.INVALID_VALUE.value, message=message)]
        return (NotFoundError if status == 404 else ValidationFailed)(message, errors)
    if status == 507 or Code.DISK_FULL.value in codes:
        return DiskFull.on_server(where, message)
    return BackendUnavailable(f"Spark at {where} answered HTTP {status}: {message}")


def job_of(url: str) -> tuple[str, str | None]:
    """(kind, job id) of a `/api/v4/{export|import}/{id}…` URL; the id is None for other URLs."""
    found = re.search(r"/api/v4/(export|import)(?:/([^/?]+)(?:/status|/download/[^?]*)?)?(?:\?|$)", url)
    if not found:
        return "export", None
    job_id = found.group(2)
    return found.group(1), None if job_id in (None, "status", "preview") else unquote(job_id)


def parse(model: Any, raw: Any, what: str, request_id: str | None = None) -> Any:
    """`raw` as `model`; a shape beyond leniency is an error naming the field."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise BackendUnavailable(
            f"unexpected {what} from Spark: {where}: {first.get('msg')}"
        ).with_request_id(request_id) from None
