"""The embedded backend: every Backend operation served by the local engine and workspace."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from spark_tui.backends.base import BackendInfo, Caller, ProgressCallback
from spark_tui.backends.package_stream import PackageStream
from spark_tui.backends.verified_file import HashMismatch, VerifiedFile
from spark_tui.engine.access import list_folders, require_folder_access
from spark_tui.engine.store import CHUNK, DEFAULT_SIZE_LIMIT, FolderDetails, NotFound, Workspace
from spark_tui.spark.errors import BadPackage, Code, JobNotFound, UnknownTenant, ValidationFailed, api_error
from spark_tui.spark.uri import InvalidReference, validate_name
from spark_tui.spark.values import FolderInfo, IfPresent, JobStatus, Page, VersionBump, VersionInfo

if TYPE_CHECKING:  # the job engine and the wire models load with the first job operation, not for browsing
    from spark_tui.engine.import_jobs import ImportJobs
    from spark_tui.engine.jobs import JobManager
    from spark_tui.spark.export_wire import Download, ExportJob, ExportPreview, ExportRequest, TenantExportStatus
    from spark_tui.spark.import_wire import ImportJob, ImportRequestEntity, ImportResult, TenantImportStatus


class EmbeddedBackend:
    """A tenant of a local workspace, seen as `user` in `groups`; jobs run in detached workers."""

    def __init__(
        self, workspace: Path, tenant: str, user: str, groups: tuple[str, ...],
        profile: str = "demo", spawn: bool = True,
    ) -> None:
        self.ws = Workspace(workspace)
        self._spawn = spawn
        self._jobs: JobManager | None = None
        self._jobs_lock = threading.Lock()
        self.tenant, self.user, self.groups = tenant, user, tuple(groups)
        self._submitted: set[str] = set()
        self.info = BackendInfo(
            profile=profile, kind="embedded", location=str(self.ws.root), tenant=tenant, user=user, groups=self.groups,
        )

    @property
    def jobs(self) -> JobManager:
        """The job manager, imported on the first job operation (browsing needs only the store)."""
        with self._jobs_lock:
            if self._jobs is None:
                from spark_tui.engine.jobs import JobManager

                self._jobs = JobManager(self.ws, spawn=self._spawn)
            return self._jobs

    @property
    def imports(self) -> ImportJobs:
        from spark_tui.engine.import_jobs import ImportJobs

        return ImportJobs(self.jobs)

    # --- browsing ------------------------------------------------------------------------------

    def _require_tenant(self) -> None:
        """Browsing or watching jobs of a tenant the workspace lacks is an error, not an empty list."""
        if not self.ws.has_tenant(self.tenant):
            known = ", ".join(self.ws.tenants()) or "none yet"
            raise UnknownTenant(self.tenant, f"tenant '{self.tenant}' does not exist in workspace {self.ws.root} (tenants: {known})")

    def list_folders(self, page: int = 1, page_size: int = 100) -> Page:
        self._require_tenant()
        items, total = list_folders(self.ws, self.tenant, self.groups, page, page_size)
        return Page(items=items, page=page, page_size=page_size, total=total)

    def list_services(self, folder: str, page: int = 1, page_size: int = 100) -> Page:
        self._accessible_folder(folder)
        items, total = self.ws.list_services(self.tenant, folder, page, page_size)
        return Page(items=items, page=page, page_size=page_size, total=total)

    def search_services(self, query: str, page: int = 1, page_size: int = 100) -> Page:
        """Services whose name contains `query`, in every folder the caller may open (SQL, no listing)."""
        self._require_tenant()
        items, total = self.ws.search_services(self.tenant, query, self.groups, page, page_size)
        return Page(items=items, page=page, page_size=page_size, total=total)

    def list_versions(self, folder: str, service: str) -> list[VersionInfo]:
        self._accessible_folder(folder)
        try:
            return self.ws.list_versions(self.tenant, folder, service)
        except NotFound as exc:
            raise _invalid(Code.SERVICE_NOT_FOUND, str(exc), f"{folder}/{service}") from None

    def _accessible_folder(self, folder: str) -> None:
        require_folder_access(self.ws, self.tenant, folder, self.user, self.groups)

    # --- exports -------------------------------------------------------------------------------

    def preview(self, request: ExportRequest) -> ExportPreview:
        size_limit = self.ws.tenant_config(self.tenant).size_limit if self.ws.has_tenant(self.tenant) else DEFAULT_SIZE_LIMIT
        from spark_tui.engine.resolver import resolve

        try:
            selection = resolve(self.ws, self.tenant, request, self.groups)
        except ValidationFailed as exc:
            from spark_tui.spark.export_wire import ExportPreview

            return ExportPreview(size_limit=size_limit, errors=exc.errors)
        return selection.preview(self.ws, size_limit)

    def submit(self, request: ExportRequest) -> ExportJob:
        job = self.jobs.submit(self.tenant, self.user, self.groups, request)
        with self._jobs_lock:
            self._submitted.add(job.id)
        return job

    def status(self, job_id: str) -> ExportJob:
        return self.jobs.status(self.tenant, job_id, self.user, self.groups)

    def cancel(self, job_id: str) -> ExportJob:
        return self.jobs.cancel(self.tenant, job_id, self.user, self.groups)

    def tenant_status(self) -> TenantExportStatus:
        self._require_tenant()
        return self.jobs.tenant_status(self.tenant, self.user, self.groups)

    def list_jobs(self, all_users: bool = False) -> list[ExportJob]:
        self._require_tenant()
        return self.jobs.list_jobs(self.tenant, self.user, self.groups, all_users=all_users)

    # --- identity ------------------------------------------------------------------------------

    def whoami(self) -> Caller:
        """The profile's user and groups (the embedded engine acts as exactly them)."""
        return Caller(self.user, self.groups, "profile")

    @property
    def submitted_ids(self) -> frozenset[str]:
        with self._jobs_lock:
            return frozenset(self._submitted)

    def is_own(self, job_id: str, created_by: str | None) -> bool:
        return created_by == self.user or job_id in self.submitted_ids

    def download(
        self,
        job: ExportJob,
        dest_dir: Path,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
        tee: PackageStream | None = None,
    ) -> list[Download]:
        """Copy the job's package into dest_dir (temp name, SHA-256 check, rename); nothing is left on failure.

        Raises JobNotFound when the job has no kept package, BadPackage on a hash mismatch,
        ValidationFailed for a missing or unwritable dest_dir and InterruptedError when cancelled.
        """
        job = self.status(job.id)
        if job.status is not JobStatus.closed or not job.outputs.files:
            raise JobNotFound(job.id)
        source = self.jobs.package_path(self.tenant, job.id, self.user, self.groups)
        dest_dir = Path(dest_dir).expanduser()
        if not dest_dir.is_dir():
            raise _invalid(Code.INVALID_VALUE, f"output directory '{dest_dir}' does not exist; create it first", str(dest_dir))
        expected = job.outputs.files[0].file_hash
        target = dest_dir / source.name
        try:
            sink = VerifiedFile(target, source.stat().st_size, progress, cancel, tee, md5=len((expected or "").strip()) != 64)
        except OSError as exc:
            raise _invalid(
                Code.INVALID_VALUE, f"cannot write into output directory '{dest_dir}': {exc.strerror}", str(dest_dir)
            ) from None
        with sink, open(source, "rb") as src:
            while chunk := src.read(CHUNK):
                sink.write(chunk)
            try:
                digest = sink.commit(expected)
            except HashMismatch:
                raise BadPackage(
                    f"package of job {job.id} has SHA-256 {sink.sha256} but the job reports {expected}; nothing was kept"
                ) from None
        from spark_tui.spark.export_wire import Download

        return [Download(path=str(target), bytes=sink.size, sha256=digest, verified=True)]

    # --- imports and folders -------------------------------------------------------------------

    def submit_import(
        self, package: Path | PackageStream, request: ImportRequestEntity, progress: ProgressCallback | None = None
    ) -> ImportJob:
        """Copy the package into the workspace (reporting `progress`) and start an import job. A
        PackageStream is waited for until released: a local copy gains nothing from overlapping."""
        self._require_tenant()
        path = package.released_path() if isinstance(package, PackageStream) else Path(package)
        job = self.imports.submit(self.tenant, self.user, self.groups, path, request, name=path.name, progress=progress)
        with self._jobs_lock:
            self._submitted.add(job.id)
        return job

    def import_status(self, job_id: str) -> ImportJob:
        return self.imports.status(self.tenant, job_id, self.user, self.groups)

    def list_imports(self, all_users: bool = False) -> list[ImportJob]:
        self._require_tenant()
        return self.imports.list_jobs(self.tenant, self.user, self.groups, all_users=all_users)

    def import_tenant_status(self) -> TenantImportStatus:
        self._require_tenant()
        return self.imports.tenant_status(self.tenant, self.user, self.groups)

    def folder_exists(self, name: str) -> bool:
        self._require_tenant()
        try:
            self.ws.folder(self.tenant, name)
        except NotFound:
            return False
        return True

    def create_folder(self, name: str) -> FolderInfo:
        """Create a folder; the workspace is the user's own, so a tenant it lacks is created with it."""
        try:
            validate_name("folder", name)
            self.ws.ensure_tenant(self.tenant)
            folder_id = self.ws.add_folder(self.tenant, name, details=FolderDetails(created_by=self.user))
        except InvalidReference as exc:
            raise _invalid(Code.INVALID_VALUE, str(exc), name) from None
        except sqlite3.IntegrityError:
            raise _invalid(
                Code.PRODUCT_ALREADY_EXISTS, f"folder '{name}' already exists in tenant '{self.tenant}'", name,
            ) from None
        return FolderInfo(id=folder_id, name=name)

    def load_package(
        self, path: Path, if_present: IfPresent = IfPresent.abort, bump: VersionBump = VersionBump.minor
    ) -> ImportResult:
        """Seed this tenant (created as needed) from any package, ids kept (embedded only; not Spark's import API)."""
        from spark_tui.engine.importer import load_package  # only this operation needs it

        return load_package(self.ws, Path(path), self.tenant, if_present=if_present, bump=bump)

    def close(self) -> None:
        self.ws.close()


def _invalid(code: Code, message: str, ref: str) -> ValidationFailed:
    return ValidationFailed.of([api_error(code.value, message, ref)])
