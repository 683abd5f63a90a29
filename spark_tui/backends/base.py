"""The Backend protocol: every operation the TUI and `--batch` perform, synchronous.

The TUI calls these from thread workers; `--batch` calls them directly. Both faces use the same
operations, so behaviour is written once, here and below.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol, runtime_checkable
from urllib.parse import urlsplit

from spark_tui.spark.values import FolderInfo, Page, ServiceInfo, VersionInfo

if TYPE_CHECKING:  # the wire models load with the first operation that builds one (the TUI's first frame needs none)
    from spark_tui.backends.package_stream import PackageStream
    from spark_tui.spark.export_wire import Download, ExportJob, ExportPreview, ExportRequest, TenantExportStatus
    from spark_tui.spark.import_wire import ImportJob, ImportRequestEntity

def redact(url: str) -> str:
    """A URL fit for messages and logs: without query (signed-link tokens) or user info."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


ProgressCallback = Callable[[int, int], None]
"""Called with (bytes_done, bytes_total) as work advances."""


@dataclass(frozen=True)
class Caller:
    """Who the backend knows the caller as; `user` is None when no source names them.

    `source`: "profile" (embedded, or a user set in a spark profile), "server" (`spark-tui
    serve`'s whoami route), "token" (a claim of the JWT bearer / OAuth access token), "unknown".
    """

    user: str | None
    groups: tuple[str, ...] = ()
    source: str = "profile"


@dataclass(frozen=True)
class BackendInfo:
    """Who and where: shown in the TUI header and batch diagnostics (never holds secrets)."""

    profile: str
    kind: str  # "embedded" | "spark"
    location: str  # workspace path or base URL
    tenant: str
    user: str
    groups: tuple[str, ...] = ()


@runtime_checkable
class Backend(Protocol):
    """Every operation of a backend; runtime-checkable so that a test can prove a stand-in is one."""

    info: BackendInfo

    def list_folders(self, page: int = 1, page_size: int = 100) -> Page:
        """Folders of the tenant (`Page.items`: FolderInfo), sorted by name."""
        ...

    def list_services(self, folder: str, page: int = 1, page_size: int = 100) -> Page:
        """Services of a folder (`Page.items`: ServiceInfo), sorted by name."""
        ...

    def search_services(self, query: str, page: int = 1, page_size: int = 100) -> Page:
        """Services whose name contains `query` (any case) in every folder the caller may open (`Page.items`:
        ServiceInfo), by folder then name: the catalog filter searches the tenant, not only what is loaded."""
        ...

    def list_versions(self, folder: str, service: str) -> list[VersionInfo]:
        """Versions of a service, newest first (semver precedence)."""
        ...

    def preview(self, request: ExportRequest) -> ExportPreview:
        """Resolve without exporting: the selection and projected size, or every error."""
        ...

    def submit(self, request: ExportRequest) -> ExportJob:
        """Start an export job; raises ValidationFailed, JobSlotBusy, AuthError, BackendUnavailable."""
        ...

    def status(self, job_id: str) -> ExportJob:
        ...

    def cancel(self, job_id: str) -> ExportJob:
        ...

    def tenant_status(self) -> TenantExportStatus:
        ...

    def list_jobs(self, all_users: bool = False) -> list[ExportJob]:
        """Full status of the jobs in `tenant_status()` (in progress + past hour), newest first;
        only the caller's own unless `all_users` (which needs supervisor:pf to see others')."""
        ...

    def whoami(self) -> Caller:
        """Who the caller is (cached after the first call); `info.user`/`groups` then show it."""
        ...

    @property
    def submitted_ids(self) -> frozenset[str]:
        """Ids of the export and import jobs this backend object submitted."""
        ...

    def is_own(self, job_id: str, created_by: str | None) -> bool:
        """Whether a job is the caller's: created by `whoami().user`, or submitted by this client."""
        ...

    def download(
        self,
        job: ExportJob,
        dest_dir: Path,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
        tee: PackageStream | None = None,
    ) -> list[Download]:
        """Copy every output file of a closed job into dest_dir, verifying its SHA-256; `tee` (one file)
        is told of every byte on disk, so an upload can follow (see package_stream.py)."""
        ...

    def submit_import(
        self, package: Path | PackageStream, request: ImportRequestEntity, progress: ProgressCallback | None = None
    ) -> ImportJob:
        """Upload a `migrate` package and start an import job; returns at once (the job is `created`).

        `package` is a file, or a PackageStream still being downloaded: then the upload follows the
        download and its end waits for `release()` (StreamAborted when the stream is aborted).

        Prerequisite violations end the job `failed` with every error (as Spark); raises
        ValidationFailed for a malformed request, JobSlotBusy while an import job of the tenant runs.
        `progress` reports the upload in bytes.
        """
        ...

    def import_status(self, job_id: str) -> ImportJob:
        ...

    def list_imports(self, all_users: bool = False) -> list[ImportJob]:
        """Import jobs in progress and of the past hour, newest first (own ones unless `all_users`)."""
        ...

    def folder_exists(self, name: str) -> bool:
        ...

    def create_folder(self, name: str) -> FolderInfo:
        """Create a folder; an existing one raises ValidationFailed (code PRODUCT_ALREADY_EXISTS)."""
        ...

    def close(self) -> None:
        ...


__all__ = ["Backend", "BackendInfo", "Caller", "ProgressCallback", "FolderInfo", "ServiceInfo"]
