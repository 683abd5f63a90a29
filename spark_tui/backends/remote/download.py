"""Downloads of a closed export job's files: streamed to a temporary file, checked against
`file_hash`, then renamed; a broken or corrupt transfer is retried, an expired link refreshed."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator
from urllib.parse import unquote, urlsplit

import httpx

from spark_tui.backends.base import ProgressCallback
from spark_tui.backends.http_answer import request_id_of
from spark_tui.backends.pump import pump
from spark_tui.backends.remote.session import Session
from spark_tui.backends.verified_file import HashMismatch, VerifiedFile
from spark_tui.spark.errors import AuthError, BackendUnavailable, Code, ConfigError, ValidationFailed
from spark_tui.spark.export_wire import ApiError, Download, ExportJob, JobStatus
from spark_tui.spark.filenames import DEFAULT_FILE_NAME, package_file_name

CHUNK = 256 * 1024


def download(
    http: Session,
    job: ExportJob,
    dest_dir: Path,
    status: Callable[[str], ExportJob],
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> list[Download]:
    """Every output file of a closed job, streamed, SHA-256-verified and renamed into dest_dir;
    `status` reads the job again when a signed link has expired."""
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
        name = _file_name(job, output.file, index, len(files))
        results.append(_fetch_verified(http, job, index, dest_dir / name, status, progress, cancel))
    return results


def _file_name(job: ExportJob, url: str, index: int, count: int) -> str:
    candidate = (job.progress.file_name if job.progress and count == 1 else None) or PurePosixPath(unquote(urlsplit(url).path)).name
    try:
        name = package_file_name(candidate or DEFAULT_FILE_NAME)
    except ValidationFailed:
        name = DEFAULT_FILE_NAME
    if count > 1:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem}_{index + 1}{dot}{ext}"
    return name


def _fetch_verified(
    http: Session,
    job: ExportJob,
    index: int,
    dest: Path,
    status: Callable[[str], ExportJob],
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
) -> Download:
    expected = (job.outputs.files or [])[index].file_hash.lower()
    problem, request_id = "", None
    refreshed = False
    attempt = 0
    while attempt < http.retry.attempts:
        url = (job.outputs.files or [])[index].file
        try:
            size, digest = _stream_to(http, url, dest, expected, progress, cancel)
        except AuthError:
            if refreshed or not http.same_origin(url):
                raise
            job, refreshed = status(job.id), True  # the signed link expired: ask for a fresh one
            continue
        except _BadDownload as exc:
            problem, request_id = str(exc), exc.request_id
        else:
            return Download(path=str(dest), bytes=size, sha256=digest, verified=True)
        attempt += 1
        if attempt < http.retry.attempts:
            http.retry.sleep(http.retry.backoff(attempt - 1))
    raise BackendUnavailable(
        f"download of {dest.name} for job '{job.id}' failed {http.retry.attempts} time(s): {problem}; nothing was kept"
    ).with_request_id(request_id)


def _stream_to(
    http: Session, url: str, dest: Path, expected: str, progress: ProgressCallback | None, cancel: threading.Event | None
) -> tuple[int, str]:
    """Stream one file to a temp name beside `dest`, check it, rename. Raises _BadDownload."""
    request_id = None
    with VerifiedFile(dest, progress=progress, cancel=cancel) as sink:
        try:
            with _open_stream(http, url) as response:
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
def _open_stream(http: Session, url: str) -> Iterator[httpx.Response]:
    response = http.send("GET", url, auth=http.same_origin(url), stream=True)
    try:
        yield response
    finally:
        response.close()


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
