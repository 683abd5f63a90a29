"""Wire shapes of Spark's browse APIs (v1 folder/engine listings, v3 service exists).

Field names are exactly Spark's (its v1/v3 browse APIs). Fields marked "spark-tui extension"
are absent from real Spark responses; they default so that real responses still parse, and
let a client of `spark-tui serve` show exactly what the embedded backend shows.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import Field

from spark_tui.spark.export_wire import ErrorBody, RequestModel, SparkAnswer  # server.errors imports ErrorBody from here
from spark_tui.spark.values import EngineType, FolderInfo, ServiceInfo, VersionInfo

T = TypeVar("T")
SUCCESS = ("success", "ok")


def _refusal(status: str | None, code: str | None, message: str | None, error: Any = None) -> tuple[str, str] | None:
    """(code, message) when an envelope reports a failure (with HTTP 2xx, as v1 folder calls do)."""
    if (status or SUCCESS[0]).strip().lower() in SUCCESS and not code and not error:
        return None
    detail = ErrorBody.model_validate(error).message if error else None
    text = message or detail or f"status '{status}'"
    return code or (status or "ERROR"), text


# --- envelopes --------------------------------------------------------------------------------


class V1Envelope(SparkAnswer, Generic[T]):
    """`{status, message, errorCode, data, count, next, previous}` of the v1 APIs.

    A failure may come with HTTP 2xx, `status` other than `Success`, an `errorCode` and no
    `data` (see `refusal`)."""

    status: str | None = "Success"
    message: str | None = None
    errorCode: str | None = None
    data: T | None = None
    count: int | None = None
    next: int | str | None = None
    previous: int | str | None = None

    @property
    def refusal(self) -> tuple[str, str] | None:
        """(errorCode, message) when the envelope reports a failure, else None."""
        return _refusal(self.status, self.errorCode, self.message)


class V3Meta(SparkAnswer):
    system: str = "SPARK"
    request_timestamp: str | None = None


class V3Envelope(SparkAnswer, Generic[T]):
    """`{status, response_data, response_meta, error}` of the v3 APIs."""

    status: str | None = "Success"
    response_data: T | None = None
    response_meta: V3Meta = Field(default_factory=V3Meta)
    error: Any = None

    @property
    def refusal(self) -> tuple[str, str] | None:
        """(code, message) when the envelope reports a failure, else None."""
        return _refusal(self.status, None, None, self.error)


# --- request bodies ---------------------------------------------------------------------------


MAX_PAGE = 2**31 - 1  # (page - 1) * pageSize must fit SQLite's 64-bit OFFSET


class V1ListRequest(RequestModel):
    """Body of `POST /api/v1/product/list` and `POST /api/v1/product/{folder}/engines` (both filter
    by the `name` item of `search`; the folder list also orders by `sort`, e.g. `-updated`)."""

    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    pageSize: int = Field(default=100, ge=1, le=1000)
    search: list[dict[str, Any]] | None = Field(default=None, max_length=20)
    sort: str | None = Field(default=None, max_length=256)


# --- items ------------------------------------------------------------------------------------


class V1Folder(SparkAnswer):
    """An item of `POST /api/v1/product/list`."""

    id: str
    name: str
    status: str | None = None
    category: str | None = None
    description: str | None = None
    createdAt: str | None = None
    createdBy: str | None = None
    lastModifiedDate: str | None = None
    startDate: str | None = None
    launchDate: str | None = None
    isStarred: bool = False
    activeServiceCount: int = 0
    totalServiceCount: int = 0
    requiredGroup: str | None = None  # spark-tui extension
    isAccessible: bool = True  # spark-tui extension

    @classmethod
    def of(cls, f: FolderInfo) -> V1Folder:
        return cls(
            id=f.id, name=f.name, status=f.status, category=f.category, description=f.description,
            createdAt=f.created, createdBy=f.created_by, lastModifiedDate=f.updated, startDate=f.start_date,
            launchDate=f.launch_date, totalServiceCount=f.service_count, activeServiceCount=f.service_count,
            requiredGroup=f.required_group, isAccessible=f.accessible,
        )

    def info(self) -> FolderInfo:
        return FolderInfo(
            id=self.id, name=self.name, service_count=self.totalServiceCount,
            required_group=self.requiredGroup, accessible=self.isAccessible, description=self.description,
            category=self.category, status=self.status, start_date=self.startDate, launch_date=self.launchDate,
            created=self.createdAt, updated=self.lastModifiedDate, created_by=self.createdBy,
        )


class V1FolderCreated(SparkAnswer):
    """`data` of `POST /api/v1/product/create`: the new folder's id and the URL that reads it back."""

    folderId: str
    get_product_url: str | None = None


class V1Engine(SparkAnswer):
    """An item of `POST /api/v1/product/{folder}/engines` (one service, its latest version)."""

    serviceName: str
    revision: str | None = None
    versionId: str | None = None
    originalFileName: str | None = None
    serviceStatus: str | None = "active"
    isStarred: bool = False
    lastModifiedDate: str | None = None
    defaultEngineType: EngineType = EngineType.neuron
    serviceId: str | None = None  # spark-tui extension
    versionCount: int | None = None  # spark-tui extension
    exportable: bool = True  # spark-tui extension

    @classmethod
    def of(cls, s: ServiceInfo) -> V1Engine:
        return cls(
            serviceName=s.name, revision=s.latest_version, defaultEngineType=s.engine_type, serviceId=s.id,
            versionCount=s.version_count, exportable=s.exportable,
        )

    def info(self, folder: str) -> ServiceInfo:
        return ServiceInfo(
            id=self.serviceId or "", folder=folder, name=self.serviceName, version_count=self.versionCount or 0,
            latest_version=self.revision, engine_type=self.defaultEngineType, exportable=self.exportable,
        )


class V1Version(SparkAnswer):
    """An item of `GET /api/v1/product/{folder}/engines/getversions/{service}`."""

    id: str
    createdAt: str | None = None
    engine: str
    revision: str
    product: str
    isActive: bool = True
    releaseNote: str | None = None
    author: str | None = None
    originalFileName: str | None = None
    defaultEngineType: EngineType = EngineType.neuron
    serviceId: str | None = None  # spark-tui extension
    hasModule: bool | None = None  # spark-tui extension
    size: int = 0  # spark-tui extension
    fingerprint: str | None = None  # spark-tui extension (spark/fingerprint.py)

    @classmethod
    def of(cls, v: VersionInfo) -> V1Version:
        return cls(
            id=v.id, createdAt=v.created, engine=v.service, revision=v.version, product=v.folder,
            originalFileName=v.original_file_name, defaultEngineType=v.engine_type, serviceId=v.service_id,
            hasModule=v.has_module, size=v.size, fingerprint=v.fingerprint,
        )

    def info(self, service_id: str) -> VersionInfo:
        has_module = self.hasModule if self.hasModule is not None else self.defaultEngineType is EngineType.neuron
        return VersionInfo(
            id=self.id, folder=self.product, service=self.engine, service_id=self.serviceId or service_id,
            version=self.revision, engine_type=self.defaultEngineType, has_module=has_module,
            created=self.createdAt, size=self.size, original_file_name=self.originalFileName,
            fingerprint=self.fingerprint,
        )


class V3ServiceExists(SparkAnswer):
    """`response_data` of `GET /{tenant}/api/v3/folders/{folder}/services/{service}/exists`."""

    id: str | None = None
    name: str | None = None
    is_exists: bool = False
    version: str | None = None
    last_modified_date: str | None = None
    latest_version_id: str | None = None
    service_status: str | None = None
