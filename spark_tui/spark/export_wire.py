"""Pydantic models of every JSON shape of the Export API: the single definition of each.

Field names are exactly Spark's. The engine, the HTTP server, the remote client and the batch
output all (de)serialise through these models. Shapes Spark sends back (`SparkAnswer` models)
are parsed leniently, as both official SDKs accept them: unknown fields are kept, `completed`
reads as `closed`, `null` lists read as empty, error and warning items of any shape are accepted.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from spark_tui.spark.values import FileFilter, JobStatus, VersionFilter


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


class SparkAnswer(WireModel):
    """Base of shapes Spark sends back: unknown fields are kept (and shown again with `--json`)."""

    model_config = ConfigDict(extra="allow")


def none_as_empty(value: Any) -> Any:
    """A `null` list reads as empty (export and import answers)."""
    return [] if value is None else value


def none_as_object(value: Any) -> Any:
    """A `null` object (e.g. a job's `outputs`) reads as an empty one."""
    return {} if value is None else value


def _whole_number(value: Any) -> Any:
    return 0 if value is None else round(value) if isinstance(value, float) else value


def _as_list(value: Any) -> Any:
    """A single error/warning (object or string) sent where a list is expected becomes a list of one;
    an empty object (`errors: {}`, the spec types `errors` as an object) is no error at all."""
    if value == {}:
        return None
    return [value] if isinstance(value, (dict, str)) else value


Millis = Annotated[int, BeforeValidator(_whole_number)]
"""`process_time`: milliseconds; a fractional number is rounded, null reads as 0."""

Timestamp = Annotated[str, BeforeValidator(lambda v: "" if v is None else v)]
"""`response_timestamp`: null reads as unknown ("")."""


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

    inputs: ExportInputs = Field(default_factory=ExportInputs)
    file_filter: FileFilter = FileFilter.migrate
    version_filter: VersionFilter = VersionFilter.all
    source_system: str | None = None
    correlation_id: str | None = None
    file_name: str | None = None

    def body(self) -> dict:
        """The JSON body as the SDKs send it: no empty input lists, no nulls for fields not given."""
        body = self.model_dump(mode="json", exclude_none=True)
        body["inputs"] = {name: items for name, items in body["inputs"].items() if items}
        return body


class CancelRequest(RequestModel):
    """Body of `PATCH /{tenant}/api/v4/export/{id}`."""

    export_status: Literal["cancelled"]


# --- errors ---------------------------------------------------------------------------------


UNSPECIFIED_CODE = "UNSPECIFIED"
_MESSAGE_KEYS = ("message", "msg", "description", "detail", "error_description", "title", "error", "reason")
_CODE_KEYS = ("code", "errorCode", "error_code", "type")


def _text(value: Any) -> str | None:
    """A scalar as text, unchanged, unless blank (dicts and lists are not messages)."""
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value)
    return text if text.strip() else None


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)[:300]


class ApiError(SparkAnswer):
    """One entry of a job's `errors`: a code, a message naming the bad value, and the reference.

    Parsed leniently: a bare string is a message; a missing code reads as `UNSPECIFIED` (or the
    item's `errorCode`/`type`); a missing message is taken from `msg`/`description`/`detail`/…,
    else the code, else the item itself as compact JSON.
    """

    code: str
    message: str
    ref: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _lenient(cls, value: Any) -> Any:
        if isinstance(value, BaseModel):
            return value
        if not isinstance(value, dict):
            return {"code": UNSPECIFIED_CODE, "message": _text(value) or _compact(value)}
        item = dict(value)
        code = next((t for k in _CODE_KEYS if (t := _text(item.get(k)))), None)
        message = next((t for k in _MESSAGE_KEYS if (t := _text(item.get(k)))), None)
        item["code"] = code or UNSPECIFIED_CODE
        item["message"] = message or code or _compact(value)
        if item.get("ref") is not None and not isinstance(item["ref"], str):
            item["ref"] = _compact(item["ref"])
        return item


class ApiWarning(SparkAnswer):
    """One entry of a job's `warnings`: a string or an object; `message` is always readable."""

    message: str
    code: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _lenient(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"message": value}
        if not isinstance(value, dict):
            return {"message": _compact(value)}
        item = dict(value)
        item["code"] = next((t for k in _CODE_KEYS if (t := _text(item.get(k)))), None)
        item["message"] = next((t for k in _MESSAGE_KEYS if (t := _text(item.get(k)))), None) or item["code"] or _compact(value)
        return item


ApiErrors = Annotated[list[ApiError] | None, BeforeValidator(_as_list)]
"""A job's `errors`: null, a list, or (leniently) a single item."""

ApiWarnings = Annotated[list[ApiWarning], BeforeValidator(lambda v: _as_list(none_as_empty(v)))]
"""A job's `warnings`: a list of strings or objects; null reads as empty."""


