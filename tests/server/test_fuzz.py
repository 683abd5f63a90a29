"""Fuzz every route of `spark-tui serve` with random JSON bodies and multipart forms.

Whatever arrives: never a 5xx, every error in the one shape
`{"message": str, "errors": [{"code", "message", "ref"}]}`, and a refused request stores nothing
(no job, tenant, folder, service, version or blob, no file left in `tmp/`).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import ALICE, BOB, SECRET_FOLDER, TENANT, small_workspace  # noqa: E402

from spark_tui.engine.jobs import JobManager
from spark_tui.engine.store import Workspace
from spark_tui.server import create_app
from spark_tui.spark.extensions import ALL_EXTENSIONS

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
TABLES = ("jobs", "tenants", "folders", "services", "versions", "version_files")


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory):
    ws = small_workspace(tmp_path_factory.mktemp("fuzz") / "ws")
    app = create_app(ws, [ALICE, BOB], jobs=JobManager(ws, spawn=False))
    paths = app.openapi()["paths"]  # every route the app serves, with its methods
    routes = sorted({(method.upper(), path) for path, ops in paths.items() for method in ops} | {("GET", "/openapi.json")})
    assert len(routes) >= 12
    assert {("POST", "/{tenant}/api/v4/import"), ("GET", "/{tenant}/api/v4/import/status"), ("POST", "/api/v1/product/create"),
            ("POST", "/api/v1/product/isproductexists/{name}"), ("GET", "/api/v1/product/get/{folder_id}")} <= set(routes)
    with TestClient(app, base_url="http://spark.test", headers=ALL_EXTENSIONS, raise_server_exceptions=False) as client:
        yield client, ws, routes
    ws.close()


def stored(ws: Workspace) -> tuple:
    db = ws.connect()
    counts = tuple(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES)
    blobs = sum(1 for _ in ws.blobs.rglob("*") if _.is_file())
    return (*counts, blobs, sorted(p.name for p in ws.tmp.iterdir()))


scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=25,
)
names = st.text(max_size=40) | st.sampled_from(
    ["synth-0000", "service-0000", SECRET_FOLDER, "..", ".", "a/b", "a\\b", "x" * 300, "synth-0000/service-0000", "y" * 257],
)
shaped = st.fixed_dictionaries(
    {},
    optional={
        "inputs": st.fixed_dictionaries({}, optional={
            "folders": st.lists(names | json_values, max_size=3),
            "services": st.lists(names | json_values, max_size=3),
            "version_ids": st.lists(names | st.uuids().map(str), max_size=3),
        }) | json_values,
        "file_filter": st.sampled_from(["migrate", "onpremises"]) | json_values,
        "version_filter": st.sampled_from(["all", "latest"]) | json_values,
        "source_system": names | json_values,
        "correlation_id": names | json_values,
        "file_name": names | json_values,
        "export_status": st.sampled_from(["cancelled", "closed"]) | json_values,
        "page": st.integers() | json_values,
        "pageSize": st.integers() | json_values,
        "search": json_values,
        "sort": names | json_values,
    },
)
escaped = names | st.just("\ud800")  # a lone surrogate survives json.dumps as an escape
mappings = st.fixed_dictionaries({"service_uri_source": escaped | json_values}, optional={
    "service_uri_destination": escaped | json_values,
    "update_version_type": st.sampled_from(["major", "minor", "patch"]) | json_values,
})
import_entities = st.fixed_dictionaries({}, optional={  # the importRequestEntity form field, as JSON text
    "inputs": st.fixed_dictionaries({}, optional={"services_modify": st.lists(mappings | json_values, max_size=3)}) | json_values,
    "services_existing": st.sampled_from(["abort", "replace", "add_version", "skip"]) | json_values,
    "source_system": escaped | json_values,
    "correlation_id": escaped | json_values,
}).map(json.dumps)
path_values = st.sampled_from([TENANT, "synth-0000", "service-0000", SECRET_FOLDER, "package.zip"]) | st.text(min_size=1, max_size=30)
credentials = st.sampled_from([
    {"Authorization": f"Bearer {ALICE.token}"},
    {"Authorization": f"Bearer {BOB.token}"},
    {"x-synthetic-key": ALICE.api_key},
    {"Authorization": "Bearer nope"},
    {},
])


@st.composite
def requests(draw: st.DrawFn, routes: list[tuple[str, str]]) -> tuple[str, str, dict]:
    method, template = draw(st.sampled_from(routes))
    path = re.sub(r"\{\w+\}", lambda _: quote(draw(path_values), safe=""), template)
    headers = dict(draw(credentials))
    if draw(st.booleans()):
        headers["x-tenant-name"] = draw(st.sampled_from([TENANT, "other", ""]) | st.text(alphabet=st.characters(max_codepoint=126, min_codepoint=32), max_size=10))
    query = draw(st.none() | st.fixed_dictionaries({
        "token": st.text(max_size=70), "expires": st.integers(min_value=-1, max_value=10**12).map(str) | st.text(max_size=15),
    }))
    return method, path + (f"?token={quote(query['token'])}&expires={quote(query['expires'])}" if query else ""), headers


def check(response, before: tuple, ws: Workspace) -> None:
    assert response.status_code < 500, response.text[:1000]
    if response.status_code >= 400 and response.request.url.path.startswith("/auth/realms/"):
        assert set(response.json()) == {"error", "error_description"}  # the token endpoint answers as Keycloak
    elif response.status_code >= 400:
        body = response.json()
        assert set(body) == {"message", "errors"} and isinstance(body["message"], str) and body["errors"]
        assert all(set(e) == {"code", "message", "ref"} for e in body["errors"])
        assert stored(ws) == before
    assert len(response.content) < 200_000


@given(data=st.data())
@FUZZ
def test_random_json_bodies_on_every_route(fuzzed, data: st.DataObject) -> None:
    client, ws, routes = fuzzed
    method, url, headers = data.draw(requests(routes))
    body = data.draw(shaped | json_values)
    before = stored(ws)
    check(client.request(method, url, json=body, headers=headers), before, ws)


@given(data=st.data())
@FUZZ
def test_random_multipart_forms_on_every_route(fuzzed, data: st.DataObject) -> None:
    client, ws, routes = fuzzed
    method, url, headers = data.draw(requests(routes))
    fields = data.draw(st.dictionaries(
        st.sampled_from(["importRequestEntity", "file", "Name", "Description", "other"]) | st.text(min_size=1, max_size=8),
        st.text(max_size=60) | names | shaped.map(str) | import_entities, max_size=3,
    ))
    files = data.draw(st.dictionaries(
        st.sampled_from(["file", "importRequestEntity", "extra"]),
        st.tuples(st.sampled_from(["p.zip", "../x.zip", ""]), st.binary(max_size=300)), max_size=2,
    ))
    before = stored(ws)
    response = client.request(method, url, data=fields, files=files or {"file": ("p.zip", b"PK\x03\x04")}, headers=headers)
    check(response, before, ws)


@given(raw=st.binary(max_size=400), content_type=st.sampled_from(["application/json", "text/plain", "multipart/form-data; boundary=x", ""]))
@settings(FUZZ, max_examples=40)
def test_random_bytes_on_the_json_routes(fuzzed, raw: bytes, content_type: str) -> None:
    client, ws, routes = fuzzed
    before = stored(ws)
    for method, template in routes:
        if method in ("POST", "PATCH"):
            path = re.sub(r"\{\w+\}", lambda m: TENANT if m.group() == "{tenant}" else "synth-0000", template)
            headers = {"Authorization": f"Bearer {ALICE.token}", "x-tenant-name": TENANT, "content-type": content_type}
            check(client.request(method, path, content=raw, headers=headers), before, ws)
