"""RemoteBackend: the Backend protocol's operations as Spark's routes (browse, export, import, folders)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, unquote, urlsplit

import httpx
from pydantic import ValidationError

from spark_tui.backends.base import BackendInfo, Caller, ProgressCallback, redact
from spark_tui.backends.http_answer import request_id_of
from spark_tui.backends.package_stream import AttemptFailed, PackageStream
from spark_tui.backends.remote.download import download
from spark_tui.backends.remote.errors import AUTH_CODES, parse, refused
from spark_tui.backends.remote.retry import RetryPolicy
from spark_tui.backends.remote.session import Session
from spark_tui.backends.remote.upload import ProgressReader, StreamedForm
from spark_tui.backends.token_claims import caller_of_token
from spark_tui.config import Profile, default_user
from spark_tui.spark.browse_wire import (
    V1Engine,
    V1Envelope,
    V1Folder,
    V1FolderCreated,
    V1Version,
    V3Envelope,
    V3ServiceExists,
)
from spark_tui.spark.errors import AuthError, BackendUnavailable, BadPackage, Code, ConfigError, JobNotFound, NotFoundError, ValidationFailed
from spark_tui.spark.export_wire import (
    ApiError,
    Download,
    ExportJob,
    ExportPreview,
    ExportRequest,
    JobProgress,
    TenantExportStatus,
    WhoAmI,
)
from spark_tui.spark.values import FolderInfo, Page, ServiceInfo, VersionInfo
from spark_tui.spark.import_wire import ImportJob, ImportRequestEntity, TenantImportStatus
from spark_tui.spark.semver import SemVer

DEFAULT_TIMEOUT_S = 60.0
WHOAMI_PATH = "whoami"  # spark-tui serve extension: GET /{tenant}/api/v4/whoami


def split_base_url(base_url: str, tenant: str | None) -> tuple[str, str]:
    """(root, tenant): the URL the `/api/v1` routes hang off, and the tenant (last path segment)."""
    parts = urlsplit(base_url.rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"base_url {base_url!r} is not an http(s) URL; use e.g. https://excel.uat.us.coherent.global/acme")
    prefix, _, last = parts.path.rpartition("/")
    name = unquote(last) or (tenant or "")
    if not name:
        raise ConfigError(f"base_url {base_url} names no tenant; add it to the URL, e.g. {base_url.rstrip('/')}/acme")
    root = f"{parts.scheme}://{parts.netloc}{prefix if last else parts.path.rstrip('/')}"
    return root, name



class RemoteBackend:
    """A Spark tenant over HTTP (see the module docstring)."""

    def __init__(
        self,
        profile: Profile,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        if not profile.base_url:
            raise ConfigError(f"profile '{profile.name}' has no base_url; set base_url = \"https://excel.<env>.coherent.global/<tenant>\"")
        self._profile = profile.name
        self.root, self.tenant = split_base_url(profile.base_url, profile.tenant)
        self.tenant_url = f"{self.root}/{quote(self.tenant)}"
        self.info = BackendInfo(
            profile=profile.name, kind="spark", location=redact(profile.base_url), tenant=self.tenant,
            user=profile.user, groups=tuple(profile.groups),
        )
        # a user named in the profile is a fallback identity; the default `$USER@localhost` is not
        self._profile_caller = Caller(profile.user, tuple(profile.groups), "profile") if profile.user != default_user() else None
        self._caller: Caller | None = None
        self._submitted: set[str] = set()
        self._lock = threading.Lock()
        self.http = Session(profile, self.root, self.tenant, transport=transport, retry=retry, timeout_s=timeout_s)

    def __repr__(self) -> str:
        return f"RemoteBackend(profile={self._profile!r}, url={self.tenant_url!r})"

    def _v4(self, path: str) -> str:
        return f"{self.tenant_url}/api/v4/{path}"

    # --- browsing ---------------------------------------------------------------------------------

    def list_folders(self, page: int = 1, page_size: int = 100) -> Page:
        body = {"page": page, "pageSize": page_size, "search": [], "sort": "name"}
        envelope = self.http.call(V1Envelope[list[V1Folder]], "folder list", "POST", f"{self.root}/api/v1/product/list", json=body)
        items = sorted((f.info() for f in envelope.data or []), key=lambda f: f.name)
        return Page(items=items, page=page, page_size=page_size, total=envelope.count or len(items))

    def list_services(self, folder: str, page: int = 1, page_size: int = 100) -> Page:
        body = {"page": page, "pageSize": page_size, "search": [], "sort": "name1"}
        url = f"{self.root}/api/v1/product/{quote(folder, safe='')}/engines"
        envelope = self.http.call(V1Envelope[list[V1Engine]], "service list", "POST", url, json=body)
        items = sorted((s.info(folder) for s in envelope.data or []), key=lambda s: s.name)
        return Page(items=items, page=page, page_size=page_size, total=envelope.count or len(items))

    def search_services(self, query: str, page: int = 1, page_size: int = 100) -> Page:
        """Services named like `query` in every folder: each folder's v1 engine list with a `search` name filter
        (names are checked here too, in case a server ignores the filter); folders the caller may not open are
        skipped."""
        needle = query.lower()
        found: list[ServiceInfo] = []
        folder_page = 1
        while True:
            folders = self.list_folders(page=folder_page, page_size=500)
            for folder in folders.items:
                body = {"page": 1, "pageSize": 1000, "search": [{"field": "name", "value": query}], "sort": "name1"}
                url = f"{self.root}/api/v1/product/{quote(folder.name, safe='')}/engines"
                try:
                    engines = self.http.call(V1Envelope[list[V1Engine]], "service list", "POST", url, json=body).data or []
                except (AuthError, ValidationFailed):
                    continue  # a restricted or vanished folder
                services = (engine.info(folder.name) for engine in engines)
                found += sorted((s for s in services if needle in s.name.lower()), key=lambda s: s.name)
            if folder_page * 500 >= folders.total or not folders.items:
                break
            folder_page += 1
        start = (page - 1) * page_size
        return Page(items=found[start:start + page_size], page=page, page_size=page_size, total=len(found))

    def list_versions(self, folder: str, service: str) -> list[VersionInfo]:
        f, s = quote(folder, safe=""), quote(service, safe="")
        url = f"{self.root}/api/v1/product/{f}/engines/getversions/{s}"
        versions = self.http.call(V1Envelope[list[V1Version]], "version list", "GET", url).data or []
        service_id = ""
        if any(v.serviceId is None for v in versions):
            url = f"{self.tenant_url}/api/v3/folders/{f}/services/{s}/exists"
            exists = self.http.call(V3Envelope[V3ServiceExists], "service exists", "GET", url).response_data
            service_id = (exists.id if exists else None) or ""
        return sorted((v.info(service_id) for v in versions), key=lambda v: SemVer.parse(v.version), reverse=True)

    # --- export jobs ------------------------------------------------------------------------------

    def preview(self, request: ExportRequest) -> ExportPreview:
        url = self._v4("export/preview")
        try:
            return self.http.call(ExportPreview, "preview", "POST", url, json=request.body())
        except ValidationFailed as exc:
            if isinstance(exc, NotFoundError) and not exc.errors[0].code.startswith(("FOLDER", "SERVICE", "TENANT")):
                raise BackendUnavailable(
                    f"Spark at {redact(url)} offers no dry run (a spark-tui serve extension); run the export instead"
                ).with_request_id(exc.request_id) from None
            raise

    def submit(self, request: ExportRequest) -> ExportJob:
        """Start an export job; a POST answer of only `{id, object, status_url}` is followed by a
        status read. The job id is remembered in `submitted_ids`."""
        job = self.http.job_or_accepted(ExportJob, "POST", self._v4("export"), json=request.body())
        with self._lock:
            self._submitted.add(job.id)
        return job if isinstance(job, ExportJob) else self.status(job.id)

    def status(self, job_id: str) -> ExportJob:
        return self.http.call(ExportJob, "export job", "GET", self._v4(f"export/{quote(job_id, safe='')}/status"))

    def cancel(self, job_id: str) -> ExportJob:
        url = self._v4(f"export/{quote(job_id, safe='')}")
        job = self.http.job_or_accepted(ExportJob, "PATCH", url, json={"export_status": "cancelled"})
        return job if isinstance(job, ExportJob) else self.status(job.id)

    def tenant_status(self) -> TenantExportStatus:
        return self.http.call(TenantExportStatus, "tenant export status", "GET", self._v4("export/status"))

    # --- identity ---------------------------------------------------------------------------------

    @property
    def submitted_ids(self) -> frozenset[str]:
        """Ids of the jobs this client submitted (matches own jobs when the identity is unknown)."""
        with self._lock:
            return frozenset(self._submitted)

    def whoami(self) -> Caller:
        """Who the server knows the caller as, learnt once and then cached; updates `info`.

        Asked of `spark-tui serve` (`GET /{tenant}/api/v4/whoami`); real Spark has no such route,
        so then the `email` / `preferred_username` / `sub` claim of the bearer or OAuth access
        token, else a `user` set in the profile, else unknown (`user` None). Raises
        BackendUnavailable only when the server cannot be reached.
        """
        with self._lock:
            if self._caller is not None:
                return self._caller
        caller = self._ask_serve() or self._from_token() or self._profile_caller or Caller(None, (), "unknown")
        with self._lock:
            self._caller = caller
            self.info = replace(self.info, user=caller.user or self.info.user, groups=caller.groups or self.info.groups)
        return caller

    def _ask_serve(self) -> Caller | None:
        response = self.http.send("GET", self._v4(WHOAMI_PATH), raise_for_status=False)
        if response.status_code != 200:
            return None
        try:
            answer = WhoAmI.model_validate(response.json())
        except (ValueError, ValidationError):
            return None
        return Caller(answer.user, tuple(answer.groups), "server")

    def _from_token(self) -> Caller | None:
        token = self.http.oauth.token() if self.http.oauth is not None else self.http.token
        return caller_of_token(token) if token else None

    def is_own(self, job_id: str, created_by: str | None) -> bool:
        """Whether a job is the caller's: created by the known identity, or submitted by this client."""
        user = self.whoami().user
        return job_id in self.submitted_ids or (user is not None and created_by == user)

    def list_jobs(self, all_users: bool = False) -> list[ExportJob]:
        """Jobs of `tenant_status()`: own ones (see `is_own`) unless `all_users`."""
        summary = self.tenant_status()
        return self._full_jobs([*summary.in_progress_exports, *summary.recent_exports], all_users, self.status)

    def _full_jobs(self, entries: list, all_users: bool, status: Callable[[str], Any]) -> list:
        """The full status of each tenant-status entry (own ones unless `all_users`), newest first."""
        if not all_users:
            entries = [e for e in entries if self.is_own(e.id, e.data.created_by)]
        entries.sort(key=lambda e: e.data.created_timestamp or "", reverse=True)
        jobs = []
        for entry in entries:
            try:
                jobs.append(with_listing_times(status(entry.id), entry.data))
            except JobNotFound:
                continue  # expired between the two calls
        return jobs

    # --- downloads --------------------------------------------------------------------------------

    def download(
        self,
        job: ExportJob,
        dest_dir: Path,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
        tee: PackageStream | None = None,
    ) -> list[Download]:
        """Every output file of a closed job, streamed, SHA-256-verified and renamed into dest_dir."""
        return download(self.http, job, dest_dir, self.status, progress, cancel, tee)

    # --- import and folders ------------------------------------------------------------------------

    def submit_import(
        self, package: Path | PackageStream, request: ImportRequestEntity, progress: ProgressCallback | None = None
    ) -> ImportJob:
        """Spark's import: the package and `importRequestEntity` as multipart; returns the created job.

        A PackageStream is uploaded as it is downloaded (StreamedForm); when a download attempt
        fails the upload is dropped and started again with the next attempt. A POST answer of only
        `{id, object, status_url}` is followed by a status read; the job id is remembered in `submitted_ids`."""
        data = {"importRequestEntity": request.model_dump_json(exclude_none=True)}
        if isinstance(package, PackageStream):
            job = self._import_streamed(package, data, progress)
        else:
            path = Path(package)
            if not path.is_file():
                raise BadPackage(f"package '{path}' does not exist or is not a file; give the path of an export ZIP")
            with path.open("rb") as handle:
                upload = ProgressReader(handle, path.stat().st_size, progress)
                files = {"file": ("package.zip", upload, "application/zip")}
                job = self.http.job_or_accepted(ImportJob, "POST", self._v4("import"), data=data, files=files)
        with self._lock:
            self._submitted.add(job.id)
        return job if isinstance(job, ImportJob) else self.import_status(job.id)

    def _import_streamed(self, stream: PackageStream, data: dict[str, str], progress: ProgressCallback | None) -> Any:
        while True:
            attempt, total = stream.wait_started()
            body = StreamedForm(stream, attempt, total, data, progress)
            headers = {"Content-Type": body.content_type}
            if body.length is not None:
                headers["Content-Length"] = str(body.length)
            try:
                return self.http.job_or_accepted(ImportJob, "POST", self._v4("import"), content=body, headers=headers)
            except AttemptFailed:
                continue  # the download starts that file again: so does the upload

    def import_status(self, job_id: str) -> ImportJob:
        return self.http.call(ImportJob, "import job", "GET", self._v4(f"import/{quote(job_id, safe='')}/status"))

    def import_tenant_status(self) -> TenantImportStatus:
        return self.http.call(TenantImportStatus, "tenant import status", "GET", self._v4("import/status"))

    def list_imports(self, all_users: bool = False) -> list[ImportJob]:
        """Jobs of the tenant-wide import status (own ones, see `is_own`, unless `all_users`), newest first."""
        summary = self.import_tenant_status()
        return self._full_jobs([*summary.in_progress_imports, *summary.recent_imports], all_users, self.import_status)

    def folder_exists(self, name: str) -> bool:
        url = f"{self.root}/api/v1/product/isproductexists/{quote(name, safe='')}"
        return self.http.call(V1Envelope[Any], "folder exists", "POST", url).data is True

    def create_folder(self, name: str) -> FolderInfo:
        """Spark's folder create (form fields as the SDK sends them). A refusal in the v1 envelope
        (HTTP 2xx, `status` ≠ Success) → ValidationFailed with its code (PRODUCT_ALREADY_EXISTS
        for an existing folder), or AuthError for an auth-like code."""
        today = time.strftime("%Y-%m-%dT00:00:00")
        form = {
            "Name": name, "Description": "Created by spark-tui", "Category": "Other",
            "StartDate": today, "LaunchDate": today, "Status": "Design",
        }
        url = f"{self.root}/api/v1/product/create"
        response = self.http.send("POST", url, data=form)
        request_id = request_id_of(response)
        envelope = parse(V1Envelope[V1FolderCreated | None], self.http.decode(response, url), "folder create", request_id)
        refusal = envelope.refusal
        if refusal is None and envelope.data is not None:
            return FolderInfo(id=envelope.data.folderId, name=name)
        code = envelope.errorCode or Code.INVALID_VALUE.value
        if refusal is not None and any(part in code.upper() for part in AUTH_CODES):
            raise refused(refusal, url, self._profile).with_request_id(request_id)
        if code == Code.PRODUCT_ALREADY_EXISTS.value:
            message = f"folder '{name}' already exists in tenant '{self.tenant}'"
        else:
            said = refusal[1] if refusal is not None else "its answer names no folder id"
            message = f"Spark refused to create folder '{name}': {said}"
        raise ValidationFailed.of([ApiError(code=code, message=message, ref=name)]).with_request_id(request_id)

    def close(self) -> None:
        self.http.close()


def with_listing_times(job: Any, data: Any) -> Any:
    """A job's status with who created it and when it was created and ended, from its tenant-status entry, when
    the status has none (Spark's own status answers lack them; spark-tui's carry them in `progress`): the TUI
    shows its creator and its wall time."""
    if job.progress is not None:
        return job
    ended = data.updated_timestamp if job.status.is_terminal else None
    return job.model_copy(update={"progress": JobProgress(created_by=data.created_by or None,
                                                          created_timestamp=data.created_timestamp or None,
                                                          finished_timestamp=ended or None)})
