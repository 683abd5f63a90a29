"""Spark's import route: a multipart `importRequestEntity` + `file`, run at once into the workspace.

The import finishes inside the POST (the engine's importer is all or nothing), so the returned
job is already `closed`; its status stays readable at `GET /{tenant}/api/v4/import/{id}/status`
while the server runs. Renaming services on import (`service_uri_destination`) is not supported.
The upload is streamed to a temporary file in the workspace (`upload.py`), never held in memory.
"""

from __future__ import annotations

import time
import uuid

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from spark_tui.engine.importer import load_package
from spark_tui.server.context import ctx_of
from spark_tui.server.upload import ENTITY_FIELD, FILE_FIELD, invalid_form, receive_import_form
from spark_tui.spark.import_wire import ImportJob, ImportOutputs, ImportRequestEntity
from spark_tui.spark.models import JobStatus, iso, utc_now

router = APIRouter(tags=["import"])

_FORM_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            "type": "object",
            "required": [ENTITY_FIELD, FILE_FIELD],
            "properties": {
                ENTITY_FIELD: {"type": "string", "description": "the import request as a JSON string"},
                FILE_FIELD: {"type": "string", "format": "binary", "description": "the export package ZIP"},
            },
        }}},
    },
}


def _entity(raw: bytes | None) -> ImportRequestEntity:
    if raw is None:
        raise invalid_form(f"the {ENTITY_FIELD} form field is missing", ENTITY_FIELD)
    try:
        entity = ImportRequestEntity.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "importRequestEntity"
        raise invalid_form(f"importRequestEntity.{where}: {first.get('msg')}", f"importRequestEntity.{where}") from None
    for mapping in entity.inputs.services_modify:
        if mapping.service_uri_destination not in (None, mapping.service_uri_source):
            raise invalid_form(
                f"renaming '{mapping.service_uri_source}' to '{mapping.service_uri_destination}' on import is not "
                "supported by spark-tui serve; import under the same name", mapping.service_uri_source,
            )
    return entity


def _publish(job: ImportJob, request: Request, tenant: str) -> dict:
    base = ctx_of(request).public_base(request)
    return job.model_copy(update={"status_url": f"{base}/{tenant}/api/v4/import/{job.id}/status"}).wire()


@router.post(
    "/{tenant}/api/v4/import", summary="Import a migrate package (runs to the end before answering)",
    openapi_extra=_FORM_SCHEMA,
)
async def start_import(tenant: str, request: Request) -> dict:
    ctx = ctx_of(request)
    who = ctx.caller(request, tenant)
    ctx.require_tenant(tenant)
    limit = ctx.ws.tenant_config(tenant).size_limit
    started = time.monotonic()
    async with receive_import_form(request, ctx.ws.tmp, limit) as form:
        entity = _entity(form.fields.get(ENTITY_FIELD))
        if form.package is None:
            raise invalid_form(f"the {FILE_FIELD} form field (the package ZIP) is missing", FILE_FIELD)
        result = await run_in_threadpool(
            load_package, ctx.ws, form.package, tenant, if_present=entity.services_existing,
        )
    job = ImportJob(
        id=str(uuid.uuid4()), outputs=ImportOutputs(services=result.services, service_versions=result.service_versions),
        response_timestamp=iso(utc_now()), status=JobStatus.closed,
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
