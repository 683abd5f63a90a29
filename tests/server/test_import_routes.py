"""Import jobs and the v1 folder API over HTTP (TestClient; import workers run in process)."""

from __future__ import annotations

import errno
import sys
from pathlib import Path
from typing import Iterator

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import ALICE, BOB, SECRET_FOLDER, SECRET_GROUP, TENANT, small_workspace  # noqa: E402

from spark_tui.engine.jobs import JobManager
from spark_tui.engine.packager import write_package
from spark_tui.engine.resolver import resolve
from spark_tui.engine.store import DEFAULT_SIZE_LIMIT, Workspace
from spark_tui.engine.worker import run_job
from spark_tui.server import create_app
from spark_tui.spark.extensions import ALL_EXTENSIONS
from spark_tui.server import upload
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
from spark_tui.spark.values import FileFilter

IMPORT = f"/{TENANT}/api/v4/import"


def auth(user=ALICE, tenant: str = TENANT) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.token}", "x-tenant-name": tenant}


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    ws = small_workspace(tmp_path / "ws")
    yield ws
    ws.close()


@pytest.fixture
def client(ws: Workspace) -> Iterator[TestClient]:
    app = create_app(ws, [ALICE, BOB], jobs=JobManager(ws, spawn=False))
    with TestClient(app, base_url="http://spark.test", headers=ALL_EXTENSIONS) as c:
        yield c


@pytest.fixture
def package(ws: Workspace, tmp_path: Path) -> bytes:
    request = ExportRequest(inputs=ExportInputs(folders=["synth-0000"]), file_filter=FileFilter.migrate)
    selection = resolve(ws, TENANT, request, ("supervisor:pf",))
    return write_package(ws, selection, "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", tmp_path / "p.zip", size_limit=DEFAULT_SIZE_LIMIT).path.read_bytes()


def start(client: TestClient, package: bytes, entity: str, user=ALICE):
    return client.post(IMPORT, data={"importRequestEntity": entity}, files={"file": ("package.zip", package)}, headers=auth(user))


def entity(destination: str, source: str = "synth-0000/service-0000", existing: str = "abort") -> str:
    return (
        f'{{"inputs":{{"services_modify":[{{"service_uri_source":"{source}","service_uri_destination":"{destination}"}}]}},'
        f'"services_existing":"{existing}"}}'
    )


# --- folders -----------------------------------------------------------------------------------------


def test_folder_create_exists_and_read_back(client: TestClient) -> None:
    assert client.post("/api/v1/product/isproductexists/uat", headers=auth()).json() == {
        "status": "Success", "message": None, "errorCode": None, "data": False, "count": None, "next": None, "previous": None,
    }
    created = client.post("/api/v1/product/create", data={"Name": "uat", "Category": "Other"}, headers=auth())
    body = created.json()
    assert created.status_code == 200 and body["status"] == "Success" and body["data"]["folderId"]
    assert client.post("/api/v1/product/isproductexists/uat", headers=auth()).json()["data"] is True
    read = client.get(body["data"]["get_product_url"].replace("http://spark.test", ""), headers=auth())
    assert read.status_code == 200 and read.json()["data"]["name"] == "uat" and read.json()["data"]["id"] == body["data"]["folderId"]
    again = client.post("/api/v1/product/create", data={"Name": "uat"}, headers=auth())
    assert again.status_code == 200 and again.json()["status"] == "Error"
    assert again.json()["errorCode"] == "PRODUCT_ALREADY_EXISTS" and again.json()["data"] is None


@pytest.mark.parametrize(("form", "fragment"), [({}, "Name form field is missing"), ({"Name": "a/b"}, "invalid folder name")])
def test_folder_create_refuses_bad_names(client: TestClient, form: dict, fragment: str) -> None:
    response = client.post("/api/v1/product/create", data=form, headers=auth())
    assert response.status_code == 422 and fragment in response.json()["message"]


def test_folder_routes_need_credentials_and_a_tenant(client: TestClient) -> None:
    assert client.post("/api/v1/product/create", data={"Name": "x"}).status_code == 401
    no_tenant = client.post("/api/v1/product/isproductexists/x", headers={"Authorization": f"Bearer {ALICE.token}"})
    assert no_tenant.status_code == 422 and "x-tenant-name" in no_tenant.json()["message"]
    assert client.get("/api/v1/product/get/nope", headers=auth()).status_code == 404


