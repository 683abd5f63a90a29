"""Pydantic models of every JSON shape of the Export API: the single definition of each.

Field names are exactly Spark's. The engine, the HTTP server, the remote client and the batch
output all (de)serialise through these models.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(ts: datetime) -> str:
    """Spark's timestamp format: ISO 8601, UTC, milliseconds, `Z`."""
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


class FileFilter(str, Enum):
    migrate = "migrate"
    onpremises = "onpremises"


class VersionFilter(str, Enum):
    all = "all"
    latest = "latest"


class JobStatus(str, Enum):
    created = "created"
    in_progress = "in_progress"
    closed = "closed"
    failed = "failed"
    closed_by_timeout = "closed_by_timeout"
    cancelled = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self not in (JobStatus.created, JobStatus.in_progress)


class IfPresent(str, Enum):
    """What an import does when the destination service exists (Spark's `services_existing`)."""

    abort = "abort"
    replace = "replace"
    add_version = "add_version"


class VersionBump(str, Enum):
    major = "major"
    minor = "minor"
    patch = "patch"


class EngineType(str, Enum):
    neuron = "Neuron"
    xconnector = "XConnector"


class WireModel(BaseModel):
    """Base of every wire model: unknown fields ignored, schemas built on first use."""

    # defer_build: schemas are built on first use, not at import (the TUI starts ~100 ms sooner)
    model_config = ConfigDict(extra="ignore", populate_by_name=True, use_enum_values=False, defer_build=True)


class RequestModel(WireModel):
    """Base of the bodies clients send: every string must be valid Unicode text. A JSON escape
    such as "\\ud800" decodes to a lone surrogate, which can be neither stored nor printed."""

    @field_validator("*", mode="after")
    @classmethod
    def _valid_text(cls, value: object) -> object:
        pending = [value]
        while pending:
            item = pending.pop()
            if isinstance(item, str):
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    raise ValueError("is not valid Unicode text (it holds a lone surrogate such as \\ud800)") from None
            elif isinstance(item, dict):
                pending.extend(item.keys())
                pending.extend(item.values())
            elif isinstance(item, (list, tuple)):
                pending.extend(item)
        return value


# --- export request -------------------------------------------------------------------------


class ExportInputs(RequestModel):
    folders: list[str] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)
    version_ids: list[str] = Field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.folders or self.services or self.version_ids)


class ExportRequest(RequestModel):
    """Body of `POST /{tenant}/api/v4/export` (and the TUI form / batch flags)."""

    # Built at import: FastAPI builds a deferred body model's schema outside its own warning filter
    # (pydantic's UnsupportedFieldAttributeWarning from `serve`).
    model_config = ConfigDict(defer_build=False)

    inputs: ExportInputs = Field(default_factory=ExportInputs)
    file_filter: FileFilter = FileFilter.migrate
    version_filter: VersionFilter = VersionFilter.all
    source_system: str | None = None
    correlation_id: str | None = None
    file_name: str | None = None


class CancelRequest(RequestModel):
    """Body of `PATCH /{tenant}/api/v4/export/{id}`."""

    model_config = ConfigDict(defer_build=False)  # a request body, as ExportRequest

    export_status: Literal["cancelled"]


# --- errors ---------------------------------------------------------------------------------


class ApiError(WireModel):
    """One entry of a job's `errors`: a code, a message naming the bad value, and the reference."""

    code: str
    message: str
    ref: str | None = None


# --- job status -----------------------------------------------------------------------------


class OutputFile(WireModel):
    file: str
    file_hash: str


class ServiceOutput(WireModel):
    service_uri_source: str
    folder_source: str
    service_source: str
    service_id_source: str


class ServiceVersionOutput(WireModel):
    service_uri_source: str
    folder_source: str
    service_source: str
    version_source: str
    service_id_source: str
    version_id_source: str


class ExportOutputs(WireModel):
    files: list[OutputFile] | None = Field(default_factory=list)
    services: list[ServiceOutput] = Field(default_factory=list)
    service_versions: list[ServiceVersionOutput] = Field(default_factory=list)


