"""Fuzz every route of `spark-tui serve` with random JSON bodies and multipart forms.

Whatever arrives, each route answers only with the statuses it documents: a success in the
route's own wire shape, and only to a caller with valid credentials (or a public route); an error
in the one shape `{"message": str, "errors": [{"code", "message", "ref"}]}` that stores nothing
(no job, tenant, folder, service, version or blob, no file left in `tmp/`). Each test fuzzes a
workspace of its own. The examples are fixed (profile `spark-tui`); CI runs them again with
HYPOTHESIS_PROFILE=random for new ones (tests/conftest.py).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import ALICE, BOB, SECRET_FOLDER, TENANT, small_workspace  # noqa: E402

from spark_tui.engine.jobs import JobManager
from spark_tui.engine.store import Workspace
from spark_tui.server import create_app
from spark_tui.spark.browse_wire import V1Engine, V1Envelope, V1Folder, V1FolderCreated, V1Version, V3Envelope, V3ServiceExists
from spark_tui.spark.errors import Code
from spark_tui.spark.export_wire import ExportJob, ExportPreview, TenantExportStatus, WhoAmI
from spark_tui.spark.extensions import ALL_EXTENSIONS
from spark_tui.spark.import_wire import ImportJob, TenantImportStatus

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
TABLES = ("jobs", "tenants", "folders", "services", "versions", "version_files")


@pytest.fixture
def fuzzed(tmp_path: Path):
    """A workspace and app of the test's own: what one test's successful requests store cannot change
    what another's see (hypothesis runs every example of a test on the same one)."""
    ws = small_workspace(tmp_path / "ws")
    app = create_app(ws, [ALICE, BOB], jobs=JobManager(ws, spawn=False))
    paths = app.openapi()["paths"]  # every route the app serves, with its methods
    routes = sorted({(method.upper(), path) for path, ops in paths.items() for method in ops} | {("GET", "/openapi.json")})
    assert set(routes) == set(ANSWERS), "every route needs its expected answers in ANSWERS"
    with TestClient(app, base_url="http://spark.test", headers=ALL_EXTENSIONS, raise_server_exceptions=False) as client:
        yield client, ws, routes
    ws.close()


def valid_caller(headers: dict) -> bool:
    return headers.get("Authorization") in (f"Bearer {ALICE.token}", f"Bearer {BOB.token}") or (
        headers.get("x-synthetic-key") == ALICE.api_key)


def model(shape: Any) -> Callable[[Any], None]:
    """A success check: the JSON body validates as `shape` (a wire model of spark_tui.spark)."""
    adapter = TypeAdapter(shape)
    return lambda response: adapter.validate_python(response.json())


def created_folder(response: Any) -> None:
    body = V1Envelope[V1FolderCreated].model_validate(response.json())
    assert (body.status, body.data is not None) in (("Success", True), ("Error", False)), body
    assert body.status == "Success" or body.errorCode == Code.PRODUCT_ALREADY_EXISTS.value, body


def package(response: Any) -> None:
    assert response.headers["content-type"] == "application/zip" and response.content.startswith(b"PK")


@dataclass(frozen=True)
class Answers:
    """What one route may answer: its success shape, its error statuses, whether it needs no credentials."""

    shape: Callable[[Any], None]
    errors: frozenset[int]
    public: bool = False


