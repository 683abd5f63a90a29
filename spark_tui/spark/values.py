"""The Export API's values that need no validation: its enums, its timestamp format, and the
backend-neutral catalog rows (folders, services, versions, pages) every backend returns.

Nothing here imports pydantic, so the TUI draws its first frame (the folders of the embedded
workspace) before the wire models are loaded. Rows are plain dataclasses: backends build them
from already-validated data (the store's own schema, or a wire model of spark/browse_wire.py), and
`--batch --json` prints them with `as_json`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any

DEFAULT_SIZE_LIMIT = 209_715_200  # Spark's default package size limit of a tenant (200 MiB)
ONPREM_METADATA = ("ModelMetaData.json", "WASMMetaData.json", "DefaultValidations.json")
"""The files an `onpremises` export adds beside each version's ZIP."""


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
    """A job's status; `completed` (which both SDKs accept as done) reads as `closed`, any case."""

    created = "created"
    in_progress = "in_progress"
    closed = "closed"
    failed = "failed"
    closed_by_timeout = "closed_by_timeout"
    cancelled = "cancelled"

    @classmethod
    def _missing_(cls, value: object) -> JobStatus | None:
        text = str(value).strip().lower().replace("-", "_").replace(" ", "_")
        return {"completed": cls.closed, "canceled": cls.cancelled, "inprogress": cls.in_progress}.get(text) or next(
            (member for member in cls if member.value == text), None
        )

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


# --- catalog rows (backend-neutral) -----------------------------------------------------------


@dataclass(kw_only=True)
class FolderInfo:
    id: str
    name: str
    service_count: int = 0
    required_group: str | None = None
    accessible: bool = True
    description: str | None = None
    category: str | None = None
    status: str | None = None
    start_date: str | None = None
    launch_date: str | None = None
    created: str | None = None
    updated: str | None = None
    created_by: str | None = None


@dataclass(kw_only=True)
class ServiceInfo:
    id: str
    folder: str
    name: str
    version_count: int = 0
    latest_version: str | None = None
    engine_type: EngineType = EngineType.neuron
    exportable: bool = True


@dataclass(kw_only=True)
class VersionInfo:
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
    fingerprint: str | None = None  # spark-tui extension: content identity (spark/fingerprint.py); None from real Spark

    @property
    def exportable(self) -> bool:
        return self.engine_type is EngineType.neuron and self.has_module


@dataclass(kw_only=True)
class Page:
    """One page of a listing; `total` counts every item across pages."""

    items: list = field(default_factory=list)
    page: int = 1
    page_size: int = 100
    total: int = 0

    @property
    def has_more(self) -> bool:
        return self.page * self.page_size < self.total


def as_json(row: FolderInfo | ServiceInfo | VersionInfo) -> dict[str, Any]:
    """A catalog row as `--batch --json` prints it: its fields, enums as their values."""
    return {key: value.value if isinstance(value, Enum) else value for key, value in asdict(row).items()}
