"""`spark-tui serve` routes through FastAPI's TestClient (jobs are not spawned: they stay `created`)."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import ALICE, BOB, SECRET_FOLDER, TENANT, small_workspace  # noqa: E402

from spark_tui.config import ServeUser
from spark_tui.engine.jobs import JobManager
from spark_tui.server import create_app
from spark_tui.spark.extensions import ALL_EXTENSIONS
from spark_tui.server.signing import LinkSigner

CAROL = ServeUser(name="carol@example.com", groups=(), api_key="carol-key")
EXPORT = f"/{TENANT}/api/v4/export"


def bearer(user: ServeUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.token}"}


@pytest.fixture
def client(tmp_path: Path):
    ws = small_workspace(tmp_path / "ws")
    app = create_app(ws, [ALICE, BOB, CAROL], base_url="", jobs=JobManager(ws, spawn=False))
    with TestClient(app, base_url="http://spark.test", headers=ALL_EXTENSIONS) as c:
        yield c
    ws.close()


def body(folders=("synth-0000",), **extra) -> dict:
    return {"inputs": {"folders": list(folders)}, **extra}


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "UP"}
    paths = client.get("/openapi.json").json()["paths"]
    v4 = "/{tenant}/api/v4/export"
    for path in (v4, f"{v4}/status", f"{v4}/{{job_id}}/status", f"{v4}/preview", "/api/v1/product/list"):
        assert path in paths


def test_deferred_body_models_warn_nowhere(client: TestClient) -> None:
    """The wire models defer their schemas (the TUI starts sooner); serve builds its bodies' validators when it
    declares its routes, inside FastAPI's filter for pydantic's "alias has no effect" warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "ExportRequest" in client.get("/openapi.json").json()["components"]["schemas"]
        assert client.post(f"{EXPORT}/preview", json=body(), headers=bearer(ALICE)).status_code == 200
        assert client.patch(f"{EXPORT}/no-such-job", json={"export_status": "cancelled"},
                            headers=bearer(ALICE)).status_code == 404


@pytest.mark.parametrize(
    "headers, status, phrase",
    [
        ({}, 401, "authentication required"),
        ({"Authorization": "Bearer nope"}, 401, "unknown bearer token"),
        ({"Authorization": "Basic abc"}, 401, "Bearer <token>"),
        ({"x-synthetic-key": "carol-key"}, 401, "x-tenant-name"),
        ({"x-synthetic-key": "carol-key", "x-tenant-name": "other"}, 403, "does not match"),
        ({"x-synthetic-key": "wrong", "x-tenant-name": TENANT}, 401, "unknown API key"),
    ],
)
def test_bad_credentials_are_refused_with_the_error_body(client: TestClient, headers, status, phrase) -> None:
    response = client.get(f"{EXPORT}/status", headers=headers)
    assert response.status_code == status
    data = response.json()
    assert phrase in data["message"] and data["errors"][0]["message"] == data["message"]
    assert "carol-key" not in response.text and "nope" not in response.text


def test_api_key_with_tenant_header_is_accepted(client: TestClient) -> None:
    response = client.get(f"{EXPORT}/status", headers={"x-synthetic-key": "carol-key", "x-tenant-name": TENANT})
    assert response.status_code == 200
    assert response.json()["tenant"]["configuration"]["export_api_job_limit"] == 1


def test_malformed_requests_get_422_naming_the_field(client: TestClient) -> None:
    bad_enum = client.post(EXPORT, json=body(file_filter="everything"), headers=bearer(ALICE))
    assert bad_enum.status_code == 422
    assert bad_enum.json()["errors"][0]["ref"] == "file_filter"
    assert "everything" in bad_enum.json()["message"]
    no_inputs = client.post(EXPORT, json={"inputs": {}}, headers=bearer(ALICE))
    assert no_inputs.status_code == 422
    assert [e["code"] for e in no_inputs.json()["errors"]] == ["NO_INPUTS"]
    not_json = client.post(EXPORT, content=b"{", headers={**bearer(ALICE), "content-type": "application/json"})
    assert not_json.status_code == 422


