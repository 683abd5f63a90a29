"""Job actions — details, cancel, save, copy — in one place: the jobs table, Job details and the palette call these.

Every action takes the job it acts on (so no caller needs another screen's methods), asks first when it
must, runs backend calls in thread workers and reports failures in the error modal.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from spark_tui.spark.errors import SparkTuiError, ValidationFailed
from spark_tui.spark.values import JobStatus
from spark_tui.tui.formatting import file_name, is_import, package_hash, package_path

if TYPE_CHECKING:
    from spark_tui.spark.export_wire import ExportJob
    from textual.app import App

    from spark_tui.backends.base import Backend
    from spark_tui.tui.screens.main import MainScreen


class JobHost(Protocol):
    """What job actions need of the app beyond Textual's `App` (so that they never import the app module)."""

    backend: Backend
    main: MainScreen

    def show_error(self, title: str, error: BaseException) -> None: ...


def save_target_problem(directory: str, name: str) -> str | None:
    """Why a package named `name` cannot be saved into `directory`, or None when it can."""
    value = directory.strip()
    if not value:
        return "empty: give the directory to save the package to"
    path = Path(value).expanduser()
    if not path.is_dir():
        return f"'{value}' is not an existing directory; create it or pick another"
    if (path / name).exists():
        return f"{path / name} already exists; pick another directory (nothing is overwritten)"
    return None


def offered(job: ExportJob, action: str, what: str = "") -> bool:
    """Whether `action` (`cancel_job`, `save_package`, `copy` of `what`) can do anything for `job`: the footer
    and the palette offer only those."""
    export = not is_import(job)
    if action == "cancel_job":
        return export and not job.status.is_terminal
    if action == "save_package":
        return export and job.status is JobStatus.closed
    if action == "copy":
        return {"id": True, "path": export and package_path(job) is not None, "hash": export and bool(package_hash(job)),
                "errors": bool(job.errors)}.get(what, False)
    return True


def errors_text(job: ExportJob) -> str:
    """The job's errors, one a line: code, message and the item it names."""
    return "\n".join(f"{e.code}: {e.message}" + (f" ({e.ref})" if e.ref else "") for e in job.errors or [])


class JobActions:
    """The actions on one job; `app.job_actions` is the single instance."""

    def __init__(self, app: App, host: JobHost) -> None:
        self.app = app  # for Textual: screens, workers, toasts, clipboard
        self.host = host  # the same app, for its backend, main screen and error modal

    def open_details(self, job: ExportJob) -> None:
        from spark_tui.tui.screens.details import JobDetailsScreen

        self.app.push_screen(JobDetailsScreen(job))

    def cancel(self, job: ExportJob) -> None:
        """Ask, then cancel the job (running exports only)."""
        if is_import(job):
            self.app.notify(f"Import {job.id[:8]} cannot be cancelled from here; it ends by itself",
                            severity="warning")
            return
        if job.status.is_terminal:
            self.app.notify(f"Job {job.id[:8]} already ended ({job.status.value})", severity="warning")
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.app.run_worker(partial(self._cancel_now, job.id), thread=True, group="cancel",
                                    exit_on_error=False, description="cancel job")

        from spark_tui.tui.screens.modals import ConfirmModal

        owner = job.progress.created_by if job.progress else None
        whose = f" of {owner} (not yours)" if owner and owner != self.host.backend.info.user else ""
        self.app.push_screen(ConfirmModal("Cancel export", f"Cancel export job {job.id}{whose}?\nNo package is kept.",
                                          yes="Cancel job", no="Keep running"), answer)

    def _cancel_now(self, job_id: str) -> None:
        try:
            job = self.host.backend.cancel(job_id)
        except SparkTuiError as exc:  # shown, never fatal
            self.app.call_from_thread(self.host.show_error, f"Cancelling {job_id[:8]} failed", exc)
            return
        self.app.notify(f"Cancel requested for {job_id[:8]} ({job.status.value})")
        self.app.call_from_thread(self.host.main.refresh_jobs)

    def save(self, job: ExportJob) -> None:
        """Ask for a directory (errors shown inline, the typed path kept), then download and verify."""
        if is_import(job) or job.status is not JobStatus.closed:
            self.app.notify(f"Job {job.id[:8]} has no package ({job.status.value})", severity="warning")
            return
        name = file_name(job)

        def chosen(directory: str | None) -> None:
            if directory:
                self.download(job, directory)

        from spark_tui.tui.screens.modals import PromptModal

        self.app.push_screen(PromptModal("Save package", f"Directory to save {name} to:",
                                         str(self.host.main.destination()),
                                         check=lambda value: save_target_problem(value, name)), chosen)

    def download(self, job: ExportJob, directory: str) -> None:
        self.app.run_worker(partial(self._download_now, job, directory), thread=True, group="download",
                            exit_on_error=False, description="save package")

    def _download_now(self, job: ExportJob, directory: str) -> None:
        app = self.app
        dest = Path(directory).expanduser()
        try:
            if not dest.is_dir():
                raise ValidationFailed(f"'{directory}' is not an existing directory; create it or pick another")
            saved = self.host.backend.download(job, dest)
        except (SparkTuiError, OSError) as exc:
            app.call_from_thread(self.host.main.save_ended, job.id, None, exc)
            app.call_from_thread(self.host.show_error, f"Saving the package of {job.id[:8]} failed", exc)
            return
        app.call_from_thread(self.host.main.save_ended, job.id, saved)
        for item in saved:
            app.notify(f"Saved {item.path} ({item.bytes:,} bytes, SHA-256 {item.sha256[:12]}… verified)",
                       title="Package saved", timeout=8)

    def copy(self, job: ExportJob, what: str) -> None:
        """Copy the job's id, package path, hash or errors to the clipboard."""
        value = {"id": job.id, "path": package_path(job), "hash": package_hash(job), "errors": errors_text(job)}[what]
        if not value:
            self.app.notify(f"This job has no {what} yet", severity="warning")
            return
        self.app.copy_to_clipboard(value)
        self.app.notify(f"Copied {what}: {value}")
