"""The remote backend's import and folder calls accept every shape a real tenant may send
(recorded samples: SDK docs, minimal POST answers, `completed`, loose errors and warnings)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from spark_tui.backends.remote.retry import RetryPolicy
from spark_tui.backends.polling import wait_for_import
from spark_tui.backends.remote import RemoteBackend
from spark_tui.config import Profile
from spark_tui.spark.errors import JobNotFound, JobSlotBusy, ValidationFailed
from spark_tui.spark.import_wire import ImportJob, ImportRequestEntity, TenantImportStatus
from spark_tui.spark.export_wire import UNSPECIFIED_CODE
from spark_tui.spark.values import JobStatus

BASE = "https://excel.uat.us.coherent.global"
# GET import status as the SDK docs show it, plus a field we do not know.
SDK_DOCS_STATUS = {
    "object": "import", "id": "uuid", "response_timestamp": "1970-12-03T04:56:56.186Z", "status": "closed",
    "status_url": f"{BASE}/my-tenant/api/v4/import/job-uuid/status", "process_time": 123,
    "outputs": {
        "services": [{
            "service_uri_source": "my-folder/my-service", "folder_source": "my-folder", "service_source": "my-service",
            "folder_destination": "my-folder", "service_destination": "my-service",
            "service_uri_destination": "my-folder/my-service", "service_id_destination": "uuid", "status": "added",
        }],
        "service_versions": [{
            "service_uri_source": "my-folder/my-service[0.1.0]", "folder_source": "my-folder", "service_source": "my-service",
            "version_source": "0.1.0", "version_id_source": "uuid", "folder_destination": "my-folder",
            "service_destination": "my-service", "version_destination": "0.1.0",
            "service_uri_destination": "my-folder/my-service[0.1.0]", "service_id_destination": "uuid",
            "version_id_destination": "uuid", "status": "added",
        }],
    },
    "errors": None, "warnings": [], "source_system": "Spark Python SDK", "correlation_id": None,
    "tenant_region": "us",
}


def backend(handler) -> RemoteBackend:
    profile = Profile(name="p", backend="spark", base_url=f"{BASE}/acme", token="t", user="me@example.com")
    return RemoteBackend(profile, transport=httpx.MockTransport(handler), retry=RetryPolicy(attempts=1))


@pytest.fixture
def package(tmp_path: Path) -> Path:
    path = tmp_path / "package.zip"
    path.write_bytes(b"PK\x05\x06" + bytes(18))
    return path


def test_the_sdk_docs_sample_parses_and_unknown_fields_are_kept() -> None:
    job = ImportJob.model_validate(SDK_DOCS_STATUS)
    assert job.status is JobStatus.closed and job.outputs.service_versions[0].version_destination == "0.1.0"
    assert job.wire()["tenant_region"] == "us"


@pytest.mark.parametrize(
    ("sample", "check"),
    [
        ({"id": "j1", "object": "import", "status_url": f"{BASE}/acme/api/v4/import/j1/status"}, lambda j: j.status is JobStatus.created),
        ({**SDK_DOCS_STATUS, "status": "completed"}, lambda j: j.status is JobStatus.closed),
        ({**SDK_DOCS_STATUS, "status": "failed", "errors": [{"message": "folder missing"}, {"code": "E1"}, "plain"]},
         lambda j: [(e.code, e.message) for e in j.errors] == [(UNSPECIFIED_CODE, "folder missing"), ("E1", "E1"), (UNSPECIFIED_CODE, "plain")]),
        ({**SDK_DOCS_STATUS, "warnings": ["w", {"code": "W1", "message": "m"}]}, lambda j: [(w.code, w.message) for w in j.warnings] == [(None, "w"), ("W1", "m")]),
        ({**SDK_DOCS_STATUS, "warnings": None, "outputs": None}, lambda j: j.outputs.services == []),
        ({**SDK_DOCS_STATUS, "outputs": {"services": [{"status": "skipped"}], "service_versions": None}},
         lambda j: j.outputs.services[0].status == "skipped"),
    ],
    ids=["minimal-post", "completed", "loose-errors", "object-warnings", "null-outputs", "other-status"],
)
def test_lenient_import_shapes(sample: dict, check) -> None:
    assert check(ImportJob.model_validate(sample))


def test_tenant_import_status_with_missing_parts() -> None:
    status = TenantImportStatus.model_validate({"in_progress_imports": None, "recent_imports": [
        {"id": "j", "data": {"import_status": "completed"}},
    ]})
    assert status.recent_imports[0].data.import_status is JobStatus.closed and status.tenant.configuration.import_api_job_limit is None


def test_a_minimal_post_answer_is_polled_to_its_end(package: Path) -> None:
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path))
        if request.method == "POST":
            assert b'name="importRequestEntity"' in request.read() and b'filename="package.zip"' in request.content
            return httpx.Response(200, json={"id": "j1", "object": "import", "status_url": "x"})
        if len(seen) < 3:
            return httpx.Response(200, json={"id": "j1", "status": "in_progress"})
        return httpx.Response(200, json={**SDK_DOCS_STATUS, "id": "j1", "status": "completed"})

    b = backend(handler)
    job = wait_for_import(b, b.submit_import(package, ImportRequestEntity()))
    assert job.status is JobStatus.closed and job.id == "j1"
    assert seen[1:] == [("GET", "/acme/api/v4/import/j1/status")] * 2


def test_import_errors_map_to_spark_tui_errors(package: Path) -> None:
    def busy(request: httpx.Request) -> httpx.Response:
        return httpx.Response(409, json={"message": "tenant 'acme' already runs 1 import job(s) (limit 1): j0", "errors": [
            {"code": "JOB_SLOT_BUSY", "message": "job slot busy: j0", "ref": "j0"}]})

    with pytest.raises(JobSlotBusy, match="import job.*j0"):
        backend(busy).submit_import(package, ImportRequestEntity())
    with pytest.raises(JobNotFound, match="import job 'nope'"):
        backend(lambda r: httpx.Response(404, json={"message": "no"})).import_status("nope")


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ({"status": "Error", "errorCode": "PRODUCT_ALREADY_EXISTS", "message": None}, "PRODUCT_ALREADY_EXISTS"),
        ({"status": "Failure", "errorCode": None, "message": "quota reached"}, "INVALID_VALUE"),
    ],
)
def test_folder_create_v1_envelopes_without_data(answer: dict, code: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        backend(lambda r: httpx.Response(200, json=answer)).create_folder("uat")
    assert info.value.errors[0].code == code


def test_folder_create_and_exists_send_what_the_sdk_sends() -> None:
    requests = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.url.path.endswith("/create"):
            return httpx.Response(200, json={"status": "Success", "data": {"folderId": "f1", "get_product_url": "u"}})
        return httpx.Response(200, json={"status": "Success", "data": request.url.path.endswith("/uat")})

    b = backend(handler)
    assert b.create_folder("uat").id == "f1"
    form = dict(pair.split("=", 1) for pair in requests[0].content.decode().split("&"))
    assert form["Name"] == "uat" and requests[0].headers["x-tenant-name"] == "acme"
    assert b.folder_exists("uat") is True and b.folder_exists("other") is False
    assert [r.url.path for r in requests[1:]] == ["/api/v1/product/isproductexists/uat", "/api/v1/product/isproductexists/other"]


def test_list_imports_reads_the_tenant_status_then_each_job() -> None:
    summary = {"in_progress_imports": [], "recent_imports": [
        {"id": "mine", "data": {"import_status": "closed", "created_by": "me@example.com", "created_timestamp": "2"}},
        {"id": "theirs", "data": {"import_status": "closed", "created_by": "x@example.com", "created_timestamp": "1"}},
    ]}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/import/status"):
            return httpx.Response(200, content=json.dumps(summary))
        return httpx.Response(200, json={**SDK_DOCS_STATUS, "id": request.url.path.split("/")[-2]})

    b = backend(handler)
    assert [j.id for j in b.list_imports()] == ["mine"]
    assert [j.id for j in b.list_imports(all_users=True)] == ["mine", "theirs"]