def test_submit_status_and_absolute_status_url(client: TestClient) -> None:
    created = client.post(EXPORT, json=body(), headers=bearer(ALICE))
    assert created.status_code == 200, created.text
    job = created.json()
    assert job["object"] == "export" and job["status"] == "created"
    assert job["status_url"] == f"http://spark.test{EXPORT}/{job['id']}/status"
    again = client.get(f"{EXPORT}/{job['id']}/status", headers=bearer(ALICE)).json()
    assert again["id"] == job["id"] and again["status_url"] == job["status_url"]


def test_tenant_status_route_is_not_taken_for_a_job_id(client: TestClient) -> None:
    job = client.post(EXPORT, json=body(), headers=bearer(ALICE)).json()
    tenant = client.get(f"{EXPORT}/status", headers=bearer(ALICE)).json()
    assert [j["id"] for j in tenant["in_progress_exports"]] == [job["id"]]
    assert tenant["tenant"]["status"]["export_api_jobs_in_progress"] == 1


def test_unknown_job_is_404_and_unknown_tenant_is_404(client: TestClient) -> None:
    missing = client.get(f"{EXPORT}/no-such-job/status", headers=bearer(ALICE))
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "JOB_NOT_FOUND"
    tenant = client.get("/nobody/api/v4/export/status", headers=bearer(ALICE))
    assert tenant.status_code == 404 and "nobody" in tenant.json()["message"]


def test_busy_slot_is_409_naming_the_running_job(client: TestClient) -> None:
    first = client.post(EXPORT, json=body(), headers=bearer(ALICE)).json()
    second = client.post(EXPORT, json=body(), headers=bearer(BOB))
    assert second.status_code == 409
    assert first["id"] in second.json()["message"]
    assert second.json()["errors"][0]["code"] == "JOB_SLOT_BUSY"


def test_cancel_then_cancel_again_is_409(client: TestClient) -> None:
    job = client.post(EXPORT, json=body(), headers=bearer(ALICE)).json()
    bad = client.patch(f"{EXPORT}/{job['id']}", json={"export_status": "closed"}, headers=bearer(ALICE))
    assert bad.status_code == 422 and bad.json()["errors"][0]["ref"] == "export_status"
    cancelled = client.patch(f"{EXPORT}/{job['id']}", json={"export_status": "cancelled"}, headers=bearer(ALICE))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = client.patch(f"{EXPORT}/{job['id']}", json={"export_status": "cancelled"}, headers=bearer(ALICE))
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "JOB_FINISHED"


def test_other_users_job_is_404_unless_supervisor(client: TestClient) -> None:
    job = client.post(EXPORT, json=body(), headers=bearer(BOB)).json()
    alice_view = client.get(f"{EXPORT}/{job['id']}/status", headers=bearer(ALICE))
    assert alice_view.status_code == 200
    carol = {"x-synthetic-key": "carol-key", "x-tenant-name": TENANT}
    assert client.get(f"{EXPORT}/{job['id']}/status", headers=carol).status_code == 404
    assert client.get(f"{EXPORT}/status", headers=carol).json()["in_progress_exports"] == []


def test_restricted_folder_fails_the_job_naming_it(client: TestClient) -> None:
    job = client.post(EXPORT, json=body(folders=[SECRET_FOLDER]), headers=bearer(BOB)).json()
    assert job["status"] == "failed"
    assert any(SECRET_FOLDER in e["message"] for e in job["errors"])


def test_preview_extension(client: TestClient) -> None:
    ok = client.post(f"{EXPORT}/preview", json=body(), headers=bearer(ALICE)).json()
    assert ok["errors"] == [] and ok["projected_bytes"] > 0 and len(ok["service_versions"]) == 4
    bad = client.post(f"{EXPORT}/preview", json=body(folders=["nowhere"]), headers=bearer(ALICE)).json()
    assert bad["projected_bytes"] == 0 and any("nowhere" in e["message"] for e in bad["errors"])


def test_download_link_refuses_bad_and_expired_tokens(client: TestClient) -> None:
    job = client.post(EXPORT, json=body(), headers=bearer(ALICE)).json()
    url = f"{EXPORT}/{job['id']}/download/package.zip"
    forged = client.get(url, params={"token": "0" * 64, "expires": "99999999999"})
    assert forged.status_code == 403 and "signature" in forged.json()["message"]
    assert client.get(url).status_code == 401
    unfinished = client.get(url, headers=bearer(ALICE))
    assert unfinished.status_code == 404


