"""Spark's browse routes: v1 folder/service/version listings (tenant in `x-tenant-name`) and v3 exists."""

from __future__ import annotations

from fastapi import APIRouter, Body, Request, Response

from spark_tui.engine.access import FolderNotFound, list_folders as list_accessible_folders, require_folder_access
from spark_tui.engine.store import FOLDER_ORDERS, NotFound
from spark_tui.server.context import ServerContext, ctx_of
from spark_tui.server.auth import Identity
from spark_tui.spark.browse_wire import (
    V1Engine,
    V1Envelope,
    V1Folder,
    V1ListRequest,
    V1Version,
    V3Envelope,
    V3Meta,
    V3ServiceExists,
)
from spark_tui.spark.errors import Code, NotFoundError, ValidationFailed, excerpt
from spark_tui.spark.export_wire import ApiError
from spark_tui.spark.values import iso, utc_now

router = APIRouter(tags=["browse"])


def _tenant_caller(request: Request) -> tuple[ServerContext, str, Identity]:
    """The v1 APIs carry no tenant in the path: it comes from `x-tenant-name`."""
    ctx = ctx_of(request)
    tenant = (request.headers.get("x-tenant-name") or "").strip()
    who = ctx.caller(request, tenant or None)
    if not tenant:
        message = "the x-tenant-name header is required on /api/v1 routes; set it to the tenant name"
        raise ValidationFailed(message, [ApiError(code=Code.INVALID_VALUE.value, message=message, ref="x-tenant-name")])
    ctx.require_tenant(tenant)
    return ctx, tenant, who


def _not_found(code: Code, exc: NotFound, ref: str) -> NotFoundError:
    return NotFoundError(str(exc), [ApiError(code=code.value, message=str(exc), ref=ref)])


def _accessible(ctx: ServerContext, tenant: str, folder: str, who: Identity) -> None:
    """The shared access rule (`engine.access`): 404 for an unknown folder, 403 for a restricted one."""
    require_folder_access(ctx.ws, tenant, folder, who.user, who.groups)


def _paged(data: list, page: int, page_size: int, total: int) -> dict:
    return V1Envelope[list](
        data=data, count=total, previous=page - 1 if page > 1 else None,
        next=page + 1 if page * page_size < total else None,
    ).model_dump(mode="json")


def _name_filter(body: V1ListRequest) -> str | None:
    """The `{"field": "name", "value": …}` item of a v1 `search` list (names containing it, any case), if any."""
    for item in body.search or []:
        if str(item.get("field", "")).lower() == "name" and item.get("value") not in (None, ""):
            return str(item["value"]).lower()
    return None


def _listing(list_page, body: V1ListRequest) -> tuple[list, int]:
    """One page of a listing; with a name filter, the page of the matching items (the listing read whole)."""
    needle = _name_filter(body)
    if needle is None:
        return list_page(body.page, body.pageSize)
    everything: list = []
    page = 1
    while True:
        items, total = list_page(page, 1000)
        everything += items
        if page * 1000 >= total:
            break
        page += 1
    matching = [item for item in everything if needle in item.name.lower()]
    start = (body.page - 1) * body.pageSize
    return matching[start:start + body.pageSize], len(matching)


SORT_ALIASES = {"productname": "name"}  # the SDK docs' spelling of the name order


def _folder_order(sort: str | None) -> tuple[str, bool]:
    """(order, descending) of a folder list's `sort` (`name`, `created`, `updated`; a leading `-`
    descends); none sorts by name. An unknown field is refused (422), naming the allowed ones."""
    text = (sort or "").strip()
    descending = text.startswith("-")
    field = text.lstrip("-+").strip().lower() or "name"
    field = SORT_ALIASES.get(field, field)
    if field not in FOLDER_ORDERS:
        allowed = ", ".join(sorted(FOLDER_ORDERS))
        message = f"cannot sort folders by '{excerpt(text)}'; sort by one of {allowed} (a leading '-' for descending)"
        raise ValidationFailed(message, [ApiError(code=Code.INVALID_VALUE.value, message=message, ref="sort")])
    return field, descending


@router.post("/api/v1/product/list", summary="List folders (`sort`: name, created or updated, `-` descending)")
def list_folders(request: Request, body: V1ListRequest | None = Body(default=None)) -> dict:
    ctx, tenant, who = _tenant_caller(request)
    body = body or V1ListRequest()
    order, descending = _folder_order(body.sort)
    items, total = _listing(
        lambda page, size: list_accessible_folders(ctx.ws, tenant, who.groups, page, size, order=order, descending=descending),
        body,
    )
    return _paged([V1Folder.of(f).model_dump(mode="json") for f in items], body.page, body.pageSize, total)


@router.post("/api/v1/product/{folder}/engines", summary="List the services of a folder")
def list_services(folder: str, request: Request, body: V1ListRequest | None = Body(default=None)) -> dict:
    ctx, tenant, who = _tenant_caller(request)
    body = body or V1ListRequest()
    _accessible(ctx, tenant, folder, who)
    try:
        items, total = _listing(lambda page, size: ctx.ws.list_services(tenant, folder, page, size), body)
    except NotFound as exc:
        raise _not_found(Code.FOLDER_NOT_FOUND, exc, folder) from None
    return _paged([V1Engine.of(s).model_dump(mode="json") for s in items], body.page, body.pageSize, total)


@router.get("/api/v1/product/{folder}/engines/getversions/{service}", summary="List the versions of a service")
def list_versions(folder: str, service: str, request: Request) -> Response:
    ctx, tenant, who = _tenant_caller(request)
    _accessible(ctx, tenant, folder, who)
    try:
        versions = ctx.ws.list_versions(tenant, folder, service)
    except NotFound as exc:
        raise _not_found(Code.SERVICE_NOT_FOUND, exc, f"{folder}/{service}") from None
    envelope = V1Envelope[list[V1Version]](data=[V1Version.of(v) for v in versions], count=len(versions))
    # serialized here in one pass: a comparison lists every service's versions (FastAPI's encoder costs ~15% more)
    return Response(envelope.model_dump_json(), media_type="application/json")


@router.get("/{tenant}/api/v3/folders/{folder}/services/{service}/exists", summary="Whether a service exists")
def service_exists(tenant: str, folder: str, service: str, request: Request) -> dict:
    ctx = ctx_of(request)
    who = ctx.caller(request, tenant)
    ctx.require_tenant(tenant)
    try:
        _accessible(ctx, tenant, folder, who)  # a restricted folder's services are not revealed
        versions = ctx.ws.list_versions(tenant, folder, service)
    except (NotFound, FolderNotFound):
        data = V3ServiceExists()
    else:
        latest = versions[0] if versions else None
        data = V3ServiceExists(
            id=ctx.ws.service(tenant, folder, service)["id"], name=service, is_exists=True,
            version=latest.version if latest else None, latest_version_id=latest.id if latest else None,
            last_modified_date=latest.created if latest else None, service_status="active",
        )
    meta = V3Meta(request_timestamp=iso(utc_now()))
    return V3Envelope[V3ServiceExists](response_data=data, response_meta=meta).model_dump(mode="json")
