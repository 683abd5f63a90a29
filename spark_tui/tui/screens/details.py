"""Job details: progress while running, outputs, errors, file, hash, URL and timings; copy helpers."""

from __future__ import annotations

from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Label, ProgressBar, Static

from spark_tui.spark.errors import SparkTuiError
from spark_tui.tui.job_actions import offered
from spark_tui.tui.screens.base import SparkScreen
from spark_tui.tui.widgets.footer import SparkFooter
from spark_tui.spark.export_wire import ExportJob
from spark_tui.tui.fit import fit_end, fit_middle, fit_part
from spark_tui.tui.formatting import (
    duration,
    elapsed_ms,
    human_bytes,
    is_import,
    package_hash,
    package_path,
    package_size,
    parse_ts,
    progress_of,
    status_text,
    throughput,
)
from spark_tui.tui.screens.preview import ErrorsView
from spark_tui.tui.widgets.fitted import FittedLine
from spark_tui.tui.widgets.fitted_table import FittedTable
from spark_tui.tui.widgets.header import InfoHeader

# The outputs' columns, by whether the job is an import; names as on the wire, ids and URIs shortened in the middle
SOURCE = ("service_uri_source", "service_uri_source", fit_middle)
SERVICE_COLUMNS = {
    False: (SOURCE, ("service_id_source", "service_id_source", fit_middle)),
    True: (SOURCE, ("service_uri_destination", "service_uri_destination", fit_middle), ("status", "status", fit_end)),
}
VERSION_COLUMNS = {
    False: (SOURCE, ("version_id_source", "version_id_source", fit_middle)),
    True: (SOURCE, ("version_destination", "version_destination", fit_end), ("status", "status", fit_end)),
}


