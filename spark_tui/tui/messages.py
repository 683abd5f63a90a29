"""Typed messages that thread workers post back to the UI (post_message is thread-safe)."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from spark_tui.spark.export_wire import ExportJob, ExportPreview, ExportRequest, Page, VersionInfo


@dataclass
class FoldersLoaded(Message):
    page: Page


@dataclass
class ServicesLoaded(Message):
    folder: str
    page: Page


@dataclass
class VersionsLoaded(Message):
    folder: str
    service: str
    versions: list[VersionInfo]


@dataclass
class ListingFailed(Message):
    """Loading one level of the tree failed; `key` names the node whose placeholder to clear."""

    key: str
    error: Exception


@dataclass
class MarksChanged(Message):
    folders: list[str]
    services: list[str]
    version_ids: list[str]
    labels: dict[str, str]


@dataclass
class JobsRefreshed(Message):
    """The jobs listing; on failure `jobs` is the previous one and `error` says why. `gone`: followed
    job ids the backend no longer knows."""

    jobs: list[ExportJob]
    all_users: bool
    error: Exception | None = None
    gone: list[str] = field(default_factory=list)


@dataclass
class JobSubmitted(Message):
    job: ExportJob
    dest_dir: str | None
    queued_key: str | None = None
    file_name: str = "package.zip"


@dataclass
class SlotBusy(Message):
    """The tenant's job slot is taken: `holders` describes who holds it."""

    request: ExportRequest
    dest_dir: str | None
    holders: str


@dataclass
class PreviewReady(Message):
    request: ExportRequest
    preview: ExportPreview
    seq: int = 0  # which preview request this answers (a cancelled one is dropped)


@dataclass
class BackendFailed(Message):
    """An operation failed; the app shows `title` and the error in the error modal."""

    title: str
    error: Exception


@dataclass
class SearchDone(Message):
    """The tenant-wide service search for `query` answered."""

    query: str
    page: Page


@dataclass
class SearchState(Message):
    """What the catalog filter is doing, for its hint line (`total`: matches, when known)."""

    query: str
    total: int | None
    searching: bool
    error: Exception | None = None