class ErrorBody(SparkAnswer):
    """An error response body. `spark-tui serve` always sends `{message, errors}`; from Spark any
    JSON is accepted (v1 `{status, errorCode, message}`, v3 `{error}`, OAuth `{error,
    error_description}`, problem details `{title, detail, errors: {field: [..]}}`, `{detail}`,
    a bare string or list): `message` is the server's own words, `errors` every item it named."""

    message: str
    errors: list[ApiError] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _lenient(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"message": _text(value) or "(empty message)"}
        if isinstance(value, list):
            return {"message": _compact(value), "errors": value}
        if not isinstance(value, dict):
            return {"message": _compact(value)}
        body = dict(value)
        nested = [body.get(k) for k in ("errors", "error", "detail") if isinstance(body.get(k), (dict, list))]
        errors = [ApiError.model_validate(item) for group in nested for item in _error_items(group)]
        message = next((t for k in _MESSAGE_KEYS if (t := _text(body.get(k)))), None)
        code = next((t for k in ("errorCode", "error_code", "code") if (t := _text(body.get(k)))), None)
        message = message or (errors[0].message if errors else None) or code or _compact(value)
        if not errors and code:  # the item keeps the words alone: a code is shown beside them, not twice
            errors = [ApiError(code=code, message=message)]
        if code and code not in message:
            message = f"{code}: {message}"
        body.update(message=message, errors=errors)
        return body


def _error_items(value: dict | list) -> list:
    """Error items of any shape: a list, one object, or problem details' `{field: [messages]}`."""
    if isinstance(value, list):
        return value
    if not any(k in value for k in (*_MESSAGE_KEYS, *_CODE_KEYS)):
        return [
            {"code": UNSPECIFIED_CODE, "ref": str(field), "message": f"{field}: {' '.join(map(str, v)) if isinstance(v, list) else v}"}
            for field, v in value.items()
        ]
    return [value]


# --- job status -----------------------------------------------------------------------------


class OutputFile(SparkAnswer):
    file: str
    file_hash: str | None = None  # SHA-256 or MD5 (by length); Spark's docs do not say, a server may omit it


class ServiceOutput(SparkAnswer):
    service_uri_source: str
    folder_source: str
    service_source: str
    service_id_source: str


class ServiceVersionOutput(SparkAnswer):
    service_uri_source: str
    folder_source: str
    service_source: str
    version_source: str
    service_id_source: str
    version_id_source: str


class ExportOutputs(SparkAnswer):
    files: list[OutputFile] | None = Field(default_factory=list)
    services: Annotated[list[ServiceOutput], BeforeValidator(none_as_empty)] = Field(default_factory=list)
    service_versions: Annotated[list[ServiceVersionOutput], BeforeValidator(none_as_empty)] = Field(default_factory=list)


class JobProgress(WireModel):
    """spark-tui extension (absent from real Spark responses): packaging progress in bytes."""

    bytes_done: int = 0
    bytes_total: int = 0
    created_by: str | None = None
    created_timestamp: str | None = None
    finished_timestamp: str | None = None  # when an ended job ended: with created_timestamp, its wall time
    file_name: str | None = None
    package_bytes: int | None = None


class JobAccepted(SparkAnswer):
    """The least a job POST may answer (the SDKs' `{id, object, status_url}`); the client then
    reads the job's status."""

    object: str | None = None
    id: str
    status_url: str | None = None


class ExportJob(SparkAnswer):
    """Response of POST / GET status / PATCH: the export job object."""

    object: str = "export"
    id: str
    response_timestamp: Timestamp = ""
    status: JobStatus
    status_url: str | None = None
    process_time: Millis = 0
    outputs: Annotated[ExportOutputs, BeforeValidator(none_as_object)] = Field(default_factory=ExportOutputs)
    errors: ApiErrors = None
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


class TenantJobData(SparkAnswer):
    export_status: JobStatus
    response_timestamp: Timestamp = ""
    created_by: str = ""
    created_timestamp: str = ""
    updated_timestamp: str = ""
    process_time: Millis = 0


class TenantJob(SparkAnswer):
    object: str = "export"
    id: str
    data: TenantJobData


class TenantConfiguration(SparkAnswer):
    export_api_job_limit: int = 1


class TenantJobCounts(SparkAnswer):
    export_api_jobs_in_progress: int = 0


class TenantInfo(SparkAnswer):
    configuration: TenantConfiguration = Field(default_factory=TenantConfiguration)
    status: TenantJobCounts = Field(default_factory=TenantJobCounts)


class TenantExportStatus(SparkAnswer):
    """Response of `GET /{tenant}/api/v4/export/status`."""

    in_progress_exports: Annotated[list[TenantJob], BeforeValidator(none_as_empty)] = Field(default_factory=list)
    recent_exports: Annotated[list[TenantJob], BeforeValidator(none_as_empty)] = Field(default_factory=list)
    tenant: TenantInfo = Field(default_factory=TenantInfo)


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


# --- identity (spark-tui serve extension) -------------------------------------------------------


class WhoAmI(SparkAnswer):
    """Response of `GET /{tenant}/api/v4/whoami` (spark-tui serve only): who the caller is."""

    user: str
    groups: Annotated[list[str], BeforeValidator(none_as_empty)] = Field(default_factory=list)


# --- downloads (batch output) -----------------------------------------------------------------


class Download(WireModel):
    path: str
    bytes: int
    sha256: str  # always computed and recorded, whatever the server gave
    verified: bool  # the file matched the server's file_hash
    hash_algorithm: str | None = "sha256"  # of the server's file_hash: sha256, md5, or None when it gave none
