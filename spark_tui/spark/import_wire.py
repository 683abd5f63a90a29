"""Wire shapes of Spark's import API (`POST /{tenant}/api/v4/import`, as Spark's import API documents it).

One definition for the engine, `serve`, the remote client and batch output. Answers are parsed
with the same lenient pieces as export answers (spark/export_wire.py: `SparkAnswer` keeps unknown
fields, `JobStatus` reads `completed` as `closed`, `ApiErrors`/`ApiWarnings` take items of any
shape); item statuses other than added/replaced/updated are accepted. What spark-tui emits
always has every field.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator

from spark_tui.spark.export_wire import (
    ApiErrors,
    ApiWarnings,
    JobProgress,
    Millis,
    RequestModel,
    SparkAnswer,
    Timestamp,
    WireModel,
    none_as_empty,
    none_as_object,
)
from spark_tui.spark.values import IfPresent, JobStatus, VersionBump


# --- request -----------------------------------------------------------------------------------


class ServiceMapping(RequestModel):
    """One `services_modify` entry: import `service_uri_source` (`folder/service`, or
    `folder/service[revision]` for one revision) as the destination (default: the source's service)."""

    service_uri_source: str
    service_uri_destination: str | None = None
    update_version_type: VersionBump = VersionBump.minor

    @property
    def destination(self) -> str:
        source = self.service_uri_source
        return self.service_uri_destination or (source.rpartition("[")[0] if source.rstrip().endswith("]") else source)


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


class _ServiceFields(SparkAnswer):
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


class ImportOutputs(SparkAnswer):
    services: Annotated[list[ImportedService], BeforeValidator(none_as_empty)] = Field(default_factory=list)
    service_versions: Annotated[list[ImportedServiceVersion], BeforeValidator(none_as_empty)] = Field(default_factory=list)


class ImportResult(WireModel):
    """What loading a package into an embedded workspace did (`--load-package`; no job)."""

    tenant: str
    services: list[ImportedService] = Field(default_factory=list)
    service_versions: list[ImportedServiceVersion] = Field(default_factory=list)


class ImportJob(SparkAnswer):
    """Response of `POST /{tenant}/api/v4/import` and `GET …/import/{id}/status`.

    A POST answer may hold only `{id, object, status_url}`: the status then reads `created`
    (the remote backend reads the job's status after such an answer).
    """

    object: str = "import"
    id: str
    response_timestamp: Timestamp = ""
    status: JobStatus = JobStatus.created
    status_url: str | None = None
    process_time: Millis = 0
    outputs: Annotated[ImportOutputs, BeforeValidator(none_as_object)] = Field(default_factory=ImportOutputs)
    errors: ApiErrors = None
    warnings: ApiWarnings = Field(default_factory=list)
    source_system: str | None = None
    correlation_id: str | None = None
    progress: JobProgress | None = None

    def wire(self) -> dict:
        """The JSON body as Spark sends it (our `progress` extension only when present)."""
        return self.model_dump(mode="json", exclude={"progress"} if self.progress is None else set())


# --- tenant-wide status --------------------------------------------------------------------------


class TenantImportJobData(SparkAnswer):
    import_status: JobStatus
    response_timestamp: str | None = None
    created_by: str | None = None
    created_timestamp: str | None = None
    updated_timestamp: str | None = None
    process_time: Millis = 0


class TenantImportJob(SparkAnswer):
    object: str = "import"
    id: str
    data: TenantImportJobData


class TenantImportConfiguration(SparkAnswer):
    import_api_job_limit: int | None = None


class TenantImportCounts(SparkAnswer):
    import_api_jobs_in_progress: int | None = None


class TenantImportInfo(SparkAnswer):
    configuration: TenantImportConfiguration = Field(default_factory=TenantImportConfiguration)
    status: TenantImportCounts = Field(default_factory=TenantImportCounts)


class TenantImportStatus(SparkAnswer):
    """Response of `GET /{tenant}/api/v4/import/status`: in-progress imports and those of the past hour."""

    in_progress_imports: Annotated[list[TenantImportJob], BeforeValidator(none_as_empty)] = Field(default_factory=list)
    recent_imports: Annotated[list[TenantImportJob], BeforeValidator(none_as_empty)] = Field(default_factory=list)
    tenant: TenantImportInfo = Field(default_factory=TenantImportInfo)