class JobDetailsScreen(SparkScreen[None]):
    """Everything about one export job; refreshes every second until the job ends."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="details.back"),
        Binding("i", "copy('id')", "Copy id", id="details.copy_id"),
        Binding("p", "copy('path')", "Copy path", id="details.copy_path"),
        Binding("h", "copy('hash')", "Copy hash", id="details.copy_hash"),
        Binding("c", "cancel_job", "Cancel job", id="details.cancel"),
        Binding("s", "save_package", "Save", id="details.save"),
        Binding("x", "copy('errors')", "Copy errors", id="details.copy_errors"),
    ]

    class JobUpdated(Message):
        def __init__(self, job: ExportJob) -> None:
            super().__init__()
            self.job = job

    def __init__(self, job: ExportJob) -> None:
        super().__init__()
        self.job = job
        self.answered_at: datetime | None = None  # the job's state is as of then (its status's last answer)
        self.down_since: datetime | None = None  # since when its status has not answered (None: it answers)

    def compose(self) -> ComposeResult:
        yield InfoHeader(self.app.main.promoted_in.get(self.job.id))  # a promotion's import ran in its target
        with VerticalScroll(id="details-body"):
            yield FittedLine(id="details-title")
            yield ProgressBar(total=100, show_eta=False, id="details-progress")
            yield Static("", id="details-info")
            yield Label("Errors", classes="section", id="errors-label")
            yield Static("", id="details-errors")
            yield Label("outputs.services", classes="section")
            yield FittedTable(SERVICE_COLUMNS[is_import(self.job)], id="details-services")
            yield Label("outputs.service_versions", classes="section")
            yield FittedTable(VERSION_COLUMNS[is_import(self.job)], id="details-versions")
        yield SparkFooter()

    def on_mount(self) -> None:
        main = self.app.main  # the job comes from its table: as stale as the table
        self.answered_at, self.down_since = main.as_of(), main.unreachable_since()
        self.show(self.job)
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        self.query_one(InfoHeader).refresh()  # the connection state may have changed
        if self.job.status.is_terminal:
            return
        promoted = self.app.main.promoted.get(self.job.id)
        if promoted is not None:  # a promotion's import in another profile: the promotion follows it
            self.answered_at = self.app.clock()
            self.show(promoted)
        else:
            self._poll()

    @work(thread=True, exclusive=True, group="details", exit_on_error=False, description="job status")
    def _poll(self) -> None:
        try:
            backend = self.app.backend
            status = backend.import_status if is_import(self.job) else backend.status
            self.post_message(self.JobUpdated(status(self.job.id)))
        except SparkTuiError as exc:  # the next tick retries
            self.app.call_from_thread(self._unreachable, exc)

    def _unreachable(self, error: SparkTuiError) -> None:
        """The status did not answer: the details stay as last known, marked stale (a toast once per outage)."""
        if self.down_since is None:
            self.down_since = self.app.clock()
            self.notify(f"status of {self.job.id[:8]} failed: {error}", severity="warning")
            self.show(self.job)

    def on_job_details_screen_job_updated(self, message: JobDetailsScreen.JobUpdated) -> None:
        self.answered_at, self.down_since = self.app.clock(), None
        self.show(message.job)

    def stale(self) -> bool:
        """Whether what is shown of a running job may be out of date (its status does not answer)."""
        return self.down_since is not None and not self.job.status.is_terminal

    def show(self, job: ExportJob) -> None:
        self.job = job
        self.refresh_offered(self.BINDINGS)
        status = job.status.value
        kind = "Import" if is_import(job) else "Export"
        shown = Text(f"? {status}", style="italic") if self.stale() else status_text(status, self.app.no_color)
        parts = [Text(f"{kind} job ", style="bold"), Text(job.id, style="bold"), Text("  ") + shown]
        title = self.query_one("#details-title", FittedLine)
        title.fitter = lambda _, width: fit_part(parts, 1, width)  # narrow: the id is shortened, not the status
        title.update(Text.assemble(*parts))
        bar = self.query_one("#details-progress", ProgressBar)
        bar.display = not job.status.is_terminal
        if (p := progress_of(job)) and p.bytes_total:
            bar.update(total=p.bytes_total, progress=p.bytes_done)
        self.query_one("#details-info", Static).update(self._info(job))
        self.query_one("#details-errors", Static).update(ErrorsView(job.errors or []))
        self.query_one("#details-errors").display = bool(job.errors)
        self.query_one("#errors-label").display = bool(job.errors)
        if is_import(job):
            self._fill("#details-services", [(s.service_uri_source, s.service_uri_destination or "—", s.status)
                                             for s in job.outputs.services])
            self._fill("#details-versions", [(v.service_uri_source, getattr(v, "version_destination", None) or "—",
                                              getattr(v, "status", "")) for v in job.outputs.service_versions])
        else:
            self._fill("#details-services", [(s.service_uri_source, s.service_id_source) for s in job.outputs.services])
            self._fill("#details-versions",
                       [(v.service_uri_source, v.version_id_source) for v in job.outputs.service_versions])

    def _fill(self, selector: str, rows: list[tuple]) -> None:
        table = self.query_one(selector, FittedTable)
        if len(table.cells) != len(rows):
            table.put_rows({str(index): row for index, row in enumerate(rows)})

    def _info(self, job: ExportJob) -> Table:
        p = progress_of(job)
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        created = parse_ts(p.created_timestamp) if p else None
        stale = self.stale() and self.answered_at is not None
        elapsed = elapsed_ms(job, self.answered_at if stale else self.app.clock())  # stale: the clocks stop
        rows = [
            *([("Stale", f"✗ unreachable since {self.down_since.astimezone():%H:%M:%S}; as last known at "
                         f"{self.answered_at.astimezone():%H:%M:%S}")] if stale else []),
            ("Created by", (p.created_by if p else None) or "—"),
            ("Created", created.astimezone().strftime("%Y-%m-%d %H:%M:%S") if created else "—"),
            ("Elapsed", duration(elapsed)),
            *([("Process time", duration(job.process_time))] if job.status.is_terminal else []),
            ("Progress", f"{human_bytes(p.bytes_done)} of {human_bytes(p.bytes_total)}" if p and p.bytes_total else "—"),
            ("Throughput", throughput(job, elapsed)),
            ("File", package_path(job) or "—"),
            ("Size", human_bytes(package_size(job))),
            ("SHA-256", package_hash(job) or "—"),
            ("Status URL", job.status_url or "—"),
            ("Source system", job.source_system or "—"),
            ("Correlation id", job.correlation_id or "—"),
        ]
        for key, value in rows:
            grid.add_row(key, value)
        return grid

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the keys that apply to the job as it is now (an import has no package, a closed job no cancel)."""
        return offered(self.job, action, *(str(p) for p in parameters))

    def action_copy(self, what: str) -> None:
        self.app.job_actions.copy(self.job, what)

    def action_cancel_job(self) -> None:
        self.app.job_actions.cancel(self.job)

    def action_save_package(self) -> None:
        self.app.job_actions.save(self.job)