# --- import jobs -------------------------------------------------------------------------------------


def test_post_answers_at_once_and_the_job_lives_in_the_workspace(client: TestClient, ws: Workspace, package: bytes) -> None:
    ws.add_folder(TENANT, "uat")
    created = start(client, package, entity("uat/renamed")).json()
    assert set(created) == {"id", "object", "status_url"} and created["object"] == "import"  # exactly, as Spark's spec
    assert client.get(created["status_url"].removeprefix("http://spark.test"), headers=auth()).json()["status"] == "created"
    assert created["status_url"] == f"http://spark.test{IMPORT}/{created['id']}/status"
    described = client.get(f"{IMPORT}/status", headers=auth()).json()
    assert [j["id"] for j in described["in_progress_imports"]] == [created["id"]]
    assert described["tenant"]["status"]["import_api_jobs_in_progress"] == 1
    busy = start(client, package, entity("uat/other"))
    assert busy.status_code == 409 and created["id"] in busy.json()["message"] and "import job" in busy.json()["message"]
    run_job(ws, created["id"])
    done = client.get(f"{IMPORT}/{created['id']}/status", headers=auth()).json()
    assert done["status"] == "closed" and done["outputs"]["services"][0]["service_uri_destination"] == "uat/renamed"
    assert client.get(f"{IMPORT}/status", headers=auth()).json()["recent_imports"][0]["data"]["import_status"] == "closed"
    assert client.get(f"{IMPORT}/{created['id']}/status", headers=auth(BOB)).status_code == 404


def test_a_restricted_destination_folder_refuses_the_import(client: TestClient, ws: Workspace, package: bytes) -> None:
    created = start(client, package, entity(f"{SECRET_FOLDER}/hidden", existing="replace"), user=BOB).json()
    run_job(ws, created["id"])
    job = client.get(f"{IMPORT}/{created['id']}/status", headers=auth(BOB)).json()
    assert job["status"] == "failed" and job["errors"][0]["code"] == "ACCESS_DENIED"
    assert SECRET_GROUP in job["errors"][0]["message"]
    [hidden] = ws.list_versions(TENANT, SECRET_FOLDER, "hidden")
    assert hidden.version == "1.0.0"  # untouched


@pytest.mark.parametrize("value", ["skip", "update", "merge"])
def test_unknown_services_existing_is_422_naming_the_valid_values(client: TestClient, package: bytes, value: str) -> None:
    response = start(client, package, f'{{"services_existing":"{value}"}}')
    assert response.status_code == 422
    assert f"'{value}'" in response.json()["message"] and "abort, replace, add_version" in response.json()["message"]


