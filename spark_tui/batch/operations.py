"""The `--batch` operations: each calls the backend, prints its result and returns an exit code.

Results go to stdout (text, or the API's JSON with `--json`); progress and diagnostics go to
stderr. Expected failures are SparkTuiError subclasses; `report_error` prints them.
"""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, TextIO

from spark_tui.backends.base import Backend
from spark_tui.backends.polling import DEFAULT_DEADLINE_S, wait_for_job
from spark_tui.backends.prerelease import prerelease_notices
from spark_tui.backends.verified_file import download_replacing
from spark_tui.batch import output
from spark_tui.batch.fixes import with_fix
from spark_tui.batch.progress import Progress
from spark_tui.spark.errors import BadPackage, Code, SparkTuiError, ValidationFailed
from spark_tui.spark.exit_codes import ExitCode, exit_code_for, rejected_request
from spark_tui.spark.filenames import free_name, package_file_name
from spark_tui.spark.export_wire import ApiError, Download, ExportJob, ExportRequest
from spark_tui.spark.values import JobStatus, Page, as_json
from spark_tui.spark.request_check import check_request
from spark_tui.spark.uri import InvalidReference, validate_name


class UsageError(SparkTuiError):
    """A bad argument found before anything was sent (exit 2)."""

    exit_code = ExitCode.USAGE
    default_code = Code.USAGE


class DownloadFailed(SparkTuiError):
    """The package could not be copied or did not verify (exit 3); nothing was kept."""

    exit_code = ExitCode.BACKEND
    default_code = Code.DOWNLOAD_FAILED


@dataclass
class Console:
    out: TextIO
    err: TextIO
    json: bool = False

    def result(self, text: str, data: Any) -> None:
        self.out.write((output.to_json(data) if self.json else text) + "\n")
        self.out.flush()

    def note(self, message: str) -> None:
        self.err.write(message + "\n")
        self.err.flush()


def report_error(exc: SparkTuiError, console: Console) -> int:
    """Print an expected failure as `error: CODE: message` (every error of a ValidationFailed, or of any
    failure with several, on its own line), with how to fix it in --batch's terms; its exit code."""
    if len(exc.errors) > 1 or (exc.errors and isinstance(exc, ValidationFailed)):
        lines = output.error_lines(exc.errors)
        lines[-1] = with_fix(exc, lines[-1])
        for line in lines:
            console.note(line)
        if exc.request_id:
            console.note(f"x-request-id {exc.request_id} (quote it to support)")
        if console.json:
            console.result("", {"errors": [e.model_dump(mode="json") for e in exc.errors]})
    else:
        console.note(with_fix(exc, f"error: {exc.code}: {exc.message}"))
    return exit_code_for(exc)


# --- export -------------------------------------------------------------------------------------


def _problem(code: Code, message: str, ref: Path) -> ApiError:
    return ApiError(code=code.value, message=message, ref=str(ref))


PRERELEASE_HINT = "hint: to take a release instead, name its version: --service 'FOLDER/SERVICE[1.10.0]'"
EXISTS_FIX = "remove it, or choose another --file-name or -o (or --if-exists overwrite|suffix)"


def output_problems(output_dir: Path, file_name: str | None, *, if_exists: str = "fail") -> list[ApiError]:
    """Why a package named `file_name` (None: a name that is itself invalid) cannot be saved into
    `output_dir`; an existing file is one only with `if_exists` "fail"."""
    if not output_dir.exists():
        return [_problem(Code.OUTPUT_DIR_NOT_FOUND, f"output directory {output_dir} does not exist; "
                         f"create it (mkdir -p {output_dir}) or choose another -o", output_dir)]
    if not output_dir.is_dir():
        return [_problem(Code.OUTPUT_NOT_A_DIRECTORY, f"output path {output_dir} is not a directory; "
                         "choose a directory with -o", output_dir)]
    if not os.access(output_dir, os.W_OK | os.X_OK):
        return [_problem(Code.OUTPUT_DIR_NOT_WRITABLE, f"output directory {output_dir} is not writable; "
                         "fix its permissions or choose another -o", output_dir)]
    target = output_dir / file_name if file_name else None
    if target and target.exists() and if_exists == "fail":  # checked again, race-free, when the file is written
        return [_problem(Code.FILE_EXISTS, f"{target} already exists; {EXISTS_FIX}", target)]
    return []