def test_link_signer_expiry_and_tampering() -> None:
    now = [1000.0]
    signer = LinkSigner(b"k" * 32, ttl_s=60, clock=lambda: now[0])
    link = signer.sign("t", "job")
    assert signer.check("t", "job", link["token"], link["expires"]) is None
    assert "signature" in signer.check("t", "other-job", link["token"], link["expires"])
    assert "signature" in signer.check("t", "job", link["token"], str(int(link["expires"]) + 1))
    now[0] += 61
    assert "expired" in signer.check("t", "job", link["token"], link["expires"])
    assert "malformed" in signer.check("t", "job", link["token"], "soon")


def test_v1_browse_routes(client: TestClient) -> None:
    headers = {**bearer(BOB), "x-tenant-name": TENANT}
    folders = client.post("/api/v1/product/list", json={"page": 1, "pageSize": 2}, headers=headers).json()
    assert folders["status"] == "Success" and folders["count"] == 3 and folders["next"] == 2
    assert [f["name"] for f in folders["data"]] == [SECRET_FOLDER, "synth-0000"]
    assert folders["data"][0]["isAccessible"] is False
    engines = client.post("/api/v1/product/synth-0000/engines", headers=headers).json()
    assert [e["serviceName"] for e in engines["data"]] == ["service-0000", "service-0001"]
    versions = client.get("/api/v1/product/synth-0000/engines/getversions/service-0000", headers=headers).json()
    assert [v["revision"] for v in versions["data"]] == ["1.0.1", "1.0.0"]
    assert versions["data"][0]["product"] == "synth-0000" and versions["data"][0]["engine"] == "service-0000"
    missing = client.post("/api/v1/product/nowhere/engines", headers=headers)
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "FOLDER_NOT_FOUND"
    no_tenant = client.post("/api/v1/product/list", headers=bearer(BOB))
    assert no_tenant.status_code == 422 and "x-tenant-name" in no_tenant.json()["message"]


def test_v3_service_exists(client: TestClient) -> None:
    url = f"/{TENANT}/api/v3/folders/synth-0000/services/service-0000/exists"
    found = client.get(url, headers=bearer(BOB)).json()
    assert found["status"] == "Success" and found["response_data"]["is_exists"] is True
    assert found["response_data"]["version"] == "1.0.1" and found["response_data"]["id"]
    absent = client.get(url.replace("service-0000", "ghost"), headers=bearer(BOB)).json()
    assert absent["response_data"]["is_exists"] is False and absent["response_data"]["id"] is None


def test_restricted_folder_is_refused_in_browse(client: TestClient) -> None:
    headers = {**bearer(BOB), "x-tenant-name": TENANT}
    refused = client.post(f"/api/v1/product/{SECRET_FOLDER}/engines", headers=headers)
    assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == "ACCESS_DENIED"
    allowed = client.post(f"/api/v1/product/{SECRET_FOLDER}/engines", headers={**bearer(ALICE), "x-tenant-name": TENANT})
    assert allowed.status_code == 403  # alice is supervisor but not in the folder's group either


def test_import_refuses_malformed_uploads(client: TestClient) -> None:
    url = f"/{TENANT}/api/v4/import"
    not_form = client.post(url, json={}, headers=bearer(ALICE))
    assert not_form.status_code == 422 and "multipart/form-data" in not_form.json()["message"]
    unknown = '{"services_existing":"skip"}'
    skip = client.post(url, data={"importRequestEntity": unknown}, files={"file": ("p.zip", b"x")}, headers=bearer(ALICE))
    assert skip.status_code == 422 and "'skip'" in skip.json()["message"]
    assert "abort, replace, add_version" in skip.json()["message"]
    bad_uri = '{"inputs":{"services_modify":[{"service_uri_source":"a"}]}}'
    bad = client.post(url, data={"importRequestEntity": bad_uri}, files={"file": ("p.zip", b"x")}, headers=bearer(ALICE))
    assert bad.status_code == 422 and "not a folder/service URI" in bad.json()["message"]
    no_file = client.post(url, data={"importRequestEntity": "{}"}, files={"other": ("p.zip", b"x")}, headers=bearer(ALICE))
    assert no_file.status_code == 422 and no_file.json()["errors"][0]["ref"] == "file"
    assert client.get(f"{url}/nope/status", headers=bearer(ALICE)).status_code == 404
