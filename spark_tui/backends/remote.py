"""The Backend protocol over HTTP: a real Spark tenant, or `spark-tui serve`, on Spark's own paths.

Base URL `https://excel.{env}.coherent.global/{tenant}` (or `http://127.0.0.1:8080/demo`): the
v4 export and import routes live under it; the v1 browse and folder routes live at the origin with
`x-tenant-name`. Imports upload the package as Spark's multipart form and return the import job.
Auth: bearer token, API key (`x-synthetic-key`) or OAuth2 client credentials. Every request
carries a fresh `x-request-id`, and every error raised here quotes it. Transient failures are
retried (capped exponential backoff with jitter, honouring Retry-After); downloads are streamed
to a temporary file, SHA-256-checked against `file_hash`, then renamed. Answers are parsed
leniently (spark/export_wire.py, spark/import_wire.py); an error shows the server's own message.
"""

from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Callable, Iterator
from urllib.parse import quote, unquote, urlsplit

import httpx
from pydantic import ValidationError

from spark_tui.backends.base import BackendInfo, Caller, ProgressCallback, redact
from spark_tui.backends.http_answer import REQUEST_ID_HEADER, new_request_id, request_id_of, server_message, text_snippet
from spark_tui.backends.http_retry import RetryPolicy
from spark_tui.backends.token_claims import caller_of_token
from spark_tui.backends.transport import LazyTLSTransport
from spark_tui.backends.verified_file import HashMismatch, VerifiedFile
from spark_tui.backends.oauth import ClientCredentials, token_endpoint
from spark_tui.backends.pump import pump
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
from spark_tui.spark.errors import (
    AuthError,
    BackendUnavailable,
    BadPackage,
    Code,
    ConfigError,
    DiskFull,
    JobFinished,
    JobNotFound,
    JobSlotBusy,
    NotFoundError,
    ServiceExists,
    SparkTuiError,
    ValidationFailed,
)
from spark_tui.spark.import_wire import ImportJob, ImportRequestEntity, TenantImportStatus
from spark_tui.spark.semver import SemVer
from spark_tui.spark.filenames import DEFAULT_FILE_NAME, package_file_name
from spark_tui.spark.export_wire import (
    ApiError,
    Download,
    ExportJob,
    ExportPreview,
    ExportRequest,
    FolderInfo,
    JobAccepted,
    JobStatus,
    Page,
    ServiceInfo,
    TenantExportStatus,
    VersionInfo,
    WhoAmI,
)

