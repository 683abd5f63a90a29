"""Spark's export routes (`/{tenant}/api/v4/export…`), the signed download, and the preview extension."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from spark_tui.engine.jobs import SUPERVISOR_GROUP
from spark_tui.engine.resolver import resolve
from spark_tui.server.auth import auth_failure
from spark_tui.server.context import ctx_of, file_name_of
from spark_tui.server.polled import run_polled
from spark_tui.spark.errors import JobNotFound, ValidationFailed
from spark_tui.spark.export_wire import CancelRequest, ExportPreview, ExportRequest, TenantExportStatus

# FastAPI builds a body's validator from `Annotated[Model, Field(alias=<parameter>)]` under a filter for
# pydantic's warning that such an alias has no effect; for a model whose schema is deferred (the wire models'
# default: the TUI starts sooner) it would be built at the first request, outside that filter. So the server
# builds its body models' validators when it declares its routes.
for _body in (ExportRequest, CancelRequest):
    _body.model_config["defer_build"] = False

router = APIRouter(tags=["export"])


@router.post("/{tenant}/api/v4/export", summary="Start an export job")
def submit(tenant: str, body: ExportRequest, request: Request) -> dict:
    ctx = ctx_of(request)
    who = ctx.caller(request, tenant)
    ctx.require_tenant(tenant)
    job = ctx.jobs.submit(tenant, who.user, who.groups, body)
    return ctx.publish(job, request, tenant)


@router.get("/{tenant}/api/v4/export/status", response_model=TenantExportStatus, summary="Export jobs across the tenant")
async def tenant_status(tenant: str, request: Request) -> Response:
    return await run_polled(_tenant_status, tenant, request)


def _tenant_status(tenant: str, request: Request) -> Response:
    ctx = ctx_of(request)
    who = ctx.caller(request, tenant)
    ctx.require_tenant(tenant)
    # serialized here: polled by many clients, the answer is not validated again against response_model
    return Response(ctx.jobs.tenant_status(tenant, who.user, who.groups).model_dump_json(), media_type="application/json")


@router.post(
    "/{tenant}/api/v4/export/preview",
    response_model=ExportPreview,
    summary="spark-tui extension: resolve an export without running it (dry run)",
)
def preview(tenant: str, body: ExportRequest, request: Request) -> ExportPreview:
    ctx = ctx_of(request)
    who = ctx.caller(request, tenant)
    ctx.require_tenant(tenant)
    size_limit = ctx.ws.tenant_config(tenant).size_limit
    try:
        selection = resolve(ctx.ws, tenant, body, who.groups)
    except ValidationFailed as exc:
        return ExportPreview(size_limit=size_limit, errors=exc.errors)
    return selection.preview(ctx.ws, size_limit)


@router.get("/{tenant}/api/v4/export/{job_id}/status", summary="Status of one export job")
async def status(tenant: str, job_id: str, request: Request) -> dict:
    return await run_polled(_status, tenant, job_id, request)


def _status(tenant: str, job_id: str, request: Request) -> dict:
    ctx = ctx_of(request)
    who = ctx.caller(request, tenant)
    ctx.require_tenant(tenant)
    return ctx.publish(ctx.jobs.status(tenant, job_id, who.user, who.groups), request, tenant)


@router.patch("/{tenant}/api/v4/export/{job_id}", summary="Cancel an export job")
def cancel(tenant: str, job_id: str, body: CancelRequest, request: Request) -> dict:
    ctx = ctx_of(request)
    who = ctx.caller(request, tenant)
    ctx.require_tenant(tenant)
    return ctx.publish(ctx.jobs.cancel(tenant, job_id, who.user, who.groups), request, tenant)


@router.get(
    "/{tenant}/api/v4/export/{job_id}/download/{file_name}",
    response_class=FileResponse,
    summary="The package of a closed job (signed link, or the caller's own auth)",
)
def download(tenant: str, job_id: str, file_name: str, request: Request, token: str = "", expires: str = "") -> FileResponse:
    ctx = ctx_of(request)
    reason = ctx.signer.check(tenant, job_id, token, expires) if token or expires else "no signed link"
    has_credentials = "authorization" in request.headers or "x-synthetic-key" in request.headers
    if reason is None:
        user, groups = "", (SUPERVISOR_GROUP,)
    elif has_credentials or not (token or expires):
        who = ctx.caller(request, tenant)
        user, groups = who.user, who.groups
    else:
        raise auth_failure(reason, status=403)
    ctx.require_tenant(tenant)
    path = ctx.jobs.package_path(tenant, job_id, user, groups)
    if file_name_of(path.as_uri()) != file_name:
        raise JobNotFound(f"{job_id}/download/{file_name}")
    return FileResponse(path, media_type="application/zip", filename=file_name)
