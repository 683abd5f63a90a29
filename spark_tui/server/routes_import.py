"""Spark's import routes: `POST /{tenant}/api/v4/import` starts an import job and answers at once.

The multipart upload (`importRequestEntity` + `file`) is streamed into the workspace (`upload.py`),
checked for a well-formed request, a readable package and every source service it names (refused
on the POST, as Spark does: a corrupt package, an unknown source service), and handed to an import job (`engine/import_jobs.py`) run by a
detached worker; the job lives in the workspace like export jobs, so its status outlives the server.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from spark_tui.server.context import ctx_of
from spark_tui.server.polled import run_polled
from spark_tui.server.upload import ENTITY_FIELD, FILE_FIELD, invalid_form, receive_import_form
from spark_tui.engine.importer import check_import_request, source_service
from spark_tui.spark.package_format import open_package
from spark_tui.spark.errors import Code, ValidationFailed, excerpt
from spark_tui.spark.export_wire import ApiError
from spark_tui.spark.uri import service_uri
from spark_tui.spark.import_wire import ImportJob, ImportRequestEntity, TenantImportStatus
from spark_tui.spark.values import IfPresent

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
        return ImportRequestEntity.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        got = first.get("input")
        shown = f" (got '{excerpt(got)}')" if isinstance(got, (str, int, float)) else ""
        if where == "services_existing":
            valid = ", ".join(v.value for v in IfPresent)
            message = f"{ENTITY_FIELD}.services_existing{shown} is not supported; use one of {valid}"
        else:
            message = f"{ENTITY_FIELD}{'.' + where if where else ''}: {first.get('msg')}{shown}"
        raise invalid_form(message, f"{ENTITY_FIELD}.{where}" if where else ENTITY_FIELD) from None


def _check_sources(package: Path, entity: ImportRequestEntity) -> None:
    """Refuse on the POST, as Spark does, a package that is not a readable export (BadPackage) and a
    `service_uri_source` it does not hold (404 SERVICE_NOT_FOUND)."""
    if errors := check_import_request(entity):  # the request's own problems first, as the engine names them
        raise ValidationFailed.of(errors)
    with open_package(package, name="package.zip") as pkg:
        held = pkg.services
    missing = []
    for mapping in entity.inputs.services_modify:
        folder, service, revision = source_service(mapping.service_uri_source)  # well-formed: checked above
        versions = held.get(service_uri(folder, service), [])
        if not versions or (revision is not None and revision not in {v.version for v in versions}):
            missing.append(mapping.service_uri_source)
    if missing:
        shown = ", ".join(f"'{excerpt(m)}'" for m in missing[:10])
        message = f"service {shown} named in services_modify is not in package.zip (it holds {', '.join(list(held)[:10])})"
        error = ValidationFailed(message, [ApiError(code=Code.SERVICE_NOT_FOUND.value, message=message, ref=excerpt(m)) for m in missing[:10]])
        error.http_status = 404
        raise error


def _publish(job: ImportJob, request: Request, tenant: str) -> dict:
    base = ctx_of(request).public_base(request)
    return job.model_copy(update={"status_url": f"{base}/{tenant}/api/v4/import/{job.id}/status"}).wire()


@router.post(
    "/{tenant}/api/v4/import", summary="Start an import job of a migrate package; answers {id, object, status_url}",
    openapi_extra=_FORM_SCHEMA,
)
async def start_import(tenant: str, request: Request) -> dict:
    ctx = ctx_of(request)
    who = ctx.caller(request, tenant)
    ctx.require_tenant(tenant)
    limit = (await run_in_threadpool(ctx.imports.ensure_slot, tenant)).size_limit  # busy: refused before the upload
    async with receive_import_form(request, ctx.ws.tmp, limit) as form:
        entity = _entity(form.fields.get(ENTITY_FIELD))
        if form.package is None:
            raise invalid_form(f"the {FILE_FIELD} form field (the package ZIP) is missing", FILE_FIELD)
        await run_in_threadpool(_check_sources, form.package, entity)
        job = await run_in_threadpool(
            ctx.imports.submit, tenant, who.user, who.groups, form.package, entity, take=True, name="package.zip",
        )
    published = _publish(job, request, tenant)
    return {key: published[key] for key in ("id", "object", "status_url")}  # Spark's answer, exactly (its spec)


@router.get("/{tenant}/api/v4/import/status", response_model=TenantImportStatus, summary="Import jobs across the tenant")
async def tenant_status(tenant: str, request: Request) -> Response:
    return await run_polled(_tenant_status, tenant, request)


def _tenant_status(tenant: str, request: Request) -> Response:
    ctx = ctx_of(request)
    who = ctx.caller(request, tenant)
    ctx.require_tenant(tenant)
    # serialized here: polled by many clients, the answer is not validated again against response_model
    return Response(ctx.imports.tenant_status(tenant, who.user, who.groups).model_dump_json(), media_type="application/json")


@router.get("/{tenant}/api/v4/import/{job_id}/status", summary="Status of an import job")
async def import_status(tenant: str, job_id: str, request: Request) -> dict:
    return await run_polled(_import_status, tenant, job_id, request)


def _import_status(tenant: str, job_id: str, request: Request) -> dict:
    ctx = ctx_of(request)
    who = ctx.caller(request, tenant)
    ctx.require_tenant(tenant)
    return _publish(ctx.imports.status(tenant, job_id, who.user, who.groups), request, tenant)
