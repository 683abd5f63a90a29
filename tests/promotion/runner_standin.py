"""A stand-in Hybrid Runner: `POST /api/v3/upload`, `GET /healthcheck` and `GET /version` answer
as the SDK's wasm docs document them.

It reads the uploaded package and echoes each version's ModelMetaData.json (with ServiceGuid
filled in) under `response_data[].services`; it records each upload's file name and
`x-tenant-name`. `behaviour` makes it misbehave for tests.
"""

from __future__ import annotations

import json
import tempfile
import zipfile

from fastapi import FastAPI, Request, UploadFile
from fastapi.responses import JSONResponse


def runner_app(behaviour: str = "ok", token: str | None = None) -> FastAPI:
    """behaviour: ok | drop_one (lists one version fewer) | error (HTTP 400 with a message) |
    unhealthy (GET /healthcheck answers 503) | no_version (GET /version answers `{}`);
    with `token`, an upload without `Authorization: Bearer <token>` gets HTTP 401."""
    app = FastAPI()
    app.state.uploads = []
    app.state.tenants = []

    @app.get("/healthcheck")
    def healthcheck() -> JSONResponse:
        if behaviour == "unhealthy":
            return JSONResponse({"msg": "models not loaded"}, status_code=503)
        return JSONResponse({"msg": "ok"})

    @app.get("/version")
    def version() -> JSONResponse:
        if behaviour == "no_version":
            return JSONResponse({})
        return JSONResponse({"lastPullDate": "1970-12-03T04:56:56.186Z", "filehash": "d2f6", "version": "1.31.2"})

    @app.post("/api/v3/upload")
    async def upload(file: UploadFile, request: Request) -> JSONResponse:
        if token is not None and request.headers.get("authorization") != f"Bearer {token}":
            return JSONResponse({"message": "Unauthorized"}, status_code=401)
        if behaviour == "error":
            return JSONResponse({"message": "UPLOAD_ENABLED is false on this runner"}, status_code=400)
        with tempfile.TemporaryFile() as copy:
            while chunk := await file.read(1 << 20):
                copy.write(chunk)
            copy.seek(0)
            with zipfile.ZipFile(copy) as zf:
                tenant = zf.namelist()[0].split("/", 1)[0]
                metas = [json.loads(zf.read(n)) for n in sorted(set(zf.namelist())) if n.endswith("/ModelMetaData.json")]
        for meta in metas:
            meta["EngineInformation"]["ServiceGuid"] = "00000000-0000-4000-8000-000000000001"
        if behaviour == "drop_one":
            metas = metas[1:]
        app.state.uploads.append(file.filename)
        app.state.tenants.append(request.headers.get("x-tenant-name"))
        return JSONResponse({"response_data": [{"tenant": tenant, "services": metas}]})

    return app
