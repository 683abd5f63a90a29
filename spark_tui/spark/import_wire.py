"""Wire shapes of Spark's import API (`POST /{tenant}/api/v4/import`, reference/spark-api.md §2.6–2.7)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from spark_tui.spark.models import WireModel, ApiError, IfPresent, ImportedVersion, ImportResult, JobStatus, VersionBump


class ServiceMapping(WireModel):
    service_uri_source: str
    service_uri_destination: str | None = None
    update_version_type: VersionBump = VersionBump.minor


class ImportInputs(WireModel):
    services_modify: list[ServiceMapping] = Field(default_factory=list)


class ImportRequestEntity(WireModel):
    """The `importRequestEntity` multipart field (a JSON string)."""

    inputs: ImportInputs = Field(default_factory=ImportInputs)
    services_existing: IfPresent = IfPresent.abort
    source_system: str | None = None
    correlation_id: str | None = None

    @property
    def bump(self) -> VersionBump:
        mappings = self.inputs.services_modify
        return mappings[0].update_version_type if mappings else VersionBump.minor


class ImportedService(WireModel):
    service_uri_source: str
    service_uri_destination: str
    status: str = "added"


class ImportOutputs(WireModel):
    services: list[ImportedService] = Field(default_factory=list)
    service_versions: list[ImportedVersion] = Field(default_factory=list)


class ImportJob(WireModel):
    """Response of `POST /{tenant}/api/v4/import` and `GET …/import/{id}/status`."""

    object: Literal["import"] = "import"
    id: str
    response_timestamp: str
    status: JobStatus
    status_url: str | None = None
    process_time: int = 0
    outputs: ImportOutputs = Field(default_factory=ImportOutputs)
    errors: list[ApiError] | None = None
    warnings: list[str] = Field(default_factory=list)
    source_system: str | None = None
    correlation_id: str | None = None

    @classmethod
    def of(cls, job_id: str, result: ImportResult, **fields: object) -> ImportJob:
        services = [ImportedService(service_uri_source=s, service_uri_destination=s) for s in result.services]
        return cls(id=job_id, outputs=ImportOutputs(services=services, service_versions=result.service_versions), **fields)

    def result(self, tenant: str) -> ImportResult:
        return ImportResult(
            tenant=tenant, services=[s.service_uri_destination for s in self.outputs.services],
            service_versions=self.outputs.service_versions,
        )
