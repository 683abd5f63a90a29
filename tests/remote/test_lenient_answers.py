"""RemoteBackend accepts every answer shape a real tenant may send (and both SDKs accept), from
the recorded samples in tests/remote/samples/, and shows the server's own words for any error."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import TypeAdapter
import pytest

from scripted import Spark, sample

from spark_tui.batch import output
from spark_tui.spark.exit_codes import ExitCode, exit_code_for
from spark_tui.spark.errors import AuthError, BackendUnavailable, JobSlotBusy, ValidationFailed
from spark_tui.spark.export_wire import (
    ApiErrors,
    ApiWarning,
    ApiWarnings,
    ErrorBody,
    ExportInputs,
    ExportJob,
    ExportRequest,
)
from spark_tui.spark.values import JobStatus

JOB = "34d7d465-86eb-4eed-a388-fa4525cf7be6"
STATUS = f"GET /api/v4/export/{JOB}/status"
PACKAGE = b"PK\x05\x06" + bytes(18)
SHA = hashlib.sha256(PACKAGE).hexdigest()
REQUEST = ExportRequest(inputs=ExportInputs(folders=["my-folder"]))


def test_completed_reads_as_closed_keeps_unknown_fields_and_downloads(tmp_path: Path) -> None:
    spark = Spark({
        STATUS: (200, sample("export_status_completed", SHA=SHA)),
        f"GET /api/v4/export/{JOB}/download/package.zip": (200, PACKAGE),
    })
    b = spark.backend()
    job = b.status(JOB)
    assert job.status is JobStatus.closed and job.status.is_terminal
    wire = job.wire()
    assert wire["export_type"] == "migrate" and wire["created_by"] == "john.doe@coherent.global"
    assert wire["warnings"] == [] and wire["outputs"]["service_versions"][0]["effective_start_date"] == "2024-11-14T00:00:00Z"
    [done] = b.download(job, tmp_path)
    assert done.verified and Path(done.path).read_bytes() == PACKAGE


def test_minimal_post_answer_is_followed_by_a_status_read() -> None:
    spark = Spark({
        "POST /api/v4/export": (200, sample("export_post_minimal")),
        STATUS: (200, sample("export_status_in_progress_nulls")),
    })
    b = spark.backend()
    job = b.submit(REQUEST)
    assert (job.id, job.status, job.process_time) == (JOB, JobStatus.in_progress, 13)
    assert job.outputs.files == [] and job.outputs.services == [] and job.errors is None
    assert [f"{r.method} {r.url.path}" for r in spark.requests] == ["POST /acme/api/v4/export", f"GET /acme{STATUS[4:]}"]
    assert b.submitted_ids == {JOB}


def test_cancel_answered_minimally_reads_the_job() -> None:
    spark = Spark({
        f"PATCH /api/v4/export/{JOB}": (200, sample("export_cancel_answer")),
        STATUS: (200, sample("export_status_completed", SHA=SHA)),
    })
    assert spark.backend().cancel(JOB).status is JobStatus.closed


def test_errors_without_code_or_message_and_object_warnings() -> None:
    job = Spark({STATUS: (200, sample("export_status_failed_loose_errors"))}).backend().status(JOB)
    assert job.status is JobStatus.failed
    assert [(e.code, e.message) for e in job.errors or []] == [
        ("UNSPECIFIED", "Service my-folder/xconnector-svc has no compiled Neuron WASM"),
        ("FOLDER_NOT_FOUND", "FOLDER_NOT_FOUND"),
        ("PACKAGE_TOO_LARGE", "package would be 250 MB; the limit is 200 MB"),
        ("UNSPECIFIED", "export job stopped by an administrator"),
    ]
    assert job.errors[2].model_dump()["source"] == "my-folder"  # unknown fields of an item are kept
    assert job.wire()["warnings"][1] == {"detail": "version_filter defaulted to latest"}
    assert exit_code_for(job) is ExitCode.JOB_FAILED
    assert output.error_lines(job.errors)[0] == "error: UNSPECIFIED: Service my-folder/xconnector-svc has no compiled Neuron WASM"


@pytest.mark.parametrize("raw, message, code", [
    ("a plain warning", "a plain warning", None),
    ({"code": "DEPRECATED_FIELD", "message": "file_name is ignored"}, "file_name is ignored", "DEPRECATED_FIELD"),
    ({"detail": "version_filter defaulted to latest"}, "version_filter defaulted to latest", None),
    ({"warningCode": "W1"}, '{"warningCode":"W1"}', None),
])
def test_warning_items_of_any_shape(raw: object, message: str, code: str | None) -> None:
    warning = ApiWarning.model_validate(raw)
    assert (warning.message, warning.code) == (message, code)


def test_tenant_status_completed_and_sparse_entries() -> None:
    b = Spark({"GET /api/v4/export/status": (200, sample("tenant_export_status"))}).backend()
    status = b.tenant_status()
    assert [e.data.export_status for e in status.recent_exports] == [JobStatus.closed, JobStatus.closed]
    assert status.recent_exports[1].data.process_time == 0
    assert status.model_dump()["environment"] == {"name": "uat"}
    assert status.tenant.configuration.model_dump()["import_api_job_limit"] == 1


def test_v1_folder_list_keeps_unknown_fields() -> None:
    b = Spark({"POST /api/v1/product/list": (200, sample("v1_folder_list"))}).backend()
    page = b.list_folders()
    assert [(f.name, f.service_count) for f in page.items] == [("my-folder", 26)]


def test_v1_envelope_reporting_a_failure_with_http_200() -> None:
    refused = Spark({"POST /api/v1/product/list": (200, sample("v1_folder_list_refused"))})
    with pytest.raises(ValidationFailed) as info:
        refused.backend().list_folders()
    assert "TENANT_NOT_FOUND: Invalid tenant name in x-tenant-name header" in info.value.message
    assert info.value.http_status == 404 and info.value.errors[0].code == "TENANT_NOT_FOUND"
    assert refused.requests[-1].headers["x-request-id"] in info.value.message
    unauthorized = Spark({"POST /api/v1/product/list": (200, sample("v1_unauthorized_no_data"))})
    with pytest.raises(AuthError, match="refused profile 'uat': UNAUTHORIZED"):
        unauthorized.backend().list_folders()


@pytest.mark.parametrize("name, status, error, words", [
    ("error_problem_details", 400, ValidationFailed, "One or more validation errors occurred."),
    ("error_oauth", 401, AuthError, "Token verification failed: token expired"),
    ("error_v3", 404, ValidationFailed, "Service my-folder/nope does not exist"),
    ("error_detail_string", 409, JobSlotBusy, "Job slot limit reached for tenant acme: 1 export job in progress"),
    ("error_gateway", 504, BackendUnavailable, "Upstream export service did not answer in 60 s"),
    ("error_bare_string", 503, BackendUnavailable, "export service is in maintenance until 16:00 UTC"),
])
def test_error_bodies_of_any_shape_show_the_servers_words(name: str, status: int, error: type, words: str) -> None:
    spark = Spark({"POST /api/v4/export": (status, sample(name))})
    with pytest.raises(error) as info:
        spark.backend(attempts=1).submit(REQUEST)
    assert words in info.value.message
    assert f"[x-request-id {spark.requests[-1].headers['x-request-id']}]" in info.value.message


def test_problem_details_field_errors_become_error_items() -> None:
    spark = Spark({"POST /api/v4/export": (400, sample("error_problem_details"))})
    with pytest.raises(ValidationFailed) as info:
        spark.backend().submit(REQUEST)
    assert [(e.ref, e.message) for e in info.value.errors] == [
        ("inputs.folders", "inputs.folders: The folders field must be a list of folder names.")
    ]


def test_html_and_text_error_pages_are_shown_briefly() -> None:
    page = b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"
    spark = Spark({"POST /api/v4/export": (502, page)})
    with pytest.raises(BackendUnavailable, match=r"HTTP 502: 502 Bad Gateway \[x-request-id "):
        spark.backend().submit(REQUEST)


def test_a_login_page_instead_of_json_is_named() -> None:
    spark = Spark({STATUS: (200, b"<html><title>Sign in to Coherent</title></html>")})
    with pytest.raises(BackendUnavailable, match="with text/html instead of JSON: Sign in to Coherent; check base_url"):
        spark.backend().status(JOB)


def test_an_answer_beyond_leniency_names_the_field_and_request() -> None:
    spark = Spark({STATUS: (200, {"id": JOB, "status": "exploded"})})
    with pytest.raises(BackendUnavailable, match=r"unexpected export job from Spark: status: .*\[x-request-id ") as info:
        spark.backend().status(JOB)
    assert spark.requests[-1].headers["x-request-id"] in info.value.message


@pytest.mark.parametrize("text, status", [
    ("completed", JobStatus.closed), ("Completed", JobStatus.closed), ("CLOSED", JobStatus.closed),
    ("in-progress", JobStatus.in_progress), ("canceled", JobStatus.cancelled), ("closed_by_timeout", JobStatus.closed_by_timeout),
])
def test_status_spellings(text: str, status: JobStatus) -> None:
    body = {"id": JOB, "status": text}
    assert ExportJob.model_validate(body).status is status


def test_our_own_job_json_is_unchanged_by_leniency() -> None:
    job = ExportJob(id=JOB, response_timestamp="2025-01-01T00:00:00.000Z", status=JobStatus.closed)
    assert set(job.wire()) == {
        "object", "id", "response_timestamp", "status", "status_url", "process_time", "outputs", "errors",
        "source_system", "correlation_id",
    }


@pytest.mark.parametrize("raw, message, items", [
    ({"message": "m", "errors": [{"code": "C", "message": "x", "ref": "r"}]}, "m", [("C", "x")]),
    ({"detail": [{"loc": ["body", "inputs"], "msg": "field required", "type": "missing"}]}, "field required", [("missing", "field required")]),
    ({"status": "Error", "errorCode": "PRODUCT_ALREADY_EXISTS", "message": None, "data": None}, "PRODUCT_ALREADY_EXISTS", [("PRODUCT_ALREADY_EXISTS", "PRODUCT_ALREADY_EXISTS")]),
    ({"status": "Error", "errorCode": "E42", "message": "folder is locked"}, "E42: folder is locked", [("E42", "folder is locked")]),
    ([{"message": "one"}, "two"], '[{"message":"one"},"two"]', [("UNSPECIFIED", "one"), ("UNSPECIFIED", "two")]),
    (42, "42", []),
    ({"unexpected": {"deep": True}}, '{"unexpected":{"deep":true}}', []),
])
def test_error_body_of_any_json(raw: object, message: str, items: list) -> None:
    body = ErrorBody.model_validate(raw)
    assert body.message == message and [(e.code, e.message) for e in body.errors] == items


def test_error_and_warning_lists_for_any_job_shape() -> None:
    """`ApiErrors` / `ApiWarnings` type any job's `errors` / `warnings` (export here, import in import_wire)."""
    errors, warnings = TypeAdapter(ApiErrors), TypeAdapter(ApiWarnings)
    assert errors.validate_python(None) is None
    assert [e.message for e in errors.validate_python({"message": "one error, not a list"})] == ["one error, not a list"]
    assert warnings.validate_python(None) == []
    assert [w.message for w in warnings.validate_python("one warning")] == ["one warning"]
    assert [w.code for w in warnings.validate_python([{"code": "W", "message": "m"}, "s"])] == ["W", None]
