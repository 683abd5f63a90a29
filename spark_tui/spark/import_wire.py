"""Wire shapes of Spark's import API (`POST /{tenant}/api/v4/import`, reference/spark-api.md §2.6–2.7).

One definition for the engine, `serve`, the remote client and batch output. Parsing is lenient
about what a real tenant may send: unknown fields are kept, `completed` reads as `closed`, error
items may lack a code or a message, warnings may be strings or objects, and item statuses other
than added/replaced/updated are accepted. What spark-tui emits always has every field.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, field_validator

from spark_tui.spark.models import (
    ApiError,
    IfPresent,
    JobProgress,
    JobStatus,
    RequestModel,
    VersionBump,
    WireModel,
)


class LenientModel(WireModel):
    """A wire model that keeps the fields it does not know (a real tenant may send more)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, use_enum_values=False, defer_build=True)


def lenient_status(value: Any) -> Any:
    """`completed` (seen from real tenants and accepted by both SDKs) is `closed`."""
    return JobStatus.closed.value if value == "completed" else value


def lenient_errors(value: Any) -> Any:
    """Error items missing `code` or `message` get them from what they do hold."""
    if not isinstance(value, list):
        return value
    items = []
    for item in value:
        if isinstance(item, str):
            item = {"message": item}
        if isinstance(item, dict):
            text = item.get("message") or item.get("error") or item.get("detail") or item.get("code")
            item = {**item, "code": item.get("code") or "ERROR", "message": text or str(item)}
        items.append(item)
    return items


# --- request -----------------------------------------------------------------------------------


class ServiceMapping(RequestModel):
    """One `services_modify` entry: import `service_uri_source` (`folder/service`) as the destination."""

    service_uri_source: str
    service_uri_destination: str | None = None
    update_version_type: VersionBump = VersionBump.minor

    @property
    def destination(self) -> str:
        return self.service_uri_destination or self.service_uri_source


class ImportInputs(RequestModel):
    services_modify: list[ServiceMapping] = Field(default_factory=list)


class ImportRequestEntity(RequestModel):
    """The `importRequestEntity` multipart field (a JSON string)."""

    inputs: ImportInputs = Field(default_factory=ImportInputs)
    services_existing: IfPresent = IfPresent.abort
    source_system: str | None = None
    correlation_id: str | None = None

    @field_validator("services_existing", mode="before")
    @classmethod
    def _absent_is_abort(cls, value: Any) -> Any:
        return IfPresent.abort.value if value is None else value


# --- results -----------------------------------------------------------------------------------


class _ServiceFields(LenientModel):
    service_uri_source: str | None = None
    folder_source: str | None = None
    service_source: str | None = None
    service_id_source: str | None = None
    service_uri_destination: str | None = None
    folder_destination: str | None = None
    service_destination: str | None = None
    service_id_destination: str | None = None


class ImportedService(_ServiceFields):
    """One service of an import's `outputs.services` (URIs as `folder/service`); status added|replaced|updated."""

    status: str = "added"


class ImportedServiceVersion(_ServiceFields):
    """One version of an import's `outputs.service_versions` (URIs as `folder/service[x.y.z]`)."""

    version_source: str | None = None
    version_id_source: str | None = None
    version_destination: str | None = None
    version_id_destination: str | None = None
    status: str = "added"


class ImportOutputs(LenientModel):
    services: list[ImportedService] = Field(default_factory=list)
    service_versions: list[ImportedServiceVersion] = Field(default_factory=list)

    @field_validator("services", "service_versions", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


class ImportResult(WireModel):
    """What loading a package into an embedded workspace did (`--load-package`; no job)."""

    tenant: str
    services: list[ImportedService] = Field(default_factory=list)
    service_versions: list[ImportedServiceVersion] = Field(default_factory=list)


class ImportJob(LenientModel):
    """Response of `POST /{tenant}/api/v4/import` and `GET …/import/{id}/status`.

    A POST answer may hold only `{id, object, status_url}`: the status then reads `created`.
    """

    object: str = "import"
    id: str
    response_timestamp: str | None = None
    status: JobStatus = JobStatus.created
    status_url: str | None = None
    process_time: int = 0
    outputs: ImportOutputs = Field(default_factory=ImportOutputs)
    errors: list[ApiError] | None = None
    warnings: list[str | dict[str, Any]] | None = Field(default_factory=list)
    source_system: str | None = None
    correlation_id: str | None = None
    progress: JobProgress | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _completed_is_closed(cls, value: Any) -> Any:
        return lenient_status(value)

    @field_validator("errors", mode="before")
    @classmethod
    def _error_items(cls, value: Any) -> Any:
        return lenient_errors(value)

    @field_validator("outputs", mode="before")
    @classmethod
    def _null_outputs(cls, value: Any) -> Any:
        return {} if value is None else value

    def wire(self) -> dict:
        """The JSON body as Spark sends it (our `progress` extension only when present)."""
        return self.model_dump(mode="json", exclude={"progress"} if self.progress is None else set())


# --- tenant-wide status --------------------------------------------------------------------------


class TenantImportJobData(LenientModel):
    import_status: JobStatus
    response_timestamp: str | None = None
    created_by: str | None = None
    created_timestamp: str | None = None
    updated_timestamp: str | None = None
    process_time: int = 0

    @field_validator("import_status", mode="before")
    @classmethod
    def _completed_is_closed(cls, value: Any) -> Any:
        return lenient_status(value)


class TenantImportJob(LenientModel):
    object: str = "import"
    id: str
    data: TenantImportJobData


class TenantImportConfiguration(LenientModel):
    import_api_job_limit: int | None = None


class TenantImportCounts(LenientModel):
    import_api_jobs_in_progress: int | None = None


class TenantImportInfo(LenientModel):
    configuration: TenantImportConfiguration = Field(default_factory=TenantImportConfiguration)
    status: TenantImportCounts = Field(default_factory=TenantImportCounts)


class TenantImportStatus(LenientModel):
    """Response of `GET /{tenant}/api/v4/import/status`: in-progress imports and those of the past hour."""

    in_progress_imports: list[TenantImportJob] = Field(default_factory=list)
    recent_imports: list[TenantImportJob] = Field(default_factory=list)
    tenant: TenantImportInfo = Field(default_factory=TenantImportInfo)

    @field_validator("in_progress_imports", "recent_imports", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value