CHUNK = 256 * 1024
DEFAULT_TIMEOUT_S = 60.0
WHOAMI_PATH = "whoami"  # spark-tui serve extension: GET /{tenant}/api/v4/whoami
_AUTH_CODES = ("UNAUTHORI", "FORBIDDEN", "ACCESS", "TOKEN", "PERMISSION")
_NOT_FOUND_CODES = ("NOT_FOUND", "NOTFOUND", "NOT_EXIST", "DOES_NOT_EXIST")


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
        self.retry = retry or RetryPolicy()
        self._client = httpx.Client(transport=transport or LazyTLSTransport(), timeout=timeout_s, follow_redirects=True)
        self._token = profile.token
        self._api_key = profile.api_key
        self._oauth: ClientCredentials | None = None
        if profile.client_id and profile.client_secret:
            url = profile.token_url or token_endpoint(self.root, self.tenant)
            self._oauth = ClientCredentials(profile.client_id, profile.client_secret, url, self._post_form)
        if not (self._token or self._api_key or self._oauth):
            raise ConfigError(
                f"profile '{profile.name}' has no credentials; set token, api_key or client_id + client_secret"
            )

    def __repr__(self) -> str:
        return f"RemoteBackend(profile={self._profile!r}, url={self.tenant_url!r})"

    # --- HTTP plumbing --------------------------------------------------------------------------

    def _auth_headers(self) -> dict[str, str]:
        headers = {"x-tenant-name": self.tenant}
        if self._oauth is not None:
            headers["Authorization"] = f"Bearer {self._oauth.token()}"
        elif self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        else:
            headers["x-synthetic-key"] = str(self._api_key)
        return headers

    def _post_form(self, url: str, form: dict[str, str]) -> httpx.Response:
        return self._send("POST", url, data=form, auth=False, raise_for_status=False)

    def _unreachable(self, url: str, exc: Exception) -> BackendUnavailable:
        reason = type(exc).__name__ + (f": {exc}" if str(exc) else "")
        return BackendUnavailable(
            f"cannot reach Spark at {redact(url)} ({reason}); check base_url of profile '{self._profile}' and the network"
        )

    def _send(
        self, method: str, url: str, *, auth: bool = True, raise_for_status: bool = True, stream: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """One request with retries, one OAuth refresh on 401, and errors mapped to spark errors."""
        refreshed = False
        retry = 0
        while True:
            headers = {**(self._auth_headers() if auth else {}), REQUEST_ID_HEADER: new_request_id()}
            request = self._client.build_request(method, url, headers=headers, **kwargs)
            try:
                response = self._client.send(request, stream=stream)
            except httpx.TransportError as exc:
                if retry + 1 < self.retry.attempts and self.retry.should_retry(method, error=exc):
                    self.retry.sleep(self.retry.wait_for(retry, None))
                    retry += 1
                    continue
                raise self._unreachable(url, exc).with_request_id(headers[REQUEST_ID_HEADER]) from None
            status = response.status_code
            if status == 401 and auth and self._oauth is not None and not refreshed:
                response.close()
                self._oauth.invalidate()
                refreshed = True
                continue
            if status >= 400 and retry + 1 < self.retry.attempts and self.retry.should_retry(method, status=status):
                response.close()
                self.retry.sleep(self.retry.wait_for(retry, response))
                retry += 1
                continue
            if status >= 400 and raise_for_status:
                if stream:
                    response.read()
                raise self._error(response, url).with_request_id(request_id_of(response))
            return response

    def _decode(self, response: httpx.Response, url: str) -> Any:
        """The JSON of an answer; an answer that is not JSON (e.g. a login page) is an error."""
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("content-type", "no content type").split(";")[0]
            raise BackendUnavailable(
                f"Spark at {redact(url)} answered HTTP {response.status_code} with {kind} instead of JSON: "
                f"{text_snippet(response) or '(empty body)'}; check base_url of profile '{self._profile}'"
            ).with_request_id(request_id_of(response)) from None

    def _call(self, model: Any, what: str, method: str, url: str, **kwargs: Any) -> Any:
        """One request whose JSON answer is parsed as `model`; errors quote the x-request-id."""
        response = self._send(method, url, **kwargs)
        request_id = request_id_of(response)
        parsed = _parse(model, self._decode(response, url), what, request_id)
        refusal = getattr(parsed, "refusal", None)
        if refusal is not None:
            raise self._refused(refusal, url).with_request_id(request_id)
        return parsed

    def _refused(self, refusal: tuple[str, str], url: str) -> SparkTuiError:
        """The error for an envelope that reports a failure with HTTP 2xx (`status` ≠ Success)."""
        code, message = refusal
        text = message if code in message else f"{code}: {message}"
        upper = code.upper()
        if any(part in upper for part in _AUTH_CODES):
            return AuthError(f"Spark at {redact(url)} refused profile '{self._profile}': {text}")
        if any(part in upper for part in _NOT_FOUND_CODES):
            return NotFoundError(text, [ApiError(code=code, message=message)])
        return BackendUnavailable(f"Spark at {redact(url)} reported a failure: {text}", [ApiError(code=code, message=message)])

    def _error(self, response: httpx.Response, url: str) -> SparkTuiError:
        status = response.status_code
        message, errors = server_message(response)
        where = redact(url)
        codes = {e.code for e in errors}
        if Code.BAD_PACKAGE.value in codes:
            return BadPackage(message, errors)
        if Code.SERVICE_EXISTS.value in codes:
            return ServiceExists(message, errors)
        if Code.ACCESS_DENIED.value in codes:
            return ValidationFailed(message, errors)
        if status in (401, 403):
            return AuthError(
                f"Spark at {where} refused the credentials of profile '{self._profile}' (HTTP {status}): {message}"
            )
        # the server's words are added to errors rebuilt here, unless they carry spark-tui's own codes
        words = None if codes & {c.value for c in Code} else message
        kind, job_id = _job_of(url)
        if status == 404 and job_id:
            return JobNotFound(job_id, kind=kind).with_server_words(words)
        if status == 409:
            if Code.JOB_FINISHED.value in codes or (job_id and Code.JOB_SLOT_BUSY.value not in codes):
                found = re.search(r"status '(\w+)'", message)
                return JobFinished(job_id or "?", found.group(1) if found else "finished").with_server_words(words)
            running = [r for e in errors if e.code == Code.JOB_SLOT_BUSY.value and e.ref for r in e.ref.split(", ")]
            limit = re.search(r"\(limit (\d+)\)", message)
            busy = JobSlotBusy(self.tenant, running, int(limit.group(1)) if limit else max(1, len(running)), kind=kind)
            return busy.with_server_words(words)
        if status in (400, 404, 413, 422):
            errors = errors or [ApiError(code=Code.INVALID_VALUE.value, message=message)]
            return (NotFoundError if status == 404 else ValidationFailed)(message, errors)
        if status == 507 or Code.DISK_FULL.value in codes:
            return DiskFull.on_server(where, message)
        return BackendUnavailable(f"Spark at {where} answered HTTP {status}: {message}")

    def _v4(self, path: str) -> str:
        return f"{self.tenant_url}/api/v4/{path}"

    # --- browsing ---------------------------------------------------------------------------------

    def list_folders(self, page: int = 1, page_size: int = 100) -> Page:
        body = {"page": page, "pageSize": page_size, "search": [], "sort": "name"}
        envelope = self._call(V1Envelope[list[V1Folder]], "folder list", "POST", f"{self.root}/api/v1/product/list", json=body)
        items = sorted((f.info() for f in envelope.data or []), key=lambda f: f.name)
        return Page(items=items, page=page, page_size=page_size, total=envelope.count or len(items))

    def list_services(self, folder: str, page: int = 1, page_size: int = 100) -> Page:
        body = {"page": page, "pageSize": page_size, "search": [], "sort": "name1"}
        url = f"{self.root}/api/v1/product/{quote(folder, safe='')}/engines"
        envelope = self._call(V1Envelope[list[V1Engine]], "service list", "POST", url, json=body)
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
                    engines = self._call(V1Envelope[list[V1Engine]], "service list", "POST", url, json=body).data or []
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
        versions = self._call(V1Envelope[list[V1Version]], "version list", "GET", url).data or []
        service_id = ""
        if any(v.serviceId is None for v in versions):
            url = f"{self.tenant_url}/api/v3/folders/{f}/services/{s}/exists"
            exists = self._call(V3Envelope[V3ServiceExists], "service exists", "GET", url).response_data
            service_id = (exists.id if exists else None) or ""
        return sorted((v.info(service_id) for v in versions), key=lambda v: SemVer.parse(v.version), reverse=True)

    # --- export jobs ------------------------------------------------------------------------------

    def preview(self, request: ExportRequest) -> ExportPreview:
        url = self._v4("export/preview")
        try:
            return self._call(ExportPreview, "preview", "POST", url, json=request.model_dump(mode="json"))
        except ValidationFailed as exc:
            if isinstance(exc, NotFoundError) and not exc.errors[0].code.startswith(("FOLDER", "SERVICE", "TENANT")):
                raise BackendUnavailable(
                    f"Spark at {redact(url)} offers no dry run (a spark-tui serve extension); run the export instead"
                ).with_request_id(exc.request_id) from None
            raise

    def submit(self, request: ExportRequest) -> ExportJob:
        """Start an export job; a POST answer of only `{id, object, status_url}` is followed by a
        status read. The job id is remembered in `submitted_ids`."""
        job = self._job_or_accepted(ExportJob, "POST", self._v4("export"), json=request.model_dump(mode="json"))
        with self._lock:
            self._submitted.add(job.id)
        return job if isinstance(job, ExportJob) else self.status(job.id)

    def status(self, job_id: str) -> ExportJob:
        return self._call(ExportJob, "export job", "GET", self._v4(f"export/{quote(job_id, safe='')}/status"))

    def cancel(self, job_id: str) -> ExportJob:
        url = self._v4(f"export/{quote(job_id, safe='')}")
        job = self._job_or_accepted(ExportJob, "PATCH", url, json={"export_status": "cancelled"})
        return job if isinstance(job, ExportJob) else self.status(job.id)

    def _job_or_accepted(self, job_model: Any, method: str, url: str, **kwargs: Any) -> Any:
        """The job (`job_model`, e.g. ExportJob) a POST/PATCH answers with, or a JobAccepted when
        the answer is only `{id, object, status_url}` (no status): the caller then reads the status."""
        response = self._send(method, url, **kwargs)
        raw = self._decode(response, url)
        model = job_model if isinstance(raw, dict) and "status" in raw else JobAccepted
        return _parse(model, raw, f"answer to {method}", request_id_of(response))

    def tenant_status(self) -> TenantExportStatus:
        return self._call(TenantExportStatus, "tenant export status", "GET", self._v4("export/status"))

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
        response = self._send("GET", self._v4(WHOAMI_PATH), raise_for_status=False)
        if response.status_code != 200:
            return None
        try:
            answer = WhoAmI.model_validate(response.json())
        except (ValueError, ValidationError):
            return None
        return Caller(answer.user, tuple(answer.groups), "server")

    def _from_token(self) -> Caller | None:
        token = self._oauth.token() if self._oauth is not None else self._token
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
                jobs.append(status(entry.id))
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
    ) -> list[Download]:
        """Every output file of a closed job, streamed, SHA-256-verified and renamed into dest_dir."""
        if job.status is not JobStatus.closed or not job.outputs.files:
            raise ValidationFailed.of([ApiError(
                code=Code.INVALID_VALUE.value, ref=job.id,
                message=f"export job '{job.id}' is '{job.status.value}' and has no package to download; wait until it is 'closed'",
            )])
        dest_dir = Path(dest_dir)
        try:
            dest_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create download directory {dest_dir}: {exc.strerror or exc}") from None
        files = job.outputs.files
        results = []
        for index, output in enumerate(files):
            name = self._file_name(job, output.file, index, len(files))
            results.append(self._fetch_verified(job, index, dest_dir / name, progress, cancel))
        return results

    def _file_name(self, job: ExportJob, url: str, index: int, count: int) -> str:
        candidate = (job.progress.file_name if job.progress and count == 1 else None) or PurePosixPath(unquote(urlsplit(url).path)).name
        try:
            name = package_file_name(candidate or DEFAULT_FILE_NAME)
        except ValidationFailed:
            name = DEFAULT_FILE_NAME
        if count > 1:
            stem, dot, ext = name.rpartition(".")
            name = f"{stem}_{index + 1}{dot}{ext}"
        return name

    def _same_origin(self, url: str) -> bool:
        a, b = urlsplit(url), urlsplit(self.root)
        return (a.scheme, a.netloc) == (b.scheme, b.netloc)

    def _fetch_verified(
        self, job: ExportJob, index: int, dest: Path, progress: ProgressCallback | None, cancel: threading.Event | None
    ) -> Download:
        expected = (job.outputs.files or [])[index].file_hash.lower()
        problem, request_id = "", None
        refreshed = False
        attempt = 0
        while attempt < self.retry.attempts:
            url = (job.outputs.files or [])[index].file
            try:
                size, digest = self._stream_to(url, dest, expected, progress, cancel)
            except AuthError:
                if refreshed or not self._same_origin(url):
                    raise
                job, refreshed = self.status(job.id), True  # the signed link expired: ask for a fresh one
                continue
            except _BadDownload as exc:
                problem, request_id = str(exc), exc.request_id
            else:
                return Download(path=str(dest), bytes=size, sha256=digest, verified=True)
            attempt += 1
            if attempt < self.retry.attempts:
                self.retry.sleep(self.retry.backoff(attempt - 1))
        raise BackendUnavailable(
            f"download of {dest.name} for job '{job.id}' failed {self.retry.attempts} time(s): {problem}; nothing was kept"
        ).with_request_id(request_id)

    def _stream_to(
        self, url: str, dest: Path, expected: str, progress: ProgressCallback | None, cancel: threading.Event | None
    ) -> tuple[int, str]:
        """Stream one file to a temp name beside `dest`, check it, rename. Raises _BadDownload."""
        request_id = None
        with VerifiedFile(dest, progress=progress, cancel=cancel) as sink:
            try:
                with self._open_stream(url) as response:
                    request_id = request_id_of(response)
                    sink.total = int(response.headers.get("content-length") or 0)
                    pump(_admitted(response.iter_bytes(CHUNK), sink), sink.store)  # progress stays in this thread
            except httpx.TransportError as exc:
                raise _BadDownload(f"transfer broke after {sink.size} bytes ({type(exc).__name__})", request_id) from None
            except BackendUnavailable as exc:
                raise _BadDownload(f"transfer broke after {sink.size} bytes ({exc.message})", exc.request_id) from None
            if sink.total and sink.size != sink.total:
                raise _BadDownload(f"truncated: got {sink.size} of {sink.total} bytes", request_id)
            try:
                return sink.size, sink.commit(expected)
            except HashMismatch as exc:
                raise _BadDownload(f"{exc} (file_hash)", request_id) from None

    @contextmanager
    def _open_stream(self, url: str) -> Iterator[httpx.Response]:
        response = self._send("GET", url, auth=self._same_origin(url), stream=True)
        try:
            yield response
        finally:
            response.close()

    # --- import and folders ------------------------------------------------------------------------

    def submit_import(
        self, path: Path, request: ImportRequestEntity, progress: ProgressCallback | None = None
    ) -> ImportJob:
        """Spark's import: the package and `importRequestEntity` as multipart; returns the created job.

        A POST answer of only `{id, object, status_url}` is followed by a status read; the job id
        is remembered in `submitted_ids`."""
        path = Path(path)
        if not path.is_file():
            raise BadPackage(f"package '{path}' does not exist or is not a file; give the path of an export ZIP")
        with path.open("rb") as handle:
            upload = _ProgressReader(handle, path.stat().st_size, progress)
            files = {"file": ("package.zip", upload, "application/zip")}
            data = {"importRequestEntity": request.model_dump_json()}
            job = self._job_or_accepted(ImportJob, "POST", self._v4("import"), data=data, files=files)
        with self._lock:
            self._submitted.add(job.id)
        return job if isinstance(job, ImportJob) else self.import_status(job.id)

    def import_status(self, job_id: str) -> ImportJob:
        return self._call(ImportJob, "import job", "GET", self._v4(f"import/{quote(job_id, safe='')}/status"))

    def import_tenant_status(self) -> TenantImportStatus:
        return self._call(TenantImportStatus, "tenant import status", "GET", self._v4("import/status"))

    def list_imports(self, all_users: bool = False) -> list[ImportJob]:
        """Jobs of the tenant-wide import status (own ones, see `is_own`, unless `all_users`), newest first."""
        summary = self.import_tenant_status()
        return self._full_jobs([*summary.in_progress_imports, *summary.recent_imports], all_users, self.import_status)

    def folder_exists(self, name: str) -> bool:
        url = f"{self.root}/api/v1/product/isproductexists/{quote(name, safe='')}"
        return self._call(V1Envelope[Any], "folder exists", "POST", url).data is True

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
        response = self._send("POST", url, data=form)
        request_id = request_id_of(response)
        envelope = _parse(V1Envelope[V1FolderCreated | None], self._decode(response, url), "folder create", request_id)
        refusal = envelope.refusal
        if refusal is None and envelope.data is not None:
            return FolderInfo(id=envelope.data.folderId, name=name)
        code = envelope.errorCode or Code.INVALID_VALUE.value
        if refusal is not None and any(part in code.upper() for part in _AUTH_CODES):
            raise self._refused(refusal, url).with_request_id(request_id)
        if code == Code.PRODUCT_ALREADY_EXISTS.value:
            message = f"folder '{name}' already exists in tenant '{self.tenant}'"
        else:
            said = refusal[1] if refusal is not None else "its answer names no folder id"
            message = f"Spark refused to create folder '{name}': {said}"
        raise ValidationFailed.of([ApiError(code=code, message=message, ref=name)]).with_request_id(request_id)

    def close(self) -> None:
        self._client.close()


