"""The remote import and folder calls behave as the export calls do: every error quotes its
x-request-id and the server's own words, v1 envelope refusals are reported with their code, and
"own" import jobs follow `is_own` (the ids this client submitted when the identity is unknown)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripted import Spark

from spark_tui.spark.errors import AuthError, BackendUnavailable, DiskFull, JobNotFound, JobSlotBusy, ValidationFailed
from spark_tui.spark.import_wire import ImportRequestEntity
from spark_tui.spark.values import JobStatus

JOB = "7d1e2f3a-0b4c-4d5e-8f60-718293a4b5c6"
STATUS = f"GET /api/v4/import/{JOB}/status"


@pytest.fixture
def package(tmp_path: Path) -> Path:
    path = tmp_path / "package.zip"
    path.write_bytes(b"PK\x05\x06" + bytes(18))
    return path


def last_id(spark: Spark) -> str:
    return spark.requests[-1].headers["x-request-id"]


def test_unknown_import_job_keeps_the_servers_words_and_request_id() -> None:
    spark = Spark({STATUS: (404, {"title": "Not Found", "detail": "Import job is expired or unknown"})})
    with pytest.raises(JobNotFound, match=r"import job .* not found \(the server says: Import job is expired or unknown\)") as info:
        spark.backend().import_status(JOB)
    assert info.value.kind == "import" and info.value.request_id == last_id(spark) and last_id(spark) in str(info.value)


def test_a_busy_import_slot_from_spark_is_an_import_slot_error(package: Path) -> None:
    spark = Spark({"POST /api/v4/import": (409, {"error": "Another import job is in progress for this tenant"})})
    with pytest.raises(JobSlotBusy, match=r"no free import job slot.*Another import job is in progress") as info:
        spark.backend().submit_import(package, ImportRequestEntity())
    assert info.value.exit_code == 6 and info.value.request_id == last_id(spark)


def test_a_refused_import_shows_every_item_of_a_problem_details_body(package: Path) -> None:
    body = {"title": "One or more validation errors occurred.", "errors": {"services_modify": ["must not be empty"]}}
    spark = Spark({"POST /api/v4/import": (400, body)})
    with pytest.raises(ValidationFailed) as info:
        spark.backend().submit_import(package, ImportRequestEntity())
    assert [e.message for e in info.value.errors] == ["services_modify: must not be empty"]
    assert info.value.request_id == last_id(spark)


def test_a_minimal_post_answer_is_read_back_and_remembered(package: Path) -> None:
    spark = Spark({
        "POST /api/v4/import": (202, {"id": JOB, "object": "import", "status_url": "x"}),
        STATUS: (200, {"id": JOB, "status": "in_progress", "warnings": None, "outputs": None}),
    })
    b = spark.backend()
    job = b.submit_import(package, ImportRequestEntity())
    assert (job.id, job.status) == (JOB, JobStatus.in_progress) and b.submitted_ids == {JOB}
    assert [f"{r.method} {r.url.path}" for r in spark.requests] == ["POST /acme/api/v4/import", f"GET /acme{STATUS[4:]}"]


def test_an_unparseable_import_answer_names_the_field_and_request_id() -> None:
    spark = Spark({STATUS: (200, {"id": JOB, "status": "teleported"})})
    with pytest.raises(BackendUnavailable, match=r"unexpected import job from Spark: status") as info:
        spark.backend().import_status(JOB)
    assert info.value.request_id == last_id(spark)


@pytest.mark.parametrize(
    ("answer", "error", "code"),
    [
        ({"status": "Error", "errorCode": "PRODUCT_ALREADY_EXISTS", "message": None}, ValidationFailed, "PRODUCT_ALREADY_EXISTS"),
        ({"status": "Success", "data": None}, ValidationFailed, "INVALID_VALUE"),
        ({"status": "Error", "errorCode": "UNAUTHORIZED", "message": "token expired"}, AuthError, None),
    ],
    ids=["exists", "no-folder-id", "auth-code"],
)
def test_folder_create_refusals_quote_the_request(answer: dict, error: type, code: str | None) -> None:
    spark = Spark({"POST /api/v1/product/create": (200, answer)})
    with pytest.raises(error) as info:
        spark.backend().create_folder("uat")
    assert info.value.request_id == last_id(spark)
    if code:
        assert info.value.errors[0].code == code and info.value.errors[0].ref == "uat"


def test_folder_exists_reads_a_lenient_v1_envelope() -> None:
    spark = Spark({
        "POST /api/v1/product/isproductexists/uat": (200, {"status": "Success", "data": True, "traceId": "t"}),
        "POST /api/v1/product/isproductexists/gone": (200, {"status": "OK", "data": None}),
        "POST /api/v1/product/isproductexists/nope": (200, {"status": "Error", "errorCode": "UNAUTHORIZED", "message": "no"}),
    })
    b = spark.backend()
    assert b.folder_exists("uat") is True and b.folder_exists("gone") is False
    with pytest.raises(AuthError, match="UNAUTHORIZED") as info:
        b.folder_exists("nope")
    assert info.value.request_id == last_id(spark)


def test_own_imports_are_the_submitted_ones_when_the_identity_is_unknown(package: Path) -> None:
    summary = {"in_progress_imports": [], "recent_imports": [
        {"id": JOB, "data": {"import_status": "closed", "created_by": "svc-7f", "created_timestamp": "2"}},
        {"id": "theirs", "data": {"import_status": "closed", "created_by": "svc-7f", "created_timestamp": "1"}},
    ]}
    spark = Spark({
        "POST /api/v4/import": (200, {"id": JOB, "status": "created"}),
        "GET /api/v4/import/status": (200, summary),
        STATUS: (200, {"id": JOB, "status": "completed"}),
        "GET /api/v4/import/theirs/status": (200, {"id": "theirs", "status": "closed"}),
    })
    b = spark.backend(user=None)  # no user in the profile, an opaque token, no whoami route
    assert b.whoami().user is None
    assert b.list_imports() == []
    b.submit_import(package, ImportRequestEntity())
    assert [(j.id, j.status) for j in b.list_imports()] == [(JOB, JobStatus.closed)]
    assert [j.id for j in b.list_imports(all_users=True)] == [JOB, "theirs"]


@pytest.mark.parametrize("answer", [
    (507, {"errors": [{"code": "DISK_FULL", "message": "disk full while receiving import package 'package.zip'"}]}),
    (507, "Insufficient Storage"),
])
def test_a_full_server_disk_is_disk_full_exit_3(package: Path, answer: tuple) -> None:
    spark = Spark({"POST /api/v4/import": answer})
    with pytest.raises(DiskFull) as info:
        spark.backend().submit_import(package, ImportRequestEntity())
    error = info.value
    assert error.exit_code == 3 and error.code == "DISK_FULL" and error.request_id == last_id(spark)
    assert "disk full on the server at" in str(error) and "(HTTP 507)" in str(error) and "free space on the server" in str(error)
    assert not isinstance(error, BackendUnavailable)
