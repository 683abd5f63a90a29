"""The main screen: catalog browser, export form and live jobs table (stacked panes when narrow)."""

from __future__ import annotations

import itertools
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from spark_tui.spark.errors import JobSlotBusy, SparkTuiError, ValidationFailed
from spark_tui.spark.models import ExportJob, ExportPreview, ExportRequest, JobStatus, iso, utc_now
from spark_tui.tui.messages import BackendFailed, JobSubmitted, JobsRefreshed, MarksChanged, PreviewReady, SlotBusy
from spark_tui.tui.widgets.catalog import CatalogPane, CatalogTree
from spark_tui.tui.widgets.export_form import ExportForm
from spark_tui.tui.widgets.header import InfoHeader
from spark_tui.tui.widgets.jobs_table import JobsTable, QueuedExport

PANES = ("browser", "form", "jobs-pane")
REFRESH_S = 1.0


class MainScreen(Screen[None]):
    AUTO_FOCUS = "#catalog-tree"  # focused while composing: no focus change (and Footer rebuild) after mount
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]

    BINDINGS = [
        Binding("p,f5", "preview", "Preview", id="main.preview", tooltip="Dry run of the export form (F5 also in text fields)"),
        Binding("e,f6", "export", "Export", id="main.export", tooltip="Submit the export form (F6 also in text fields)"),
        Binding("ctrl+o", "promote", "Promote", id="main.promote", tooltip="Promote the selection to another profile"),
        Binding("ctrl+r", "refresh_all", "Refresh", id="main.refresh", tooltip="Reload catalog and jobs"),
        Binding("f2,1", "show_pane('browser')", "Browse", show=False, id="main.pane_browser"),
        Binding("f3,2", "show_pane('form')", "Form", show=False, id="main.pane_form"),
        Binding("f4,3", "show_pane('jobs-pane')", "Jobs", show=False, id="main.pane_jobs"),
    ]

    def __init__(self, dest_dir: Path) -> None:
        super().__init__()
        self.dest_dir = dest_dir
        self.all_users = False
        self.queue: list[QueuedExport] = []
        self.pending_downloads: dict[str, str] = {}
        self.last_status: dict[str, JobStatus] = {}
        self.jobs: list[ExportJob] = []
        self._refreshing = False
        self._queue_keys = itertools.count(1)

    def compose(self) -> ComposeResult:
        # Classes are set before the first styling pass: changing them after mount restyles whole subtrees.
        self.add_class(self._breakpoint_class(self.app.size.width))
        yield InfoHeader(id="header")
        yield Static("", id="pane-tabs")
        with Horizontal(id="main-body"):
            browser = CatalogPane(self.app.backend.info.tenant, id="browser", classes="pane -active")
            browser.border_title = "Catalog"
            yield browser
            with Vertical(id="right"):
                form = ExportForm(self.dest_dir, id="form", classes="pane")
                form.border_title = "Export"
                yield form
                with Vertical(id="jobs-pane", classes="pane"):
                    yield JobsTable(id="jobs")
        yield Footer()

    def _breakpoint_class(self, width: int) -> str:
        """The class HORIZONTAL_BREAKPOINTS give this width (Textual sets it again on resize: no change then)."""
        return [name for minimum, name in sorted(self.HORIZONTAL_BREAKPOINTS) if width >= minimum][-1]

    def on_mount(self) -> None:
        self._show_active("browser")
        self._update_jobs_title()
        self.call_after_refresh(self._after_first_frame)

    def _after_first_frame(self) -> None:
        """The rest of the start-up, which would delay the first frame (catalog and layout) if done before it:
        the export form's fields, a few per frame, then, once they are drawn, the jobs."""
        self.run_worker(self._mount_form_then_jobs(), group="startup", description="mount the export form")

    async def _mount_form_then_jobs(self) -> None:
        await self.query_one(ExportForm).mount_fields()
        self.call_after_refresh(self._start_jobs)

    def _start_jobs(self) -> None:
        self.refresh_jobs()
        self.set_interval(REFRESH_S, self.refresh_jobs)

    # --- panes (narrow layout shows one at a time) ------------------------------------------------

    def on_descendant_focus(self, event) -> None:
        for pane in PANES:
            widget = self.query_one(f"#{pane}")
            if event.widget is widget or widget in event.widget.ancestors:
                self._show_active(pane)
                return

    def _show_active(self, pane: str) -> None:
        for name in PANES:
            self.query_one(f"#{name}").set_class(name == pane, "-active")
        self.query_one("#right").set_class(pane != "browser", "-active")
        labels = {"browser": "F2 Browse", "form": "F3 Export form", "jobs-pane": "F4 Jobs"}
        tabs = Text()
        for name in PANES:
            tabs.append(f" {labels[name]} ", style="bold reverse" if name == pane else "dim")
            tabs.append(" ")
        self.query_one("#pane-tabs", Static).update(tabs)

    def action_show_pane(self, pane: str) -> None:
        target: Widget = {"browser": CatalogTree, "form": ExportForm, "jobs-pane": JobsTable}[pane]
        widget = self.query_one(target)
        self._show_active(pane)
        if pane == "form" and widget.ready:
            widget.query_one("#identifiers").focus()
        else:
            widget.focus()

    # --- selection, preview, export -----------------------------------------------------------

    @on(MarksChanged)
    def _marks_changed(self, message: MarksChanged) -> None:
        self.query_one(ExportForm).set_marks(message)

    @on(ExportForm.Action)
    def _form_action(self, message: ExportForm.Action) -> None:
        {"preview": self.action_preview, "export": self.action_export}[message.action]()

    def _form_request(self) -> ExportRequest | None:
        form = self.query_one(ExportForm)
        if not form.ready:
            self.notify("The export form is still being drawn; try again", severity="warning")
            return None
        form.set_marks(self.query_one(CatalogTree).current_marks())  # keys may outrun MarksChanged
        request = form.request()
        if request is None:
            self.notify("Fix the fields marked in the export form first", severity="error")
            self.action_show_pane("form")
        elif request.inputs.is_empty:
            self.notify("Nothing selected: mark something with space or type identifiers", severity="warning")
            return None
        return request

    def action_preview(self) -> None:
        request = self._form_request()
        if request is not None:
            self.notify("Resolving the selection…", timeout=2)
            self._run_preview(request)

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False, description="preview")
    def _run_preview(self, request: ExportRequest) -> None:
        try:
            preview = self.app.backend.preview(request)
        except ValidationFailed as exc:
            preview = ExportPreview(errors=exc.errors)
        except Exception as exc:  # noqa: BLE001
            self.post_message(BackendFailed("Preview failed", exc))
            return
        self.post_message(PreviewReady(request, preview))

    @on(PreviewReady)
    def _preview_ready(self, message: PreviewReady) -> None:
        def chosen(export: bool | None) -> None:
            if export:
                self.submit(message.request, str(self.query_one(ExportForm).destination()))

        from spark_tui.tui.screens.preview import PreviewScreen

        self.app.push_screen(PreviewScreen(message.request, message.preview), chosen)

    def action_promote(self) -> None:
        if (request := self._form_request()) is not None:
            from spark_tui.tui.screens.promote import PromoteScreen

            self.app.push_screen(PromoteScreen(self.app.backend, request, self.query_one(ExportForm).destination()))

    def action_export(self) -> None:
        request = self._form_request()
        if request is not None:
            self.submit(request, str(self.query_one(ExportForm).destination()))

    def submit(self, request: ExportRequest, dest_dir: str | None, queued_key: str | None = None) -> None:
        self._run_submit(request, dest_dir, queued_key)

    @work(thread=True, group="submit", exit_on_error=False, description="submit export")
    def _run_submit(self, request: ExportRequest, dest_dir: str | None, queued_key: str | None) -> None:
        backend = self.app.backend
        try:
            job = backend.submit(request)
        except JobSlotBusy as exc:
            if queued_key is None:
                self.post_message(SlotBusy(request, dest_dir, self._slot_holders(exc)))
            return
        except Exception as exc:  # noqa: BLE001
            self.post_message(BackendFailed("Export refused", exc))
            return
        self.post_message(JobSubmitted(job, dest_dir, queued_key))

    def _slot_holders(self, exc: JobSlotBusy) -> str:
        """Who holds the slot: running job ids with their owners and ages (best effort)."""
        try:
            status = self.app.backend.tenant_status()
        except SparkTuiError:
            return ", ".join(exc.running) or "another job"
        held = [f"{j.id[:8]} by {j.data.created_by} (since {j.data.created_timestamp[11:19]} UTC)"
                for j in status.in_progress_exports]
        return "; ".join(held) or ", ".join(exc.running) or "another job"

    @on(SlotBusy)
    def _slot_busy(self, message: SlotBusy) -> None:
        def answer(queue: bool | None) -> None:
            if queue:
                key = f"queued-{next(self._queue_keys)}"
                self.queue.append(QueuedExport(key, message.request, message.dest_dir, iso_now()))
                self.notify("Export queued: it starts by itself when the job slot frees")
                self._show_jobs()

        from spark_tui.tui.screens.modals import ConfirmModal

        self.app.push_screen(ConfirmModal(
            "Job slot busy",
            f"The tenant's export job slot is held by: {message.holders}.\n\n"
            "Queue this export? It waits in the jobs table and starts by itself when the slot frees.",
            yes="Queue", no="Don't export"), answer)

    @on(JobSubmitted)
    def _submitted(self, message: JobSubmitted) -> None:
        job = message.job
        if message.queued_key is not None:
            self._drop_queued(message.queued_key)
        if job.status is JobStatus.failed:
            first = job.errors[0].message if job.errors else "no reason given"
            self.notify(f"Export {job.id[:8]} failed: {first}", title="Export failed", severity="error", timeout=8)
        else:
            self.notify(f"Export {job.id[:8]} started", title="Export started")
            if message.dest_dir:
                self.pending_downloads[job.id] = message.dest_dir
        self.last_status[job.id] = job.status
        self.jobs = [job] + [j for j in self.jobs if j.id != job.id]
        self._show_jobs()
        self.refresh_jobs()

    # --- jobs table -----------------------------------------------------------------------------

    def refresh_jobs(self) -> None:
        if not self._refreshing:
            self._refreshing = True
            self._fetch_jobs(self.all_users, self.queue[0] if self.queue else None)

    @work(thread=True, group="jobs", exit_on_error=False, description="refresh jobs")
    def _fetch_jobs(self, all_users: bool, head: QueuedExport | None) -> None:
        backend = self.app.backend
        try:
            if head is not None:
                status = backend.tenant_status()
                if status.tenant.status.export_api_jobs_in_progress < status.tenant.configuration.export_api_job_limit:
                    self._run_submit_now(head)
            jobs = backend.list_jobs(all_users=all_users)
        except Exception as exc:  # noqa: BLE001 - a failed refresh is retried on the next tick
            self.post_message(JobsRefreshed(self.jobs, all_users))
            self.app.notify(f"Refreshing jobs failed: {exc}", severity="warning", timeout=4)
            return
        if not get_current_worker().is_cancelled:
            self.post_message(JobsRefreshed(jobs, all_users))

    def _run_submit_now(self, head: QueuedExport) -> None:
        try:
            job = self.app.backend.submit(head.request)
        except JobSlotBusy:
            return
        except Exception as exc:  # noqa: BLE001
            self.post_message(BackendFailed("Queued export refused", exc))
            self.app.call_from_thread(self._drop_queued, head.key)
            return
        self.post_message(JobSubmitted(job, head.dest_dir, head.key))

    def _drop_queued(self, key: str) -> None:
        self.queue = [q for q in self.queue if q.key != key]
        self._show_jobs()

    @on(JobsRefreshed)
    def _jobs_refreshed(self, message: JobsRefreshed) -> None:
        self._refreshing = False
        if message.all_users != self.all_users:
            return
        self.jobs = message.jobs
        for job in message.jobs:
            before = self.last_status.get(job.id)
            self.last_status[job.id] = job.status
            if before is None or before.is_terminal or not job.status.is_terminal:
                continue
            self._announce_end(job)
        self._show_jobs()

    def _announce_end(self, job: ExportJob) -> None:
        short = job.id[:8]
        if job.status is JobStatus.closed:
            self.notify(f"Export {short} finished", title="Export closed")
            if (dest := self.pending_downloads.pop(job.id, None)) is not None:
                self.download(job, dest)
        else:
            self.pending_downloads.pop(job.id, None)
            reason = job.errors[0].message if job.errors else job.status.value
            self.notify(f"Export {short} {job.status.value}: {reason}", title="Export ended",
                        severity="warning" if job.status is JobStatus.cancelled else "error", timeout=8)

    def _show_jobs(self) -> None:
        self.query_one(JobsTable).show(self.jobs, self.queue, self.app.clock())
        self._update_jobs_title()

    def _update_jobs_title(self) -> None:
        running = sum(1 for j in self.jobs if not j.status.is_terminal)
        scope = "whole tenant" if self.all_users else "mine"
        extra = f" · {len(self.queue)} queued" if self.queue else ""
        self.query_one("#jobs-pane").border_title = f"Jobs · {scope} (t) · {running} running{extra}"

    def running_jobs(self) -> int:
        return sum(1 for j in self.jobs if not j.status.is_terminal) + len(self.queue)

    def action_toggle_scope(self) -> None:
        self.all_users = not self.all_users
        self._update_jobs_title()
        self._refreshing = False
        self.refresh_jobs()

    def reset(self) -> None:
        """Start over on the app's (new) backend: header, catalog and jobs."""
        self.query_one(InfoHeader).refresh_info()
        tree = self.query_one(CatalogTree)
        tree.root.set_label(Text(self.app.backend.info.tenant, style="bold"))
        tree.marks.clear()
        tree._announce_marks()
        self.jobs, self.queue, self.last_status, self.pending_downloads = [], [], {}, {}
        self._show_jobs()
        self.action_refresh_all()

    def action_refresh_all(self) -> None:
        self.query_one(CatalogTree).action_reload()
        self._refreshing = False
        self.refresh_jobs()

    # --- job actions (also used by the details screen) ------------------------------------------

    def _selected(self) -> ExportJob | None:
        table = self.query_one(JobsTable)
        job = table.selected_job()
        if job is None:
            key = table.selected_key()
            self.notify("That export is queued: it has no job yet" if key and key.startswith("queued")
                        else "No job selected", severity="warning")
        return job

    def action_open_details(self) -> None:
        if (job := self._selected()) is not None:
            from spark_tui.tui.screens.details import JobDetailsScreen

            self.app.push_screen(JobDetailsScreen(job))

    def action_cancel_job(self) -> None:
        table = self.query_one(JobsTable)
        key = table.selected_key()
        if key and key.startswith("queued"):
            self.queue = [q for q in self.queue if q.key != key]
            self.notify("Queued export removed")
            self._show_jobs()
        elif (job := self._selected()) is not None:
            self.confirm_cancel(job)

    def confirm_cancel(self, job: ExportJob) -> None:
        if job.status.is_terminal:
            self.notify(f"Job {job.id[:8]} already ended ({job.status.value})", severity="warning")
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self._run_cancel(job.id)

        from spark_tui.tui.screens.modals import ConfirmModal

        self.app.push_screen(ConfirmModal("Cancel export", f"Cancel export job {job.id}?\nNo package is kept.",
                                          yes="Cancel job", no="Keep running"), answer)

    @work(thread=True, group="cancel", exit_on_error=False, description="cancel job")
    def _run_cancel(self, job_id: str) -> None:
        try:
            job = self.app.backend.cancel(job_id)
        except Exception as exc:  # noqa: BLE001
            self.post_message(BackendFailed(f"Cancelling {job_id[:8]} failed", exc))
            return
        self.app.notify(f"Cancel requested for {job_id[:8]} ({job.status.value})")
        self.app.call_from_thread(self.refresh_jobs)

    def action_save_package(self) -> None:
        if (job := self._selected()) is not None:
            self.ask_save(job)

    def ask_save(self, job: ExportJob) -> None:
        if job.status is not JobStatus.closed:
            self.notify(f"Job {job.id[:8]} has no package ({job.status.value})", severity="warning")
            return

        def chosen(directory: str | None) -> None:
            if directory:
                self.download(job, directory)

        from spark_tui.tui.screens.modals import PromptModal

        self.app.push_screen(PromptModal("Save package", "Directory to save the package to:",
                                         str(self.query_one(ExportForm).destination())), chosen)

    def download(self, job: ExportJob, directory: str) -> None:
        self._run_download(job, directory)

    @work(thread=True, group="download", exit_on_error=False, description="save package")
    def _run_download(self, job: ExportJob, directory: str) -> None:
        dest = Path(directory).expanduser()
        try:
            if not dest.is_dir():
                raise ValidationFailed(f"'{directory}' is not an existing directory; create it or pick another")
            saved = self.app.backend.download(job, dest)
        except Exception as exc:  # noqa: BLE001
            self.post_message(BackendFailed(f"Saving the package of {job.id[:8]} failed", exc))
            return
        for item in saved:
            self.app.notify(f"Saved {item.path} ({item.bytes:,} bytes, SHA-256 {item.sha256[:12]}… verified)",
                            title="Package saved", timeout=8)

    @on(BackendFailed)
    def _failed(self, message: BackendFailed) -> None:
        self.app.show_error(message.title, message.error)



def iso_now() -> str:
    return iso(utc_now())