class JobProgress(WireModel):
    """spark-tui extension (absent from real Spark responses): packaging progress in bytes."""

    bytes_done: int = 0
    bytes_total: int = 0
    created_by: str | None = None
    created_timestamp: str | None = None
    file_name: str | None = None
    package_bytes: int | None = None


class ExportJob(WireModel):
    """Response of POST / GET status / PATCH: the export job object."""

    object: Literal["export"] = "export"
    id: str
    response_timestamp: str
    status: JobStatus
    status_url: str | None = None
    process_time: int = 0
    outputs: ExportOutputs = Field(default_factory=ExportOutputs)
    errors: list[ApiError] | None = None
    source_system: str | None = None
    correlation_id: str | None = None
    progress: JobProgress | None = None

    def wire(self) -> dict:
        """The JSON body as Spark sends it (our `progress` extension only when present)."""
        return self.model_dump(mode="json", exclude_none=False, exclude={"progress"} if self.progress is None else set())


class PackageManifest(WireModel):
    """`{tenant}/manifest.json` inside a package: the job reduced to object, id and outputs."""

    object: Literal["export"] = "export"
    id: str
    outputs: ExportOutputs

    def compact_json(self) -> str:
        return self.model_dump_json()


# --- tenant-wide status ---------------------------------------------------------------------


class TenantJobData(WireModel):
    export_status: JobStatus
    response_timestamp: str
    created_by: str
    created_timestamp: str
    updated_timestamp: str
    process_time: int = 0


class TenantJob(WireModel):
    object: Literal["export"] = "export"
    id: str
    data: TenantJobData


class TenantConfiguration(WireModel):
    export_api_job_limit: int


class TenantJobCounts(WireModel):
    export_api_jobs_in_progress: int


class TenantInfo(WireModel):
    configuration: TenantConfiguration
    status: TenantJobCounts


class TenantExportStatus(WireModel):
    """Response of `GET /{tenant}/api/v4/export/status`."""

    in_progress_exports: list[TenantJob] = Field(default_factory=list)
    recent_exports: list[TenantJob] = Field(default_factory=list)
    tenant: TenantInfo


# --- browsing (backend-neutral) ---------------------------------------------------------------


class FolderInfo(WireModel):
    id: str
    name: str
    service_count: int = 0
    required_group: str | None = None
    accessible: bool = True


class ServiceInfo(WireModel):
    id: str
    folder: str
    name: str
    version_count: int = 0
    latest_version: str | None = None
    engine_type: EngineType = EngineType.neuron
    exportable: bool = True


class VersionInfo(WireModel):
    id: str
    folder: str
    service: str
    service_id: str
    version: str
    engine_type: EngineType = EngineType.neuron
    has_module: bool = True
    created: str | None = None
    size: int = 0
    original_file_name: str | None = None

    @property
    def exportable(self) -> bool:
        return self.engine_type is EngineType.neuron and self.has_module


class Page(WireModel):
    """One page of a listing; `total` counts every item across pages."""

    items: list = Field(default_factory=list)
    page: int = 1
    page_size: int = 100
    total: int = 0

    @property
    def has_more(self) -> bool:
        return self.page * self.page_size < self.total


# --- preview (dry run) ------------------------------------------------------------------------


class PreviewFile(WireModel):
    path: str
    size: int


class ExportPreview(WireModel):
    """What an export would contain: the resolution, projected size and (empty) error list."""

    services: list[ServiceOutput] = Field(default_factory=list)
    service_versions: list[ServiceVersionOutput] = Field(default_factory=list)
    files: list[PreviewFile] = Field(default_factory=list)
    projected_bytes: int = 0
    size_limit: int = 0
    errors: list[ApiError] = Field(default_factory=list)


# --- downloads (batch output) -----------------------------------------------------------------


class Download(WireModel):
    path: str
    bytes: int
    sha256: str
    verified: bool
