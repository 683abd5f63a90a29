"""The main screen: catalog browser, export form and live jobs table (stacked panes when narrow)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker, WorkerState, get_current_worker

from spark_tui.backends.base import BackendInfo
from spark_tui.config import SUPERVISOR_GROUP
from spark_tui.tui.screens.base import SparkScreen
from spark_tui.spark.errors import JobSlotBusy, SparkTuiError, ValidationFailed
from spark_tui.spark.filenames import free_name, package_file_name
from spark_tui.spark.values import JobStatus, iso, utc_now
from spark_tui.tui.event_log import EventLog
from spark_tui.tui.formatting import is_import
from spark_tui.tui.job_actions import offered
from spark_tui.tui.job_feed import follow_up, list_imports, newest_first
from spark_tui.tui.job_tracker import Ended, JobTracker, QueuedExport
from spark_tui.tui.pending_saves import PendingSaves, store_path
from spark_tui.tui.widgets.catalog import CatalogPane, CatalogTree
from spark_tui.tui.widgets.export_form import ExportForm
from spark_tui.tui.widgets.footer import SparkFooter
from spark_tui.tui.widgets.header import InfoHeader
from spark_tui.tui.widgets.jobs_table import JobsTable

if TYPE_CHECKING:
    from spark_tui.spark.export_wire import ExportJob, ExportPreview, ExportRequest
    from spark_tui.spark.import_wire import ImportJob
    from spark_tui.tui.screens.promote import PromoteScreen

PANES = ("browser", "form", "jobs-pane")
JOB_ACTIONS = {"open_details", "cancel_job", "save_package", "copy"}
FORM_ACTIONS = {"preview", "export", "promote"}  # the export form's keys: out of the footer in the jobs pane
REFRESH_S = 1.0


class MainScreen(SparkScreen[None]):
    AUTO_FOCUS = "#catalog-tree"  # focused while composing: no focus change (and Footer rebuild) after mount
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]

    BINDINGS = [
        Binding("p,f5", "preview", "Preview", id="main.preview", tooltip="Dry run of the export form (F5 also in text fields)"),
        Binding("e,f6", "export", "Export", id="main.export", tooltip="Submit the export form (F6 also in text fields)"),
        Binding("ctrl+o", "promote", "Promote", id="main.promote", tooltip="Promote the selection to another profile"),
        Binding("ctrl+r", "refresh_all", "Refresh", show=False, id="main.refresh", tooltip="Reload catalog and jobs"),
        Binding("l", "show_log", "Log", show=False, id="main.log", tooltip="Event log: what started, finished, failed, with times"),
        Binding("f2,1", "show_pane('browser')", "Browse", show=False, id="main.pane_browser"),
        Binding("f3,2", "show_pane('form')", "Form", show=False, id="main.pane_form"),
        Binding("f4,3", "show_pane('jobs-pane')", "Jobs", show=False, id="main.pane_jobs"),
    ]

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

    def __init__(self, dest_dir: Path) -> None:
        super().__init__()
        self.dest_dir = dest_dir
        self.all_users = False
        self.tracker = JobTracker()  # its pending saves are opened on mount, for the app's backend
        self.events = EventLog()
        self._refreshing = False
        self._refresh_started: datetime | None = None
        self.answered_at: datetime | None = None  # when the jobs refresh last had an answer: the jobs' state is of then
        self._queue_keys = itertools.count(1)
        self._preview_seq = 0
        self._busy: Screen | None = None
        self._focus_pane: str | None = "browser"  # the pane holding the focus (composed with `-focus`)
        self._promotion: PromoteScreen | None = None  # the last Promote screen, back as it was for its selection

    # The job model, read by the app, its screens and tests.
    @property
    def jobs(self) -> list[ExportJob]:
        return self.tracker.jobs

    @property
    def queue(self) -> list[QueuedExport]:
        return self.tracker.queue

    @property
    def pending(self) -> PendingSaves:
        return self.tracker.pending

    @property
    def promoted(self) -> dict[str, ImportJob]:
        return self.tracker.promoted

    @property
    def promoted_in(self) -> dict[str, BackendInfo]:
        return self.tracker.promoted_in

    def compose(self) -> ComposeResult:
        # Classes are set before the first styling pass: changing them after mount restyles whole subtrees.
        self.add_class(self._breakpoint_class(self.app.size.width))
        yield InfoHeader(id="header")
        yield Static(self._tabs("browser"), id="pane-tabs")
        with Vertical(id="main-body"):
            with Horizontal(id="top", classes="-active"):
                browser = CatalogPane(self.app.backend.info.tenant, id="browser", classes="pane -active -focus")
                browser.border_title = "Catalog"
                yield browser
                form = ExportForm(self.dest_dir, id="form", classes="pane")
                form.border_title = "Export"
                yield form
            with Vertical(id="jobs-pane", classes="pane"):
                yield JobsTable(id="jobs")
        yield SparkFooter()

    def _breakpoint_class(self, width: int) -> str:
        """The class HORIZONTAL_BREAKPOINTS give this width (Textual sets it again on resize: no change then)."""
        return [name for minimum, name in sorted(self.HORIZONTAL_BREAKPOINTS) if width >= minimum][-1]

    def on_mount(self) -> None:
        self.tracker.open(self._open_pending())
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
        self._learn_identity()
        self.refresh_jobs()
        self.set_interval(REFRESH_S, self.refresh_jobs)

    # --- panes (narrow layout shows one at a time) ------------------------------------------------

    def on_descendant_focus(self, event) -> None:
        pane = self._pane_of(event.widget)
        if pane is not None and pane != self._focus_pane:  # a move inside the pane changes neither
            self._show_active(pane)
            self._show_focused(pane)

    def on_descendant_blur(self) -> None:
        self.call_after_refresh(self._unless_focused)

    def _unless_focused(self) -> None:
        """Focus left the screen's widgets without landing on another one: no pane is drawn focused."""
        if self.focused is None:
            self._show_focused(None)

    def _pane_of(self, widget: Widget) -> str | None:
        for pane in PANES:
            node = self.query_one(f"#{pane}")
            if widget is node or node in widget.ancestors:
                return pane
        return None

    def _show_focused(self, pane: str | None) -> None:
        """The pane holding the focus draws a heavy border (class `-focus`). A `:focus-within` rule would do it, but
        Textual then restyles the whole pane on every focus move inside it (~50 widgets in the form)."""
        self._focus_pane = pane
        for name in PANES:
            self.query_one(f"#{name}").set_class(name == pane, "-focus")

    def _show_active(self, pane: str) -> None:
        # Only the narrow layout's rules read `-active`: when wide, the classes are kept without restyling the
        # panes (a restyle of the form's pane costs ~10 ms a key); becoming narrow restyles the whole screen.
        narrow = self.has_class("-narrow")
        for name in PANES:
            self.query_one(f"#{name}").set_class(name == pane, "-active", update=narrow)
        self.query_one("#top").set_class(pane != "jobs-pane", "-active", update=narrow)
        self.query_one("#pane-tabs", Static).update(self._tabs(pane))

    @staticmethod
    def _tabs(active: str) -> Text:
        """The pane tabs of the narrow layout, `active` highlighted (composed with the browser's: no restyle on mount)."""
        labels = {"browser": "F2 Browse", "form": "F3 Export form", "jobs-pane": "F4 Jobs"}
        tabs = Text()
        for name in PANES:
            tabs.append(f" {labels[name]} ", style="bold reverse" if name == active else "dim")
            tabs.append(" ")
        return tabs

    def action_show_pane(self, pane: str) -> None:
        target: Widget = {"browser": CatalogTree, "form": ExportForm, "jobs-pane": JobsTable}[pane]
        widget = self.query_one(target)
        self._show_active(pane)
        if pane == "form" and widget.ready:
            widget.query_one("#identifiers").focus()
        else:
            widget.focus()

    # --- selection, preview, export -----------------------------------------------------------

    def on_catalog_tree_marks_changed(self, message: CatalogTree.MarksChanged) -> None:
        self.query_one(ExportForm).set_marks(message)

    def on_export_form_action(self, message: ExportForm.Action) -> None:
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

    def destination(self) -> Path:
        """The form's "Save to" directory."""
        return self.query_one(ExportForm).destination()

    def action_preview(self) -> None:
        request = self._form_request()
        if request is None:
            return
        self._preview_seq += 1
        seq = self._preview_seq

        def waited(done: bool | None) -> None:
            if not done and seq == self._preview_seq:
                self._preview_seq += 1  # the answer, when it comes, is dropped
                self.notify("Preview cancelled")

        from spark_tui.tui.screens.modals import BusyModal

        self._busy = BusyModal("Preview", "Resolving the selection…")
        self.app.push_screen(self._busy, waited)
        self._run_preview(request, seq)

    @work(thread=True, group="preview", exit_on_error=False, description="preview")
    def _run_preview(self, request: ExportRequest, seq: int) -> None:
        try:
            preview = self.app.backend.preview(request)
        except ValidationFailed as exc:
            from spark_tui.spark.export_wire import ExportPreview

            preview = ExportPreview(errors=exc.errors)
        except SparkTuiError as exc:
            self.app.call_from_thread(self._end_busy, seq)
            self.post_message(self.BackendFailed("Preview failed", exc))
            return
        self.post_message(self.PreviewReady(request, preview, seq))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A preview that failed unexpectedly closes its spinner (Textual then runs the base class's handler,
        which shows the error)."""
        if event.worker.group == "preview" and event.state is WorkerState.ERROR:
            self._end_busy(self._preview_seq)

    def _end_busy(self, seq: int) -> bool:
        """Close the spinner of preview `seq`; False when the user cancelled it (or a newer one runs)."""
        if seq != self._preview_seq:
            return False
        if self._busy is not None and self._busy.is_active:
            self._busy.dismiss(True)
        self._busy = None
        return True

    def on_main_screen_preview_ready(self, message: MainScreen.PreviewReady) -> None:
        if not self._end_busy(message.seq):
            return

        def chosen(export: bool | None) -> None:
            if export:
                self.export_checked(message.request)

        from spark_tui.tui.screens.preview import PreviewScreen

        self.app.push_screen(PreviewScreen(message.request, message.preview), chosen)

    def action_promote(self) -> None:
        """Open the Promote screen; the one of the same selection comes back as it was left (target, mappings,
        If present, plan and receipt are kept for the session)."""
        if (request := self._form_request()) is None:
            return
        from spark_tui.tui.screens.promote import PromoteScreen

        kept = self._promotion
        if kept is not None and kept.source is self.app.backend and kept.selected(request):
            self.app.push_screen(kept)
            return
        if kept is not None:
            self.app.uninstall_screen(kept)
            kept.remove()
        self._promotion = PromoteScreen(self.app.backend, request, self.query_one(ExportForm).destination())
        self.app.install_screen(self._promotion, name=f"promote-{next(self._queue_keys)}")
        self.app.push_screen(self._promotion)

    def action_export(self) -> None:
        request = self._form_request()
        if request is not None:
            self.export_checked(request)

    def export_checked(self, request: ExportRequest) -> None:
        """Submit, unless the package would land on a file that exists or that another export will write:
        then offer a free name (nothing is submitted that could not be saved)."""
        dest = self.destination()
        name = package_file_name(request.file_name)
        claimed = self.tracker.claimed_targets()
        clash = dest / name
        if not clash.exists() and clash not in claimed:
            self.submit(request, str(dest))
            return
        why = f"{clash} already exists" if clash.exists() else f"export {claimed[clash]} will save {clash}"
        free = free_name(dest, name, set(claimed).__contains__)
        form = self.query_one(ExportForm)
        form.show_error("file_name", f"{why}; choose another name (e.g. {free})")

        def answer(yes: bool | None) -> None:
            if yes:
                form.set_file_name(free)
                self.submit(request.model_copy(update={"file_name": free}), str(dest))
            else:
                self.action_show_pane("form")

        from spark_tui.tui.screens.modals import ConfirmModal

        self.app.push_screen(ConfirmModal("Package name taken", f"{why}; nothing is ever overwritten.\n\n"
                                          f"Export as {free} instead?", yes=f"Use {free}", no="Change it myself"),
                             answer)

    def submit(self, request: ExportRequest, dest_dir: str | None, queued_key: str | None = None) -> None:
        self._run_submit(request, dest_dir, queued_key)

    @work(thread=True, group="submit", exit_on_error=False, description="submit export")
    def _run_submit(self, request: ExportRequest, dest_dir: str | None, queued_key: str | None) -> None:
        backend = self.app.backend
        try:
            job = backend.submit(request)
        except JobSlotBusy as exc:
            if queued_key is None:
                self.post_message(self.SlotBusy(request, dest_dir, self._slot_holders(exc)))
            return
        except SparkTuiError as exc:
            self.post_message(self.BackendFailed("Export refused", exc))
            return
        self.post_message(self.JobSubmitted(job, dest_dir, queued_key, package_file_name(request.file_name)))

    def _slot_holders(self, exc: JobSlotBusy) -> str:
        """Who holds the slot: running job ids with their owners and ages (best effort)."""
        try:
            status = self.app.backend.tenant_status()
        except SparkTuiError:
            return ", ".join(exc.running) or "another job"
        held = [f"{j.id[:8]} by {j.data.created_by} (since {j.data.created_timestamp[11:19]} UTC)"
                for j in status.in_progress_exports]
        return "; ".join(held) or ", ".join(exc.running) or "another job"

    def on_main_screen_slot_busy(self, message: MainScreen.SlotBusy) -> None:
        def answer(queue: bool | None) -> None:
            if queue:
                key = f"queued-{next(self._queue_keys)}"
                self.tracker.enqueue(QueuedExport(key, message.request, message.dest_dir, iso_now()))
                self.events.add("queued", f"export queued ({package_file_name(message.request.file_name)})")
                self.notify("Export queued: it starts by itself when the job slot frees")
                self._show_jobs()

        from spark_tui.tui.screens.modals import ConfirmModal

        self.app.push_screen(ConfirmModal(
            "Job slot busy",
            f"The tenant's export job slot is held by: {message.holders}.\n\n"
            "Queue this export? It waits in the jobs table and starts by itself when the slot frees.",
            yes="Queue", no="Don't export"), answer)

    def on_main_screen_job_submitted(self, message: MainScreen.JobSubmitted) -> None:
        job = message.job
        if message.queued_key is not None:
            self._drop_queued(message.queued_key)
        self.tracker.submitted(job, message.dest_dir, message.file_name)
        if job.status is JobStatus.failed:
            first = job.errors[0].message if job.errors else "no reason given"
            self.events.add("failed", f"export {job.id[:8]} failed at once: {first}")
            self.notify(f"Export {job.id[:8]} failed: {first}", title="Export failed", severity="error", timeout=8)
        else:
            self.events.add("started", f"export {job.id[:8]} started")
            self.notify(f"Export {job.id[:8]} started", title="Export started")
        self._show_jobs()
        self.refresh_jobs()

    @work(thread=True, exclusive=True, group="whoami", exit_on_error=False, description="who am I")
    def _learn_identity(self) -> None:
        """Ask the backend who it knows the caller as, for the header."""
        try:
            caller = self.app.backend.whoami()
        except SparkTuiError:  # the header keeps the profile's user; the jobs refresh reports outages
            return
        self.app.call_from_thread(self.query_one(InfoHeader).set_caller, caller)

    # --- jobs table -----------------------------------------------------------------------------

    def refresh_jobs(self) -> None:
        now = self.app.clock()
        if self._refreshing:
            if self._refresh_started is not None:  # a slow backend: the header says how long it has waited
                self.query_one(InfoHeader).set_waiting((now - self._refresh_started).total_seconds())
            return
        self._refreshing = True
        self._refresh_started = now
        self._fetch_jobs(self.all_users, self.tracker.next_queued(), self._watched())

    def _watched(self) -> dict[str, ExportJob | None]:
        """Jobs this client follows whatever the listing says (its identity may be unknown or another one):
        its own submissions, those the backend remembers, and pending saves, with their last known state."""
        backend_ids = self.app.backend.submitted_ids
        watched: dict[str, ExportJob | None] = dict.fromkeys((*self.pending.items, *backend_ids))
        watched.update(self.tracker.own)
        return watched

    @work(thread=True, group="jobs", exit_on_error=False, description="refresh jobs")
    def _fetch_jobs(self, all_users: bool, head: QueuedExport | None, watched: dict[str, ExportJob | None]) -> None:
        backend = self.app.backend
        try:
            if head is not None:
                status = backend.tenant_status()
                if status.tenant.status.export_api_jobs_in_progress < status.tenant.configuration.export_api_job_limit:
                    self._run_submit_now(head)
            jobs = backend.list_jobs(all_users=all_users)
            imports = list_imports(backend, all_users)
            followed, gone = follow_up(backend, watched, {j.id for j in jobs})
        except SparkTuiError as exc:  # a failed refresh is retried on the next tick
            self.post_message(self.JobsRefreshed(self.jobs, all_users, error=exc))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.JobsRefreshed(newest_first(jobs + followed + imports), all_users, gone=gone))

    def _run_submit_now(self, head: QueuedExport) -> None:
        request = self._free_target(head)
        try:
            job = self.app.backend.submit(request)
        except JobSlotBusy:
            return
        except SparkTuiError as exc:
            self.post_message(self.BackendFailed("Queued export refused", exc))
            self.app.call_from_thread(self._drop_queued, head.key)
            return
        self.post_message(self.JobSubmitted(job, head.dest_dir, head.key, package_file_name(request.file_name)))

    def _free_target(self, head: QueuedExport) -> ExportRequest:
        """The queued request, renamed to the next free name when its file appeared while it waited (another
        client, another export): checked again when it starts, as the form checks when it is submitted."""
        if not head.dest_dir:
            return head.request
        dest, name = Path(head.dest_dir), package_file_name(head.request.file_name)
        taken = set(self.pending.targets())
        target = dest / name
        if not target.exists() and target not in taken:
            return head.request
        why = f"{target} already exists" if target.exists() else f"another export of this session will save {target}"
        free = free_name(dest, name, taken.__contains__)
        self.app.call_from_thread(self.events.add, "renamed", f"queued export: {why}; it saves {free} instead")
        self.notify(f"Queued export starts as {free}: {why}", severity="warning", timeout=8)
        return head.request.model_copy(update={"file_name": free})

    def _drop_queued(self, key: str) -> None:
        self.tracker.drop_queued(key)
        self._show_jobs()

    def on_main_screen_jobs_refreshed(self, message: MainScreen.JobsRefreshed) -> None:
        self._refreshing, self._refresh_started = False, None
        header = self.query_one(InfoHeader)
        was_down = header.error is not None
        header.set_connection(message.error, self.app.clock())
        if message.error is not None and not was_down:
            self.events.add("outage", f"{self.app.backend.info.location} unreachable: {message.error}")
            self._show_jobs()  # the running rows marked stale, their clocks stopped
        elif message.error is None and was_down:
            self.events.add("outage", f"{self.app.backend.info.location} reachable again")
        if message.error is None:
            self.answered_at = self.app.clock()
        if message.error is not None or message.all_users != self.all_users:
            return
        for job_id in self.tracker.gone(message.gone):
            self.events.add("failed", f"export {job_id[:8]} is gone from the tenant; its package is not saved")
        for ended in self.tracker.listed(message.jobs):
            self._announce_end(ended)
        self._show_jobs()

    def _announce_end(self, ended: Ended) -> None:
        job = ended.job
        short = job.id[:8]
        kind = "Import" if is_import(job) else "Export"
        if job.status is JobStatus.closed:
            self.events.add("finished", f"{kind.lower()} {short} closed")
            self.notify(f"{kind} {short} finished", title=f"{kind} closed")
            if ended.save is not None:
                self.app.job_actions.download(job, ended.save.dest_dir)
        else:
            reason = job.errors[0].message if job.errors else job.status.value
            self.events.add(job.status.value, f"{kind.lower()} {short} {job.status.value}: {reason}")
            self.notify(f"{kind} {short} {job.status.value}: {reason}", title=f"{kind} ended",
                        severity="warning" if job.status is JobStatus.cancelled else "error", timeout=8)

    def save_ended(self, job_id: str, saved: list | None, error: BaseException | None = None) -> None:
        """A package download ended (`saved` is None and `error` says why when it failed): no longer pending."""
        self.tracker.save_ended(job_id)
        if saved:
            self.events.add("saved", ", ".join(str(item.path) for item in saved))
        else:
            self.events.add("failed", f"saving the package of {job_id[:8]} failed: {error or 'no reason given'}")

    def follow_promoted(self, job: ImportJob, target: BackendInfo) -> None:
        """Show a promotion's import job (it runs in the `target` profile, which the jobs refresh does not list)."""
        if (ended := self.tracker.follow_promoted(job, target)) is not None:
            self._announce_end(ended)
        self._show_jobs()

    def unreachable_since(self) -> datetime | None:
        """Since when the backend has not answered the jobs refresh (None while it answers)."""
        header = self.query_one(InfoHeader)
        return header.since if header.error is not None else None

    def as_of(self) -> datetime:
        """The time the jobs' state is of: now, or while the backend is unreachable its last answer (clocks stop)."""
        if self.unreachable_since() is not None and self.answered_at is not None:
            return self.answered_at
        return self.app.clock()

    def _show_jobs(self) -> None:
        stale = self.unreachable_since() is not None
        self.query_one(JobsTable).show(self.jobs, self.queue, self.as_of(), tenant_wide=self.all_users, stale=stale)
        self._update_jobs_title()
        self.refresh_offered(JobsTable.BINDINGS)  # the selected row's status decides which job keys apply

    def _update_jobs_title(self) -> None:
        running = sum(1 for j in self.jobs if not j.status.is_terminal)
        scope = "whole tenant" if self.all_users else "mine"
        extra = f" · {len(self.queue)} queued" if self.queue else ""
        if self.all_users and not self._supervisor():
            extra += f" · own only: others' need {SUPERVISOR_GROUP}"
        if (since := self.unreachable_since()) is not None:
            extra += f" · ✗ stale: unreachable since {since.astimezone():%H:%M:%S}"
        self.query_one("#jobs-pane").border_title = f"Jobs · {scope} (t) · {running} running{extra}"

    def _supervisor(self) -> bool:
        """Whether the caller is in the group that lists every user's jobs (the groups the backend knows them
        with, else the profile's): without it the whole-tenant view lists the caller's own jobs only."""
        caller = self.query_one(InfoHeader).caller
        groups = getattr(caller, "groups", ()) or self.app.backend.info.groups
        return SUPERVISOR_GROUP in groups

    def running_jobs(self, besides: set[str] = frozenset()) -> int:
        """Own export jobs still running (in the tenant-wide view, those submitted from here), `besides` aside."""
        return self.tracker.running_jobs(besides, tenant_wide=self.all_users)

    def quit_lines(self, besides: set[str] = frozenset()) -> list[str]:
        """What quitting does to running, queued and to-be-saved exports (empty when nothing is affected);
        `besides`: running jobs someone else answers for (promotions)."""
        return self.tracker.quit_lines(self.app.backend.info, besides, tenant_wide=self.all_users)

    def action_toggle_scope(self) -> None:
        self.all_users = not self.all_users
        self._update_jobs_title()
        if self.all_users and not self._supervisor():
            user = self.query_one(InfoHeader).user()
            self.notify(f"Whole tenant: Spark lists other users' jobs only to group {SUPERVISOR_GROUP}, which "
                        f"{user} is not in; you see your own jobs", severity="warning", timeout=8, markup=False)
        self._refreshing = False
        self.refresh_jobs()

    def reset(self) -> None:
        """Start over on the app's (new) backend: header, catalog and jobs."""
        header = self.query_one(InfoHeader)
        header.caller, header.error, header.since, header.answered = None, None, None, False
        header.refresh_info()
        self._learn_identity()
        tree = self.query_one(CatalogTree)
        tree.root.set_label(Text(self.app.backend.info.tenant, style="bold"))
        tree.action_clear_marks()
        self.tracker.open(self._open_pending())
        self._show_jobs()
        self.action_refresh_all()

    def _open_pending(self) -> PendingSaves:
        """The pending saves of the app's backend (the log or a toast says what an earlier run left)."""
        pending = PendingSaves(store_path(self.app.backend.info))
        if pending.problem:
            self.notify(pending.problem, severity="warning", timeout=8)
        elif pending.items:
            self.events.add("resumed", f"{len(pending.items)} package save(s) pending from an earlier run")
        return pending

    def action_refresh_all(self) -> None:
        self.query_one(CatalogTree).action_reload()
        self._refreshing = False
        self.refresh_jobs()

    def action_show_log(self) -> None:
        from spark_tui.tui.screens.event_log import EventLogScreen

        self.app.push_screen(EventLogScreen(self.events))

    # --- job actions: the selected row, handed to app.job_actions -------------------------------

    def selected_job(self) -> ExportJob | None:
        """The job under the jobs table's cursor (a toast says why there is none)."""
        table = self.query_one(JobsTable)
        job = table.selected_job()
        if job is None:
            key = table.selected_key()
            self.notify("That export is queued: it has no job yet" if key and key.startswith("queued")
                        else "No job selected", severity="warning")
        return job

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """With the jobs table focused, the footer offers the job keys: the form's Preview, Export and Promote
        still work there but are left to F1 Help and the palette (at 80 columns they pushed the job keys out)."""
        bindings = super().active_bindings
        if not isinstance(self.focused, JobsTable):
            return bindings
        return {key: active._replace(binding=replace(active.binding, show=False))
                if active.binding.action in FORM_ACTIONS else active for key, active in bindings.items()}

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The jobs table's keys are offered only when they apply to the selected row (a queued export: cancel)."""
        if action not in JOB_ACTIONS:
            return True
        table = self.query_one(JobsTable)
        job = table.selected_job()
        if job is None:
            key = table.selected_key()
            return action == "cancel_job" and key is not None and key.startswith("queued")
        return offered(job, action, *(str(p) for p in parameters))

    @on(JobsTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self.refresh_offered(JobsTable.BINDINGS)

    def action_open_details(self) -> None:
        if (job := self.selected_job()) is not None:
            self.app.job_actions.open_details(job)

    def action_cancel_job(self) -> None:
        key = self.query_one(JobsTable).selected_key()
        if key and key.startswith("queued"):
            self._ask_to_drop_queued(key)
        elif (job := self.selected_job()) is not None:
            self.app.job_actions.cancel(job)

    def _ask_to_drop_queued(self, key: str) -> None:
        item = self.tracker.queued(key)
        if item is None:
            return
        name = package_file_name(item.request.file_name)

        def answer(yes: bool | None) -> None:
            if yes and self.tracker.queued(key) is not None:
                self._drop_queued(key)
                self.events.add("cancelled", f"queued export ({name}) removed before it started")
                self.notify("Queued export removed")

        from spark_tui.tui.screens.modals import ConfirmModal

        self.app.push_screen(ConfirmModal("Remove queued export", f"Remove the queued export of {name}?\n"
                                          "It has not started; nothing is kept.", yes="Remove", no="Keep it queued"),
                             answer)

    def action_save_package(self) -> None:
        if (job := self.selected_job()) is not None:
            self.app.job_actions.save(job)

    def action_copy(self, what: str) -> None:
        if (job := self.selected_job()) is not None:
            self.app.job_actions.copy(job, what)

    def on_main_screen_backend_failed(self, message: MainScreen.BackendFailed) -> None:
        self.app.show_error(message.title, message.error)


def iso_now() -> str:
    return iso(utc_now())
