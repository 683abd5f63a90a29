"""serve answers in Spark's shapes (Coherent-Partners/spark-openapi): the import POST answer is
exactly `{id, object, status_url}`, a source may name a revision (`folder/service[revision]`, the
spec's own example), and an API-key caller cannot create a folder (401, the SDK's folder docs)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_import_routes import IMPORT, auth, client, package, start, ws  # noqa: E402,F401  (fixtures)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import ALICE, TENANT  # noqa: E402

from spark_tui.engine.store import Workspace
from spark_tui.engine.worker import run_job


def imported(client: TestClient, ws: Workspace, package: bytes, source: str, destination: str | None = None) -> dict:
    mapping = {"service_uri_source": source, **({"service_uri_destination": destination} if destination else {})}
    body = {"inputs": {"services_modify": [mapping]}, "services_existing": "add_version"}
    created = start(client, package, json.dumps(body))
    assert created.status_code == 200, created.text
    assert set(created.json()) == {"id", "object", "status_url"}
    run_job(ws, created.json()["id"])
    return client.get(f"{IMPORT}/{created.json()['id']}/status", headers=auth()).json()


def test_a_source_naming_a_revision_imports_that_revision_only(client: TestClient, ws: Workspace, package: bytes) -> None:
    ws.add_folder(TENANT, "uat")
    job = imported(client, ws, package, "synth-0000/service-0000[1.0.1]", "uat/one")
    assert job["status"] == "closed", job["errors"]
    assert [v["version_source"] for v in job["outputs"]["service_versions"]] == ["1.0.1"]
    assert [v.version for v in ws.list_versions(TENANT, "uat", "one")] == ["1.0.1"]
    same_name = imported(client, ws, package, "synth-0000/service-0001[1.0.0]")  # destination: the source's service
    assert same_name["status"] == "closed", same_name["errors"]
    assert same_name["outputs"]["services"][0]["service_uri_destination"] == "synth-0000/service-0001"


def test_a_revision_not_in_the_package_fails_the_job_naming_what_it_holds(client: TestClient, ws: Workspace, package: bytes) -> None:
    ws.add_folder(TENANT, "uat")
    job = imported(client, ws, package, "synth-0000/service-0000[9.9.9]", "uat/one")
    assert job["status"] == "failed" and job["errors"][0]["code"] == "SERVICE_NOT_IN_PACKAGE"
    assert "'synth-0000/service-0000[9.9.9]'" in job["errors"][0]["message"] and "1.0.0, 1.0.1" in job["errors"][0]["message"]


def test_an_api_key_cannot_create_a_folder(client: TestClient) -> None:
    refused = client.post("/api/v1/product/create", data={"Name": "by-key"},
                          headers={"x-synthetic-key": ALICE.api_key, "x-tenant-name": TENANT})
    assert refused.status_code == 401 and "an API key cannot create folders" in refused.json()["message"]
    exists = client.post("/api/v1/product/isproductexists/by-key", headers={"x-synthetic-key": ALICE.api_key, "x-tenant-name": TENANT})
    assert exists.status_code == 200 and exists.json()["data"] is False  # reading with a key still works