class _BadDownload(Exception):
    """One download attempt produced a truncated or corrupt file (already removed)."""

    def __init__(self, message: str, request_id: str | None) -> None:
        super().__init__(message)
        self.request_id = request_id


def _admitted(chunks: Iterator[bytes], sink: VerifiedFile) -> Iterator[bytes]:
    """The chunks, each counted (progress, cancel) by `sink` before it is handed on."""
    for chunk in chunks:
        sink.admit(chunk)
        yield chunk


class _ProgressReader:
    """A file for httpx's multipart upload that reports (bytes sent, total) as it is read."""

    def __init__(self, handle: BinaryIO, total: int, progress: ProgressCallback | None) -> None:
        self.handle, self.total, self.progress, self.done = handle, total, progress, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.done += len(chunk)
        if self.progress is not None:
            self.progress(self.done, self.total)
        return chunk

    def fileno(self) -> int:
        return self.handle.fileno()

    def tell(self) -> int:
        return self.handle.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.handle.seek(offset, whence)


def _job_of(url: str) -> tuple[str, str | None]:
    """(kind, job id) of a `/api/v4/{export|import}/{id}…` URL; the id is None for other URLs."""
    found = re.search(r"/api/v4/(export|import)(?:/([^/?]+)(?:/status|/download/[^?]*)?)?(?:\?|$)", url)
    if not found:
        return "export", None
    job_id = found.group(2)
    return found.group(1), None if job_id in (None, "status", "preview") else unquote(job_id)


def _parse(model: Any, raw: Any, what: str, request_id: str | None = None) -> Any:
    """`raw` as `model`; a shape beyond leniency is an error naming the field."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise BackendUnavailable(
            f"unexpected {what} from Spark: {where}: {first.get('msg')}"
        ).with_request_id(request_id) from None
