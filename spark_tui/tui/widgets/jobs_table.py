"""The live jobs table: one row per job keyed by its id, updated cell by cell (no flicker)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from spark_tui.spark.models import ExportJob, ExportRequest
from spark_tui.tui.formatting import (
    STATUS_STYLES,
    clock,
    duration,
    elapsed_ms,
    file_name,
    human_bytes,
    package_hash,
    package_size,
    progress_pct,
)

COLUMNS = (("id", "Job", 8), ("status", "Status", 11), ("created", "Created", 8), ("elapsed", "Elapsed", 7),
           ("progress", "Prog", 4), ("size", "Size", 9), ("file", "File", 14), ("sha", "SHA-256", 12),
           ("correlation", "Correlation", 12))


@dataclass
class QueuedExport:
    """An export waiting for the tenant's job slot; it is submitted when the slot frees."""

    key: str
    request: ExportRequest
    dest_dir: str | None
    queued_at: str


def job_cells(job: ExportJob, now: datetime) -> dict[str, Text | str]:
    status = job.status.value
    digest = package_hash(job)
    return {
        "id": job.id[:8],
        "status": Text(status, style=STATUS_STYLES.get(status, "")),
        "created": clock(job.progress.created_timestamp if job.progress else None),
        "elapsed": duration(elapsed_ms(job, now)),
        "progress": progress_pct(job),
        "size": human_bytes(package_size(job)),
        "file": file_name(job),
        "sha": digest[:12] if digest else "—",
        "correlation": job.correlation_id or "—",
    }


def queued_cells(item: QueuedExport) -> dict[str, Text | str]:
    return {
        "id": "queued", "status": Text("queued", style=STATUS_STYLES["queued"]), "created": clock(item.queued_at),
        "elapsed": "—", "progress": "—", "size": "—", "file": item.request.file_name or "package.zip", "sha": "—",
        "correlation": item.request.correlation_id or "—",
    }


class JobsTable(DataTable):
    """Jobs newest first. Keys: enter details, c cancel, s save package, t own/tenant-wide."""

    BINDINGS = [
        Binding("enter", "open_details", "Details", id="jobs.details", tooltip="Open the job's details"),
        Binding("c", "cancel_job", "Cancel job", id="jobs.cancel", tooltip="Cancel the job (asks first)"),
        Binding("s", "save_package", "Save", id="jobs.save", tooltip="Save the package to a directory"),
        Binding("t", "toggle_scope", "Mine/all", id="jobs.scope", tooltip="Own jobs or the whole tenant"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.jobs: dict[str, ExportJob] = {}
        self._cells: dict[str, dict[str, Text | str]] = {}

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    def show(self, jobs: list[ExportJob], queued: list[QueuedExport], now: datetime) -> None:
        """Bring the table to this list: update changed cells; rebuild only when rows come or go."""
        rows: dict[str, dict[str, Text | str]] = {q.key: queued_cells(q) for q in queued}
        rows.update({job.id: job_cells(job, now) for job in jobs})
        self.jobs = {job.id: job for job in jobs}
        if list(rows) != list(self._cells):
            self._rebuild(rows)
            return
        for key, cells in rows.items():
            old = self._cells[key]
            for column, value in cells.items():
                if old.get(column) != value:
                    self.update_cell(key, column, value)
        self._cells = rows

    def _rebuild(self, rows: dict[str, dict[str, Text | str]]) -> None:
        selected = self.selected_key()
        self.clear()
        for key, cells in rows.items():
            self.add_row(*(cells[c] for c, _, _ in COLUMNS), key=key)
        self._cells = rows
        if selected in rows:
            self.move_cursor(row=self.get_row_index(selected))

    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # noqa: BLE001 - an empty or shrinking table has no cursor row
            return None

    def selected_job(self) -> ExportJob | None:
        key = self.selected_key()
        return self.jobs.get(key) if key else None

    def action_open_details(self) -> None:
        self.screen.action_open_details()

    def action_cancel_job(self) -> None:
        self.screen.action_cancel_job()

    def action_save_package(self) -> None:
        self.screen.action_save_package()

    def action_toggle_scope(self) -> None:
        self.screen.action_toggle_scope()