def preflight(request: ExportRequest, output_dir: Path, *, download: bool, if_exists: str = "fail") -> list[ApiError]:
    """Every problem found before anything is sent or written: the request's syntax (references, ids,
    file name) and, when the package will be downloaded, the -o directory and an existing package."""
    problems = check_request(request)
    if download:
        name_ok = not any(p.code == Code.INVALID_FILE_NAME.value for p in problems)
        problems += output_problems(output_dir, package_file_name(request.file_name) if name_ok else None,
                                    if_exists=if_exists)
    return problems


def unclaimed(request: ExportRequest, output_dir: Path, console: Console) -> ExportRequest:
    """`request` with the first free `-2`, `-3`, … file name when its package exists (`--if-exists suffix`)."""
    name = package_file_name(request.file_name)
    if not (output_dir / name).exists():
        return request
    free = free_name(output_dir, name)
    console.note(f"{output_dir / name} exists; the package is saved as {free}")
    return request.model_copy(update={"file_name": free})


def export(
    backend: Backend,
    request: ExportRequest,
    console: Console,
    progress: Progress,
    *,
    output_dir: Path,
    dry_run: bool = False,
    no_wait: bool = False,
    deadline_s: float = DEFAULT_DEADLINE_S,
    if_exists: str = "fail",
) -> int:
    """Submit, wait, download and verify; or only resolve (`dry_run`) or only submit (`no_wait`).

    `if_exists`: an existing package fails the pre-flight ("fail"), is replaced once the new one is
    verified ("overwrite"), or the package takes the next free name ("suffix").

    The caller has run `preflight` (before opening the backend)."""
    if dry_run:
        return _dry_run(backend, request, console)
    if if_exists == "suffix" and not no_wait:
        request = unclaimed(request, output_dir, console)
    cancel = threading.Event()
    with sigint_sets(cancel, console, progress, "cancelling the export job"):
        job = backend.submit(request)
        console.note(f"export job {job.id}: {job.status.value}")
        if no_wait or job.status.is_terminal:
            return _finished(job, console)
        try:
            job = wait_for_job(backend, job.id, deadline_s=deadline_s, on_update=progress.job, cancel=cancel)
        finally:
            progress.finish()
        if cancel.is_set():
            return _interrupted(job, console)
        if job.status is not JobStatus.closed:
            return _finished(job, console)
        downloads = _download(backend, job, output_dir, progress, cancel, replace=if_exists == "overwrite")
        if downloads is None:
            return _interrupted(job, console)
    console.result(output.job_text(job, downloads), output.job_json(job, downloads))
    return ExitCode.OK


def _dry_run(backend: Backend, request: ExportRequest, console: Console) -> int:
    preview = backend.preview(request)
    if preview.errors:
        for line in output.error_lines(preview.errors):
            console.note(line)
        if console.json:
            console.result("", preview.model_dump(mode="json"))
        return ExitCode.USAGE
    if notices := prerelease_notices(backend, request, preview.service_versions):
        for notice in notices:
            console.note(f"notice: {notice}")
        console.note(PRERELEASE_HINT)
    console.result(output.preview_text(preview), preview.model_dump(mode="json"))
    return ExitCode.OK


def _finished(job: ExportJob, console: Console) -> int:
    """Print a job that will not be downloaded (not waited for, or ended without a package)."""
    for line in output.error_lines(job.errors or []):
        console.note(line)
    code = exit_code_for(job)
    if rejected_request(job):
        console.note(f"export job {job.id} was refused: the request cannot be exported as given")
    elif job.status.is_terminal and code:
        console.note(f"export job {job.id} ended '{job.status.value}'")
    console.result(output.job_text(job), output.job_json(job))
    return code


def _interrupted(job: ExportJob, console: Console) -> int:
    console.note(f"interrupted: export job {job.id} is '{job.status.value}'; nothing was downloaded")
    console.result(output.job_text(job), output.job_json(job))
    return ExitCode.INTERRUPTED


