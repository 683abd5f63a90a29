"""A Hybrid Runner double: the routes the SDK's `cspark.wasm` client uses, so a runner promotion
can be rehearsed offline against `spark-tui serve`.

- `GET /healthcheck` → `{"msg": "ok"}`; `GET /version` → `{version, lastPullDate, filehash}`
  (the runner's shape; `version` is spark-tui's own, the double never pulls Wasm); both open, as
  on a runner.
- `POST /api/v3/upload` (multipart `file`, header `x-tenant-name`, a serve user's credentials):
  an `onpremises` package is checked, kept in the workspace under `runner/<tenant>/` with a
  `servicemap.json` (version id → folder/service/version, package), and answered as a runner
  does: `{"response_data": [{"tenant", "services": [<ModelMetaData.json of each version>]}]}`.
- `GET /status` → the runner's `{models: [{tenant, model_stats, total_model, total_instances}], …}`
  for the tenants the caller may use; nothing ever runs on the double, so every count is 0.

Executing services is not doubled.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import threading
import uuid
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from spark_tui import __version__
from spark_tui.spark.package_format import PackageKind, open_package
from spark_tui.engine.store import Workspace
from spark_tui.server.context import ctx_of
from spark_tui.server.upload import FILE_FIELD, invalid_form, receive_import_form
from spark_tui.spark.errors import AuthError, BadPackage, Code, excerpt
from spark_tui.spark.export_wire import ApiError

UPLOAD_LIMIT = 30 * 1024 * 1024  # the runner's BODY_LIMIT default (30mb)
SERVICE_MAP = "servicemap.json"
router = APIRouter(tags=["hybrid runner double"])
_lock = threading.Lock()


def runner_dir(ws: Workspace, tenant: str) -> Path:
    return ws.root / "runner" / quote(tenant, safe="")


@router.get("/healthcheck", summary="Hybrid Runner double: liveness")
def healthcheck() -> dict:
    return {"msg": "ok"}


@router.get("/version", summary="Hybrid Runner double: version (spark-tui's; the double never pulls Wasm)")
def version() -> dict:
    return {"version": __version__, "lastPullDate": None, "filehash": None}


@router.get("/status", summary="Hybrid Runner double: the uploaded models of the caller's tenants")
def status(request: Request) -> dict:
    ctx = ctx_of(request)
    ctx.caller(request, None)
    models = []
    for name in ctx.ws.tenants():
        try:
            ctx.caller(request, name)
        except AuthError:
            continue  # a tenant the caller may not use
        services = _service_map(runner_dir(ctx.ws, name))
        if services:
            stats = [_idle_stats(version_id) for version_id in sorted(services)]
            models.append({"tenant": name, "model_stats": stats, "total_model": len(stats), "total_instances": 0})
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"models": models, "memory_usage_mb": round(rss_mb, 2), "memory_limit_mb": None}


@router.post("/api/v3/upload", summary="Hybrid Runner double: upload an onpremises package")
async def upload(request: Request) -> dict:
    ctx = ctx_of(request)
    tenant = (request.headers.get("x-tenant-name") or "").strip()
    if not tenant:
        raise invalid_form("the runner upload needs the x-tenant-name header naming the tenant", "x-tenant-name")
    ctx.caller(request, tenant)
    ctx.require_tenant(tenant)
    async with receive_import_form(request, ctx.ws.tmp, UPLOAD_LIMIT) as form:
        if form.package is None:
            raise invalid_form(f"the {FILE_FIELD} form field (the onpremises package ZIP) is missing", FILE_FIELD)
        services = await run_in_threadpool(_keep, ctx.ws, tenant, form.package)
    return {"response_data": [{"tenant": tenant, "services": services}]}


def _keep(ws: Workspace, tenant: str, package: Path) -> list[dict]:
    """Check the package, keep it under runner/<tenant>/, record its versions; their metadata."""
    with open_package(package, name="package.zip") as pkg:
        if pkg.kind is not PackageKind.onpremises:
            message = ("package.zip is a migrate export; a Hybrid Runner takes onpremises packages "
                       "(export with file_filter onpremises)")
            raise BadPackage(message, [ApiError(code=Code.BAD_PACKAGE.value, message=message, ref="package.zip")])
        metas = []
        for v in pkg.versions:
            info = v.entries.get("ModelMetaData.json")
            meta = pkg.read_json(info) if info is not None else None
            if not isinstance(meta, dict):
                message = f"{v.uri} has no ModelMetaData.json object; export it again with file_filter onpremises"
                raise BadPackage(message, [ApiError(code=Code.BAD_PACKAGE.value, message=message, ref=excerpt(v.uri))])
            meta = {**meta, "VersionId": meta.get("VersionId") or v.version_id}
            engine = meta.get("EngineInformation")
            if isinstance(engine, dict):
                meta["EngineInformation"] = {**engine, "ServiceGuid": engine.get("ServiceGuid") or v.service_id}
            metas.append((v, meta))
    directory = runner_dir(ws, tenant)
    directory.mkdir(parents=True, exist_ok=True)
    kept = directory / f"{uuid.uuid4()}.zip"
    shutil.move(package, kept)
    with _lock:
        services = _service_map(directory)
        for v, _ in metas:
            services[v.version_id] = {"folder": v.folder, "service": v.service, "version": v.version, "package": kept.name}
        tmp = directory / f".{SERVICE_MAP}.tmp"
        tmp.write_text(json.dumps(services, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, directory / SERVICE_MAP)
    return [meta for _, meta in metas]


def _service_map(directory: Path) -> dict[str, dict]:
    try:
        return json.loads((directory / SERVICE_MAP).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def _idle_stats(version_id: str) -> dict:
    return {"id": version_id, "size": 0, "busy": 0, "completed_count": 0, "running_count": 0,
            "crash_count": 0, "timeout_count": 0}
