"""The Hybrid Runner's answers (as the Hybrid Runner and the SDK's wasm client document them): to `POST {runner}/api/v3/upload`,
`{"response_data": [{"tenant": "...", "services": [<ModelMetaData.json of each version>]}]}`, and to
`GET {runner}/version`, `{version, lastPullDate, filehash}`. Parsed leniently (unknown fields kept,
missing ones empty), since runners differ by version.
"""

from __future__ import annotations

from pydantic import ConfigDict, Field

from spark_tui.spark.export_wire import WireModel
from spark_tui.spark.uri import service_uri


class _Lenient(WireModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)


class RunnerEngineInformation(_Lenient):
    ProductName: str | None = None  # the folder
    ServiceName: str | None = None
    Revision: str | None = None  # the version
    ServiceVersionGuid: str | None = None


class RunnerService(_Lenient):
    EngineInformation: RunnerEngineInformation = Field(default_factory=RunnerEngineInformation)
    VersionId: str | None = None

    @property
    def version_id(self) -> str | None:
        return self.VersionId or self.EngineInformation.ServiceVersionGuid

    @property
    def uri(self) -> str:
        info = self.EngineInformation
        return service_uri(info.ProductName or "?", info.ServiceName or "?", info.Revision or "?")


class RunnerTenant(_Lenient):
    tenant: str | None = None
    services: list[RunnerService] | None = None


class RunnerUploadAnswer(_Lenient):
    response_data: list[RunnerTenant] | None = None

    @property
    def services(self) -> list[RunnerService]:
        return [s for t in self.response_data or [] for s in t.services or []]


class RunnerVersion(_Lenient):
    version: str | None = None
    lastPullDate: str | None = None
    filehash: str | None = None