def _download(
    backend: Backend, job: ExportJob, output_dir: Path, progress: Progress, cancel: threading.Event, *, replace: bool = False
) -> list[Download] | None:
    """Verified copies of every output file (`replace`: over files of the same name); None (and nothing
    left behind) when interrupted."""
    downloads: list[Download] = []
    try:
        if replace:
            downloads = download_replacing(backend, job, output_dir, progress=progress.download, cancel=cancel)
        else:
            downloads = backend.download(job, output_dir, progress=progress.download, cancel=cancel)
    except Exception as exc:
        if cancel.is_set():
            pass
        elif isinstance(exc, BadPackage):
            raise DownloadFailed(exc.message) from None
        elif isinstance(exc, OSError):
            raise DownloadFailed(f"cannot save the package of job {job.id} into {output_dir}: {exc.strerror or exc}") from None
        else:
            raise
    finally:
        progress.finish()
    unverified = [d.path for d in downloads if not d.verified and d.hash_algorithm is not None]  # no hash given: said, kept
    if cancel.is_set() or unverified:
        for d in downloads:
            Path(d.path).unlink(missing_ok=True)
    if cancel.is_set():
        return None
    if unverified:
        raise DownloadFailed(f"downloaded file(s) failed SHA-256 verification and were removed: {', '.join(unverified)}")
    if len(downloads) != len(job.outputs.files or []):
        raise DownloadFailed(f"export job {job.id} lists {len(job.outputs.files or [])} file(s) but {len(downloads)} were downloaded")
    return downloads


@contextmanager
def sigint_sets(event: threading.Event, console: Console, progress: Progress, action: str) -> Iterator[None]:
    """While inside: the first Ctrl-C sets `event` (and says `action`), a second one aborts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        if event.is_set():
            raise KeyboardInterrupt
        event.set()
        progress.finish()
        console.note(f"interrupt: {action} (press Ctrl-C again to quit at once)")

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# --- jobs -----------------------------------------------------------------------------------------


def status(backend: Backend, job_id: str, console: Console) -> int:
    job = backend.status(job_id)
    console.result(output.job_text(job), output.job_json(job))
    return ExitCode.OK


def cancel(backend: Backend, job_id: str, console: Console) -> int:
    job = backend.cancel(job_id)
    console.note(f"export job {job.id}: {job.status.value}")
    console.result(output.job_text(job), output.job_json(job))
    return ExitCode.OK


def jobs(backend: Backend, console: Console) -> int:
    tenant_status = backend.tenant_status()
    console.result(output.tenant_status_text(tenant_status), tenant_status.model_dump(mode="json"))
    return ExitCode.OK


# --- browsing and import --------------------------------------------------------------------------


def _all_items(fetch: Any) -> list:
    items, page = [], 1
    while True:
        result: Page = fetch(page)
        items += result.items
        if not result.has_more or not result.items:
            return items
        page += 1


def list_folders(backend: Backend, console: Console) -> int:
    folders = _all_items(lambda page: backend.list_folders(page=page))
    console.result(output.folders_text(folders), [as_json(f) for f in folders])
    return ExitCode.OK


def list_services(backend: Backend, folder: str, console: Console) -> int:
    _name("folder", folder, "--list-services FOLDER")
    services = _all_items(lambda page: backend.list_services(folder, page=page))
    console.result(output.services_text(services), [as_json(s) for s in services])
    return ExitCode.OK


def list_versions(backend: Backend, folder_service: str, console: Console) -> int:
    folder, sep, service = folder_service.partition("/")
    if not sep:
        raise UsageError(f"--list-versions '{folder_service}' is not FOLDER/SERVICE; e.g. --list-versions 'Demo Folder/Loan Calculator'")
    _name("folder", folder, "--list-versions FOLDER/SERVICE")
    _name("service", service, "--list-versions FOLDER/SERVICE")
    versions = backend.list_versions(folder, service)
    console.result(output.versions_text(versions), [as_json(v) for v in versions])
    return ExitCode.OK


def _name(kind: str, value: str, usage: str) -> None:
    try:
        validate_name(kind, value)
    except InvalidReference as exc:
        raise UsageError(f"{exc} (in {usage})") from None
