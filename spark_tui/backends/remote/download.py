"""Downloads of a closed export job's files: streamed to a temporary file, checked against
`file_hash`, then renamed; a broken or corrupt transfer is retried, an expired link refreshed.

`file_hash` may be a SHA-256 or an MD5 (told apart by length); when the server gives none, the
file's SHA-256 is still computed and recorded, and the Download says it was not verified. A
`Content-Encoding` (e.g. gzip) is decoded; `Content-Length` is compared with the bytes received
before decoding, as the server counted them.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator
from urllib.parse import unquote, urlsplit

import httpx

from spark_tui.backends.base import ProgressCallback
from spark_tui.backends.http_answer import request_id_of
from spark_tui.backends.package_stream import PackageStream
from spark_tui.backends.pump import pump
from spark_tui.backends.remote.session import Session
from spark_tui.backends.verified_file import HashMismatch, UnknownHash, VerifiedFile, hash_algorithm
from spark_tui.spark.errors import AuthError, BackendUnavailable, Code, ConfigError, ValidationFailed
from spark_tui.spark.export_wire import ApiError, Download, ExportJob
from spark_tui.spark.values import JobStatus
from spark_tui.spark.filenames import DEFAULT_FILE_NAME, package_file_name

CHUNK = 256 * 1024


def download(
    http: Session,
    job: ExportJob,
    dest_dir: Path,
    status: Callable[[str], ExportJob],
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    tee: PackageStream | None = None,
) -> list[Download]:
    """Every output file of a closed job, streamed, verified against its file_hash and renamed into dest_dir;
    `status` reads the job again when a signed link has expired. `tee` follows the (single) file's bytes."""
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
        results.append(_fetch_verified(http, job, index, dest_dir / name, status, progress, cancel, tee))
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
    tee: PackageStream | None = None,
) -> Download:
    expected = (job.outputs.files or [])[index].file_hash or None
    try:
        algorithm = hash_algorithm(expected) if expected else None
    except UnknownHash as exc:
        raise BackendUnavailable(f"cannot verify {dest.name} of job '{job.id}': {exc}; nothing was downloaded") from None
    problem, request_id = "", None
    refreshed = False
    attempt = 0
    while attempt < http.retry.attempts:
        url = (job.outputs.files or [])[index].file
        try:
            size, digest = _stream_to(http, url, dest, expected, progress, cancel, tee)
        except AuthError:
            if refreshed or not http.same_origin(url):
                raise
            job, refreshed = status(job.id), True  # the signed link expired: ask for a fresh one
            continue
        except _BadDownload as exc:
            problem, request_id = str(exc), exc.request_id
        else:
            return Download(path=str(dest), bytes=size, sha256=digest, verified=algorithm is not None, hash_algorithm=algorithm)
        attempt += 1
        if attempt < http.retry.attempts:
            http.retry.sleep(http.retry.backoff(attempt - 1))
    raise BackendUnavailable(
        f"download of {dest.name} for job '{job.id}' failed {http.retry.attempts} time(s): {problem}; nothing was kept"
    ).with_request_id(request_id)


def _stream_to(
    http: Session, url: str, dest: Path, expected: str | None, progress: ProgressCallback | None, cancel: threading.Event | None,
    tee: PackageStream | None = None,
) -> tuple[int, str]:
    """Stream one file to a temp name beside `dest`, check it, rename. Raises _BadDownload."""
    request_id = None
    received = length = 0
    md5 = expected is None or hash_algorithm(expected) == "md5"
    with VerifiedFile(dest, progress=progress, cancel=cancel, tee=tee, md5=md5) as sink:
        try:
            with _open_stream(http, url) as response:
                request_id = request_id_of(response)
                length = int(response.headers.get("content-length") or 0)
                encoded = response.headers.get("content-encoding", "identity").strip().lower() not in ("", "identity")
                sink.total = 0 if encoded else length  # the decoded size is unknown ahead
                try:
                    pump(_admitted(response.iter_bytes(CHUNK), sink), sink.store)  # progress stays in this thread
                finally:  # an answer read ahead (not streamed) counted nothing: then its decoded size is its size
                    received = response.num_bytes_downloaded or (length if encoded else sink.size)
        except (httpx.TransportError, httpx.DecodingError) as exc:
            if length and received < length:
                raise _BadDownload(f"truncated: got {received} of {length} bytes", request_id) from None
            raise _BadDownload(f"transfer broke after {sink.size} bytes ({type(exc).__name__})", request_id) from None
        except BackendUnavailable as exc:
            raise _BadDownload(f"transfer broke after {sink.size} bytes ({exc.message})", exc.request_id) from None
        if length and received != length:
            raise _BadDownload(f"truncated: got {received} of {length} bytes", request_id)
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