AUTHED = frozenset({401, 403, 404, 405, 422})  # credentials, tenant/job/folder, a path another route owns, malformed
ANSWERS = {
    ("GET", "/openapi.json"): Answers(lambda r: r.json()["openapi"], frozenset({405}), public=True),
    ("GET", "/health"): Answers(lambda r: r.json() == {"status": "UP"} or pytest.fail(r.text), frozenset({405}), public=True),
    ("POST", "/{tenant}/api/v4/export"): Answers(model(ExportJob), AUTHED | {409}),  # 409: the job slot is busy
    ("GET", "/{tenant}/api/v4/export/status"): Answers(model(TenantExportStatus), AUTHED),
    ("POST", "/{tenant}/api/v4/export/preview"): Answers(model(ExportPreview), AUTHED),
    ("GET", "/{tenant}/api/v4/export/{job_id}/status"): Answers(model(ExportJob), AUTHED),
    ("PATCH", "/{tenant}/api/v4/export/{job_id}"): Answers(model(ExportJob), AUTHED | {409}),  # 409: the job ended
    ("GET", "/{tenant}/api/v4/export/{job_id}/download/{file_name}"): Answers(package, AUTHED),
    ("POST", "/{tenant}/api/v4/import"): Answers(model(ImportJob), AUTHED | {400, 409, 413}),  # package, slot, size
    ("GET", "/{tenant}/api/v4/import/status"): Answers(model(TenantImportStatus), AUTHED),
    ("GET", "/{tenant}/api/v4/import/{job_id}/status"): Answers(model(ImportJob), AUTHED),
    ("POST", "/api/v1/product/list"): Answers(model(V1Envelope[list[V1Folder]]), AUTHED),
    ("POST", "/api/v1/product/{folder}/engines"): Answers(model(V1Envelope[list[V1Engine]]), AUTHED),
    ("GET", "/api/v1/product/{folder}/engines/getversions/{service}"): Answers(model(V1Envelope[list[V1Version]]), AUTHED),
    ("GET", "/{tenant}/api/v3/folders/{folder}/services/{service}/exists"): Answers(
        model(V3Envelope[V3ServiceExists]), AUTHED),
    ("POST", "/api/v1/product/isproductexists/{name}"): Answers(model(V1Envelope[bool]), AUTHED),
    ("POST", "/api/v1/product/create"): Answers(created_folder, AUTHED | {400}),  # 400: not a multipart form
    ("GET", "/api/v1/product/get/{folder_id}"): Answers(model(V1Envelope[V1Folder]), AUTHED),
    ("GET", "/{tenant}/api/v4/whoami"): Answers(model(WhoAmI), AUTHED),
    ("POST", "/auth/realms/{tenant}/protocol/openid-connect/token"): Answers(  # no client credentials in the fuzz: never 200
        lambda r: pytest.fail(r.text), frozenset({400, 401, 404, 405, 413, 422}), public=True),
    ("GET", "/healthcheck"): Answers(lambda r: r.json() == {"msg": "ok"} or pytest.fail(r.text), frozenset({405}), public=True),
    ("GET", "/version"): Answers(lambda r: r.json()["version"], frozenset({405}), public=True),
    ("GET", "/status"): Answers(lambda r: isinstance(r.json()["models"], list) or pytest.fail(r.text), AUTHED),
    ("POST", "/api/v3/upload"): Answers(lambda r: r.json()["response_data"], AUTHED | {400, 413}),
}
"""Every route of the app (the fixture checks the list is complete) and what it may answer."""


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
def requests(draw: st.DrawFn, routes: list[tuple[str, str]]) -> tuple[tuple[str, str], str, dict]:
    method, template = draw(st.sampled_from(routes))
    path = re.sub(r"\{\w+\}", lambda _: quote(draw(path_values), safe=""), template)
    headers = dict(draw(credentials))
    if draw(st.booleans()):
        headers["x-tenant-name"] = draw(st.sampled_from([TENANT, "other", ""]) | st.text(alphabet=st.characters(max_codepoint=126, min_codepoint=32), max_size=10))
    query = draw(st.none() | st.fixed_dictionaries({
        "token": st.text(max_size=70), "expires": st.integers(min_value=-1, max_value=10**12).map(str) | st.text(max_size=15),
    }))
    return (method, template), path + (f"?token={quote(query['token'])}&expires={quote(query['expires'])}" if query else ""), headers


def check(route: tuple[str, str], response, headers: dict, before: tuple, ws: Workspace) -> None:
    """The answer is one `route` documents: a success in its shape (to a valid caller), or an error
    status of its own in the one error shape, with nothing stored."""
    answer = ANSWERS[route]
    status = response.status_code
    if status >= 400 and response.request.url.path.startswith("/auth/realms/"):
        assert status in answer.errors, (route, status, response.text[:1000])
        assert set(response.json()) == {"error", "error_description"}  # the token endpoint answers as Keycloak
        return
    assert len(response.content) < 200_000
    if status == 200:
        assert answer.public or valid_caller(headers), (route, headers)
        answer.shape(response)
        return
    assert status in answer.errors, (route, status, response.text[:1000])
    body = response.json()
    assert set(body) == {"message", "errors"} and isinstance(body["message"], str) and body["errors"]
    assert all(set(e) == {"code", "message", "ref"} for e in body["errors"])
    assert stored(ws) == before


@given(data=st.data())
@FUZZ
def test_random_json_bodies_on_every_route(fuzzed, data: st.DataObject) -> None:
    client, ws, routes = fuzzed
    route, url, headers = data.draw(requests(routes))
    body = data.draw(shaped | json_values)
    before = stored(ws)
    check(route, client.request(route[0], url, json=body, headers=headers), headers, before, ws)


@given(data=st.data())
@FUZZ
def test_random_multipart_forms_on_every_route(fuzzed, data: st.DataObject) -> None:
    client, ws, routes = fuzzed
    route, url, headers = data.draw(requests(routes))
    fields = data.draw(st.dictionaries(
        st.sampled_from(["importRequestEntity", "file", "Name", "Description", "other"]) | st.text(min_size=1, max_size=8),
        st.text(max_size=60) | names | shaped.map(str) | import_entities, max_size=3,
    ))
    files = data.draw(st.dictionaries(
        st.sampled_from(["file", "importRequestEntity", "extra"]),
        st.tuples(st.sampled_from(["p.zip", "../x.zip", ""]), st.binary(max_size=300)), max_size=2,
    ))
    before = stored(ws)
    response = client.request(route[0], url, data=fields, files=files or {"file": ("p.zip", b"PK\x03\x04")}, headers=headers)
    check(route, response, headers, before, ws)


@given(raw=st.binary(max_size=400), content_type=st.sampled_from(["application/json", "text/plain", "multipart/form-data; boundary=x", ""]))
@settings(FUZZ, max_examples=40)
def test_random_bytes_on_the_json_routes(fuzzed, raw: bytes, content_type: str) -> None:
    client, ws, routes = fuzzed
    before = stored(ws)
    for method, template in routes:
        if method in ("POST", "PATCH"):
            path = re.sub(r"\{\w+\}", lambda m: TENANT if m.group() == "{tenant}" else "synth-0000", template)
            headers = {"Authorization": f"Bearer {ALICE.token}", "x-tenant-name": TENANT, "content-type": content_type}
            check((method, template), client.request(method, path, content=raw, headers=headers), headers, before, ws)
