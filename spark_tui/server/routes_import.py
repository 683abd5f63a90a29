"""Spark's import route: a multipart `importRequestEntity` + `file`, run at once into the workspace.

The import finishes inside the POST (the engine's importer is all or nothing), so the returned
job is already `closed`; its status stays readable at `GET /{tenant}/api/v4/import/{id}/status`
while the server runs. Renaming services on import (`service_uri_destination`) is not supported.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from email import policy
from email.parser import BytesParser
from pathlib import Path

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from spark_tui.engine.importer import import_package
from spark_tui.server.context import ctx_of
from spark_tui.spark.errors import Code, ValidationFailed
from spark_tui.spark.import_wire import ImportJob, ImportRequestEntity
from spark_tui.spark.models import ApiError, JobStatus, iso, utc_now

router = APIRouter(tags=["import"])


def _invalid(message: str, ref: str) -> ValidationFailed:
    return ValidationFailed.of([ApiError(code=Code.INVALID_VALUE.value, message=message, ref=ref)])


def parse_form(content_type: str, body: bytes) -> dict[str, bytes]:
    """The named parts of a multipart/form-data body."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise _invalid(f"import needs multipart/form-data with importRequestEntity and file, not '{content_type}'", "content-type")
    message = BytesParser(policy=policy.HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    parts = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            parts[str(name)] = part.get_payload(decode=True) or b""
    return parts


def _entity(raw: bytes | None) -> ImportRequestEntity:
    if raw is None:
        raise _invalid("the importRequestEntity form field is missing", "importRequestEntity")
    try:
        entity = ImportRequestEntity.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "importRequestEntity"
        raise _invalid(f"importRequestEntity.{where}: {first.get('msg')}", f"importRequestEntity.{where}") from None
    for mapping in entity.inputs.services_modify:
        if mapping.service_uri_destination not in (None, mapping.service_uri_source):
            raise _invalid(
                f"renaming '{mapping.service_uri_source}' to '{mapping.service_uri_destination}' on import is not "
                "supported by spark-tui serve; import under the same name", mapping.service_uri_source,
            )
    return entity


def _publish(job: ImportJob, request: Request, tenant: str) -> dict:
    base = ctx_of(request).public_base(request)
    return job.model_copy(update={"status_url": f"{base}/{tenant}/api/v4/import/{job.id}/status"}).model_dump(mode="json")


@router.post("/{tenant}/api/v4/import", summary="Import a migrate package (runs to the end before answering)")
async def start_import(tenant: str, request: Request) -> dict:
    ctx = ctx_of(request)
    who = ctx.caller(request, tenant)
    ctx.require_tenant(tenant)
    limit = ctx.ws.tenant_config(tenant).size_limit
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit:
        raise ValidationFailed.of([ApiError(
            code=Code.PACKAGE_TOO_LARGE.value, ref="file",
            message=f"the upload of {declared} bytes exceeds the tenant's limit of {limit} bytes",
        )])
    parts = parse_form(request.headers.get("content-type", ""), await request.body())
    entity = _entity(parts.get("importRequestEntity"))
    if "file" not in parts:
        raise _invalid("the file form field (the package ZIP) is missing", "file")
    started = time.monotonic()
    fd, tmp = tempfile.mkstemp(dir=ctx.ws.tmp, suffix=".zip")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(parts["file"])
        result = await run_in_threadpool(
            import_package, ctx.ws, Path(tmp), tenant, if_present=entity.services_existing, bump=entity.bump,
        )
    finally:
        os.unlink(tmp)
    job = ImportJob.of(
        str(uuid.uuid4()), result, response_timestamp=iso(utc_now()), status=JobStatus.closed,
        process_time=int((time.monotonic() - started) * 1000), source_system=entity.source_system,
        correlation_id=entity.correlation_id,
    )
    ctx.remember_import(tenant, who.user, job)
    return _publish(job, request, tenant)


@router.get("/{tenant}/api/v4/import/{job_id}/status", summary="Status of an import job")
def import_status(tenant: str, job_id: str, request: Request) -> dict:
    ctx = ctx_of(request)
    job = ctx.import_job(tenant, job_id, ctx.caller(request, tenant))
    return _publish(job.model_copy(update={"response_timestamp": iso(utc_now())}), request, tenant)