def test_disk_full_during_the_upload_is_507_and_leaves_nothing(
    client: TestClient, ws: Workspace, package: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(upload, "run_in_threadpool", lambda *a, **k: _raise_async(no_space))
    response = start(client, package, entity("synth-0000/x"))
    assert response.status_code == 507 and "disk full" in response.json()["message"]
    assert str(ws.root) not in response.text and list(ws.tmp.iterdir()) == []


async def _raise_async(fn) -> None:
    fn()


# --- issue 10 limits on the import and folder routes ---------------------------------------------------


def stored(ws: Workspace) -> tuple:
    db = ws.connect()
    return (*(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("jobs", "folders", "services")), sorted(ws.tmp.iterdir()))


@pytest.mark.parametrize(("entity_json", "fragment"), [
    ('{"inputs":{"services_modify":[{"service_uri_source":"synth-0000/service-0000","service_uri_destination":"\\ud800/x"}]}}',
     "Invalid JSON"),
    ('{"source_system":"\\udfff"}', "lone leading surrogate"),
    ('{"source_system":"' + "s" * 257 + '","inputs":{"services_modify":[{"service_uri_source":"synth-0000/service-0000"}]}}',
     "source_system has 257 characters"),
    ('{"correlation_id":"' + "c" * 300 + '","inputs":{"services_modify":[{"service_uri_source":"synth-0000/service-0000"}]}}',
     "correlation_id has 300 characters"),
    *[(entity(f"{bad}/x"), "invalid folder name") for bad in ("..", ".", "a\\\\b", "f" * 256)],
    (entity("synth-0000/.."), "invalid service name"),
])
def test_import_requests_are_bounded_like_export_requests(
    client: TestClient, ws: Workspace, package: bytes, entity_json: str, fragment: str
) -> None:
    before = stored(ws)
    response = start(client, package, entity_json)
    body = response.json()
    assert response.status_code == 422 and fragment in body["message"], body
    assert set(body) == {"message", "errors"} and len(body["message"]) < 600
    assert stored(ws) == before


@pytest.mark.parametrize("name", ["..", ".", "a\\b", "n" * 256, " lead"])
def test_folder_create_refuses_names_a_package_cannot_hold(client: TestClient, ws: Workspace, name: str) -> None:
    before = stored(ws)
    response = client.post("/api/v1/product/create", data={"Name": name}, headers=auth())
    assert response.status_code == 422 and "invalid folder name" in response.json()["message"]
    assert stored(ws) == before


def test_folder_create_body_over_the_limit_is_413(client: TestClient, ws: Workspace) -> None:
    before = stored(ws)
    response = client.post("/api/v1/product/create", data={"Name": "big", "Description": "d" * (1024 * 1024)}, headers=auth())
    assert response.status_code == 413 and set(response.json()) == {"message", "errors"}
    assert stored(ws) == before


def test_unknown_folder_and_job_ids_are_quoted_by_prefix(client: TestClient) -> None:
    long_id = "z" * 5000
    for response in (
        client.get(f"/api/v1/product/get/{long_id}", headers=auth()),
        client.get(f"/{TENANT}/api/v4/import/{long_id}/status", headers=auth()),
    ):
        assert response.status_code == 404 and len(response.content) < 1000, response.text[:200]


@pytest.mark.parametrize("name", ["pay\u009broll", "pay\u202eroll", "a\u200bb", "\u2066x", "x\u0085y"])
@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_folder_create_refuses_controls_and_format_characters(client: TestClient, name: str, encoding: str) -> None:
    if encoding == "urlencoded":
        response = client.post("/api/v1/product/create", data={"Name": name}, headers=auth())
    else:
        response = client.post("/api/v1/product/create", files={"Name": (None, name.encode())}, headers=auth())
    body = response.json()
    assert response.status_code == 422 and f"U+{ord(next(c for c in name if not c.isprintable())):04X}" in body["message"]
    assert client.post(f"/api/v1/product/isproductexists/{name}", headers=auth()).json()["data"] is False


@pytest.mark.parametrize(("content_type", "body"), [
    ("application/x-www-form-urlencoded", b"Name=caf%E9"),
    ("application/x-www-form-urlencoded", b"Name=caf\xe9"),
    ("application/x-www-form-urlencoded", b"Na%FFme=x"),
    ("multipart/form-data; boundary=xx", b'--xx\r\nContent-Disposition: form-data; name="Name"\r\n\r\ncaf\xe9\r\n--xx--\r\n'),
])
def test_folder_create_refuses_undecodable_form_fields(client: TestClient, content_type: str, body: bytes) -> None:
    response = client.post("/api/v1/product/create", content=body, headers={**auth(), "Content-Type": content_type})
    answer = response.json()
    assert response.status_code == 422 and "is not valid UTF-8 text" in answer["message"], answer
    assert [e["code"] for e in answer["errors"]] == ["INVALID_VALUE"]


@pytest.mark.parametrize(("data", "name"), [({"Name": "café"}, "café"), ({"Name": "a b+c"}, "a b+c"), ({"Name": "保险"}, "保险")])
def test_folder_create_reads_utf8_forms(client: TestClient, data: dict, name: str) -> None:
    created = client.post("/api/v1/product/create", data=data, headers=auth())
    assert created.json()["status"] == "Success"
    multipart = client.post("/api/v1/product/create", files={"Name": (None, (name + "2").encode())}, headers=auth())
    assert multipart.json()["status"] == "Success"
    assert client.post(f"/api/v1/product/isproductexists/{name}", headers=auth()).json()["data"] is True
