"""Every route of `spark-tui serve`, walked from the app itself, refuses a caller without valid
credentials (401) before it looks anything up; only the documented public routes answer."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import ALICE, TENANT, small_workspace  # noqa: E402

from spark_tui.engine.jobs import JobManager
from spark_tui.server import create_app
from spark_tui.spark.extensions import ALL_EXTENSIONS

PUBLIC = {"/health", "/openapi.json", "/healthcheck", "/version"}
"""Liveness (serve's and the Hybrid Runner double's), the API description and the double's version: no
data of any tenant (spark_tui/server/app.py, server/runner_double.py)."""
TOKEN_ROUTE = f"/auth/realms/{TENANT}/protocol/openid-connect/token"
"""The OAuth2 token endpoint takes client credentials in its form, not a bearer: it refuses bad ones as
Keycloak does (401 `invalid_client`)."""

PATH_VALUES = {"tenant": TENANT, "folder": "synth-0000", "service": "service-0000", "name": "synth-0000",
               "job_id": "0000-unknown-job", "file_name": "package.zip", "folder_id": "0000-unknown-folder"}
"""Path parameters that exist where they can, so that a refusal is about the caller, not the path."""

WELL_FORMED = {  # a body each route accepts, so that validation cannot answer before authentication
    f"/{TENANT}/api/v4/export": {"json": {"inputs": {"folders": ["synth-0000"]}}},
    f"/{TENANT}/api/v4/export/preview": {"json": {"inputs": {"folders": ["synth-0000"]}}},
    f"/{TENANT}/api/v4/export/0000-unknown-job": {"json": {"export_status": "cancelled"}},
    "/api/v1/product/list": {"json": {}},
    "/api/v1/product/synth-0000/engines": {"json": {}},
    f"/{TENANT}/api/v4/import": {"files": {"file": ("p.zip", b"PK\x05\x06" + bytes(18))}},
    "/api/v1/product/create": {"data": {"Name": "new-folder"}},
    "/api/v3/upload": {"files": {"file": ("p.zip", b"PK\x05\x06" + bytes(18))}},
    TOKEN_ROUTE: {"data": {"grant_type": "client_credentials", "client_id": "nope", "client_secret": "nope"}},
}
CALLERS = {"no credentials": {}, "an unknown token": {"Authorization": "Bearer nope"},
           "an unknown API key": {"x-synthetic-key": "nope", "x-tenant-name": TENANT}}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    ws = small_workspace(tmp_path_factory.mktemp("walk") / "ws")
    app = create_app(ws, [ALICE], jobs=JobManager(ws, spawn=False))
    # the extensions header asks for the full {message, errors} body on v4 routes too (spark/extensions.py)
    with TestClient(app, base_url="http://spark.test", headers=ALL_EXTENSIONS, raise_server_exceptions=False) as client:
        yield app, client
    ws.close()


def every_route(app) -> list[tuple[str, str]]:
    """(method, path with values) of every route the app serves, included routers and all."""
    found = []
    for context in iter_route_contexts(app.routes):
        path = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], context.path)
        found += [(method, path) for method in sorted(context.methods or ()) if method != "HEAD"]
    return found


def test_the_walk_finds_every_route(served) -> None:
    app, _ = served
    walked = every_route(app)
    documented = [(method.upper(), path) for path, ops in app.openapi()["paths"].items() for method in ops]
    assert len(walked) == len(documented) + 1 >= 19  # + /openapi.json, which its own document does not list
    assert {path for _, path in walked} >= PUBLIC


@pytest.mark.parametrize("caller", CALLERS)
def test_every_route_but_the_public_ones_refuses_a_caller_without_valid_credentials(served, caller: str) -> None:
    app, client = served
    answers = {}
    for method, path in every_route(app):
        response = client.request(method, path, headers={"x-tenant-name": TENANT, **CALLERS[caller]},
                                  **WELL_FORMED.get(path, {}))
        answers[method, path] = response.status_code
        if path == TOKEN_ROUTE:
            assert response.json()["error"] == "invalid_client", response.text
        elif path not in PUBLIC:
            assert response.json()["errors"][0]["code"] == "UNAUTHORIZED", (method, path, response.text)
    refused = {route for route, status in answers.items() if route[1] not in PUBLIC}
    assert {answers[route] for route in refused} == {401}, answers
    assert {answers[route] for route in answers.keys() - refused} == {200}, answers
