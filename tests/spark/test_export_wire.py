"""Wire models: exact Spark field names and shapes (checked against the real package's manifest)."""

from __future__ import annotations

import dataclasses
import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from pydantic import ValidationError

from spark_tui.spark.export_wire import (
    ApiError,
    CancelRequest,
    ExportJob,
    ExportRequest,
    JobProgress,
    PackageManifest,
    TenantExportStatus,
)
from spark_tui.spark.values import FileFilter, JobStatus, Page, VersionFilter, VersionInfo, iso


def test_manifest_round_trips_byte_for_byte(fixture_zip: Path) -> None:
    with zipfile.ZipFile(fixture_zip) as zf:
        raw = zf.read("fieldengineering/manifest.json").decode()
    manifest = PackageManifest.model_validate_json(raw)
    assert manifest.outputs.files is None
    assert manifest.outputs.service_versions[0].version_id_source == "91299a5d-9328-4435-911b-4e5f7783f5d4"
    assert manifest.compact_json() == raw


def test_export_request_defaults_and_fields() -> None:
    request = ExportRequest.model_validate({"inputs": {"folders": ["f"]}})
    assert request.file_filter is FileFilter.migrate and request.version_filter is VersionFilter.all
    assert request.inputs.services == [] and not request.inputs.is_empty
    assert ExportRequest().inputs.is_empty
    body = ExportRequest(file_filter=FileFilter.onpremises, version_filter=VersionFilter.latest).model_dump(mode="json")
    assert set(body) == {"inputs", "file_filter", "version_filter", "source_system", "correlation_id", "file_name"}
    assert (body["file_filter"], body["version_filter"]) == ("onpremises", "latest")
    with pytest.raises(ValidationError):
        ExportRequest.model_validate({"file_filter": "everything"})


def test_cancel_request_accepts_only_cancelled() -> None:
    assert CancelRequest.model_validate({"export_status": "cancelled"}).export_status == "cancelled"
    with pytest.raises(ValidationError):
        CancelRequest.model_validate({"export_status": "closed"})


def test_job_status_terminal_states() -> None:
    assert {s.value for s in JobStatus if s.is_terminal} == {"closed", "failed", "closed_by_timeout", "cancelled"}


def test_export_job_wire_shape() -> None:
    job = ExportJob(id="j1", response_timestamp="2025-01-01T00:00:00.000Z", status=JobStatus.failed,
                    errors=[ApiError(code="FOLDER_NOT_FOUND", message="folder 'x' not found", ref="x")])
    wire = job.wire()
    assert list(wire) == ["object", "id", "response_timestamp", "status", "status_url", "process_time", "outputs",
                          "errors", "source_system", "correlation_id"]
    assert wire["object"] == "export" and wire["status"] == "failed" and wire["status_url"] is None
    assert wire["errors"] == [{"code": "FOLDER_NOT_FOUND", "message": "folder 'x' not found", "ref": "x"}]
    with_progress = job.model_copy(update={"progress": JobProgress(bytes_done=1, bytes_total=2)}).wire()
    assert with_progress["progress"]["bytes_total"] == 2
    assert ExportJob.model_validate(json.loads(json.dumps(wire))) == job


def test_tenant_status_parses_the_api_shape() -> None:
    body = {
        "in_progress_exports": [{"object": "export", "id": "a", "data": {
            "export_status": "in_progress", "response_timestamp": "t", "created_by": "me", "created_timestamp": "t",
            "updated_timestamp": "t", "process_time": 5}}],
        "recent_exports": [],
        "tenant": {"configuration": {"export_api_job_limit": 1}, "status": {"export_api_jobs_in_progress": 1}},
    }
    status = TenantExportStatus.model_validate(body)
    assert status.in_progress_exports[0].data.export_status is JobStatus.in_progress
    assert status.model_dump(mode="json") == body


def test_iso_is_utc_with_milliseconds() -> None:
    ts = datetime(2024, 11, 13, 22, 25, 43, 335_999, tzinfo=timezone.utc)
    assert iso(ts) == "2024-11-13T22:25:43.335Z"


def test_page_has_more_and_version_exportable() -> None:
    assert Page(items=[1], page=1, page_size=1, total=2).has_more
    assert not Page(items=[1, 2], page=1, page_size=2, total=2).has_more
    v = VersionInfo(id="i", folder="f", service="s", service_id="x", version="1.0.0")
    assert v.exportable and not dataclasses.replace(v, has_module=False).exportable


@pytest.mark.parametrize("entity", [
    {"source_system": "\ud800"},
    {"correlation_id": "ok\udfff"},
    {"inputs": {"services_modify": [{"service_uri_source": "f/s", "service_uri_destination": "f/\ud800"}]}},
])
def test_import_request_entities_refuse_lone_surrogates_like_export_requests(entity: dict) -> None:
    from spark_tui.spark.import_wire import ImportRequestEntity

    with pytest.raises(ValidationError, match="lone surrogate"):
        ImportRequestEntity.model_validate(entity)
