"""serve answers in Spark's shapes (Coherent-Partners/spark-openapi) to a client that asks for no
spark-tui extensions, as the official SDKs: v4 errors `{type, code, message}` with Spark's codes and
status codes, the import POST answer exactly `{id, object, status_url}`, no `progress` in job
answers; a source may name a revision (`folder/service[revision]`, the spec's own example); an
API-key caller cannot create a folder (401, the SDK's folder docs)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Iterator

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_import_routes import IMPORT, auth, start  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import ALICE, BOB, TENANT, small_workspace  # noqa: E402

from spark_tui.engine.jobs import JobManager
from spark_tui.engine.packager import write_package
from spark_tui.engine.resolver import resolve
from spark_tui.engine.store import DEFAULT_SIZE_LIMIT, Workspace
from spark_tui.engine.worker import run_job
from spark_tui.server import create_app
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
from spark_tui.spark.values import FileFilter
from spark_tui.spark.extensions import ALL_EXTENSIONS

EXPORT = f"/{TENANT}/api/v4/export"


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    ws = small_workspace(tmp_path / "ws")
    ws.add_folder(TENANT, "uat")
    yield ws
    ws.close()


@pytest.fixture
def spark(ws: Workspace) -> Iterator[TestClient]:
    """A client as the SDKs are: it asks for no extensions."""
    with TestClient(create_app(ws, [ALICE, BOB], jobs=JobManager(ws, spawn=False)), base_url="http://spark.test") as c:
        yield c


@pytest.fixture
def package(ws: Workspace, tmp_path: Path) -> bytes:
    request = ExportRequest(inputs=ExportInputs(folders=["synth-0000"]), file_filter=FileFilter.migrate)
    selection = resolve(ws, TENANT, request, ("supervisor:pf",))
    return write_package(ws, selection, "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", tmp_path / "p.zip", size_limit=DEFAULT_SIZE_LIMIT).path.read_bytes()


def entity(source: str, destination: str | None = None) -> str:
    mapping = {"service_uri_source": source, **({"service_uri_destination": destination} if destination else {})}
    return json.dumps({"inputs": {"services_modify": [mapping]}, "services_existing": "add_version"})


def imported(client: TestClient, ws: Workspace, package: bytes, source: str, destination: str | None = None) -> dict:
    created = start(client, package, entity(source, destination))
    assert created.status_code == 200, created.text
    assert set(created.json()) == {"id", "object", "status_url"}
    run_job(ws, created.json()["id"])
    return client.get(f"{IMPORT}/{created.json()['id']}/status", headers=auth()).json()


def test_v4_errors_are_spark_errors_unless_the_extension_is_asked_for(spark: TestClient) -> None:
    unknown = spark.get(f"{IMPORT}/nope/status", headers=auth())
    assert (unknown.status_code, unknown.json()["type"], unknown.json()["code"]) == (500, "invalid_input", "INVALID_JOB_ID")
    assert set(unknown.json()) == {"type", "code", "message"} and "import job 'nope' not found" in unknown.json()["message"]
    extended = spark.get(f"{IMPORT}/nope/status", headers={**auth(), **ALL_EXTENSIONS})
    assert extended.status_code == 404 and extended.json()["errors"][0]["code"] == "JOB_NOT_FOUND"
    anonymous = spark.get(f"{EXPORT}/status")
    assert anonymous.status_code == 401 and anonymous.json()["type"] == "unauthorized"
    bad = spark.post(EXPORT, json={"inputs": {"folders": ["ok"]}, "file_filter": "everything"}, headers=auth())
    assert bad.status_code == 422 and bad.json()["code"] == "INVALID_VALUE" and set(bad.json()) == {"type", "code", "message"}
    assert "file_filter" in bad.json()["message"]


def test_import_refusals_on_the_post_use_sparks_codes(spark: TestClient, ws: Workspace, package: bytes) -> None:
    corrupt = start(spark, b"not a zip", entity("synth-0000/service-0000", "uat/x"))
    assert (corrupt.status_code, corrupt.json()["code"]) == (500, "INVALID_IMPORT_ZIP")
    ghost = start(spark, package, entity("synth-0000/ghost", "uat/x"))
    assert (ghost.status_code, ghost.json()["code"]) == (404, "SERVICE_NOT_FOUND")
    assert "'synth-0000/ghost'" in ghost.json()["message"]
    ws.configure_tenant(TENANT, size_limit=1000)
    large = start(spark, package, entity("synth-0000/service-0000", "uat/x"))
    assert (large.status_code, large.json()["code"]) == (500, "EXCEEDED_FILE_SIZE") and "limit of 1000 bytes" in large.json()["message"]
    assert spark.get(f"{IMPORT}/status", headers=auth()).json()["in_progress_imports"] == []


def test_job_answers_carry_progress_only_when_asked(spark: TestClient, ws: Workspace, package: bytes) -> None:
    created = start(spark, package, entity("synth-0000/service-0000", "uat/x")).json()
    plain = spark.get(f"{IMPORT}/{created['id']}/status", headers=auth()).json()
    assert "progress" not in plain and plain["id"] == created["id"]
    extended = spark.get(f"{IMPORT}/{created['id']}/status", headers={**auth(), **ALL_EXTENSIONS}).json()
    assert extended["progress"]["created_by"] == ALICE.name


def test_a_source_naming_a_revision_imports_that_revision_only(spark: TestClient, ws: Workspace, package: bytes) -> None:
    job = imported(spark, ws, package, "synth-0000/service-0000[1.0.1]", "uat/one")
    assert job["status"] == "closed", job["errors"]
    assert [v["version_source"] for v in job["outputs"]["service_versions"]] == ["1.0.1"]
    assert [v.version for v in ws.list_versions(TENANT, "uat", "one")] == ["1.0.1"]
    same_name = imported(spark, ws, package, "synth-0000/service-0001[1.0.0]")  # destination: the source's service
    assert same_name["status"] == "closed", same_name["errors"]
    assert same_name["outputs"]["services"][0]["service_uri_destination"] == "synth-0000/service-0001"


def test_a_revision_not_in_the_package_is_refused_on_the_post(spark: TestClient, package: bytes) -> None:
    refused = start(spark, package, entity("synth-0000/service-0000[9.9.9]", "uat/one"))
    assert (refused.status_code, refused.json()["code"]) == (404, "SERVICE_NOT_FOUND")
    assert "'synth-0000/service-0000[9.9.9]'" in refused.json()["message"]


def test_an_api_key_cannot_create_a_folder(spark: TestClient) -> None:
    key = {"x-synthetic-key": ALICE.api_key, "x-tenant-name": TENANT}
    refused = spark.post("/api/v1/product/create", data={"Name": "by-key"}, headers=key)
    assert refused.status_code == 401 and "an API key cannot create folders" in refused.json()["message"]
    exists = spark.post("/api/v1/product/isproductexists/by-key", headers=key)
    assert exists.status_code == 200 and exists.json()["data"] is False  # reading with a key still works
