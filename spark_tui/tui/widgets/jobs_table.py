"""The live jobs table: one row per job keyed by its id, updated cell by cell (no flicker), fitted to its width.

The id column stays put when the table scrolls sideways (below 50 columns); File, SHA-256, Correlation (and Created by in the
tenant-wide view) share the width left by the fixed columns and end in "…" when cut.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.events import Resize
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist

from spark_tui.tui.fit import fit_end
from spark_tui.tui.formatting import (
    clock,
    duration,
    elapsed_ms,
    file_name,
    human_bytes,
    is_import,
    package_hash,
    package_size,
    progress_of,
    progress_pct,
    status_text,
)
from spark_tui.tui.job_feed import created_at
from spark_tui.tui.job_tracker import QueuedExport

if TYPE_CHECKING:
    from spark_tui.spark.export_wire import ExportJob

FIXED = (("id", "Job", 8), ("kind", "Kind", 6), ("status", "Status", 13), ("created", "Created", 8),
         ("elapsed", "Elapsed", 7), ("progress", "Prog", 4), ("size", "Size", 9))
FLEX = (("file", "File", 8, 3), ("sha", "SHA-256", 8, 2), ("correlation", "Correlation", 8, 2))  # min, weight
CREATED_BY = ("by", "Created by", 10, 3)
PADDING = 2  # a cell's padding, one column each side


# first dropped when narrow; without Elapsed (in the details) the table fits 50 columns, nothing cut by the edge
DROP_ORDER = ("correlation", "created", "sha", "kind", "by", "progress", "elapsed")


def fit(width: int, tenant_wide: bool) -> list[tuple[str, str, int]]:
    """The columns (key, label, width) for a table `width` cells wide: the flexible ones share what the fixed
    ones leave; when even their minimum does not fit, the least useful columns are left out (DROP_ORDER)."""
    fixed = list(FIXED)
    flex = list(((CREATED_BY,) if tenant_wide else ()) + FLEX)
    room = width - 2  # 2: the vertical scrollbar

    def needed() -> int:
        return sum(w + PADDING for _, _, w in fixed) + sum(minimum + PADDING for _, _, minimum, _ in flex)

    for key in DROP_ORDER:
        if needed() <= room:
            break
        fixed = [c for c in fixed if c[0] != key]
        flex = [c for c in flex if c[0] != key]
    left = room - sum(w + PADDING for _, _, w in fixed) - len(flex) * PADDING
    weights = sum(weight for *_, weight in flex) or 1
    widths = [max(minimum, left * weight // weights) for _, _, minimum, weight in flex]
    return fixed + [(key, label, w) for (key, label, _, _), w in zip(flex, widths)]


def job_cells(job: ExportJob, now: datetime, no_color: bool = False, stale: bool = False) -> dict[str, Text | str]:
    """The cells of a job's row; `stale`: the backend is unreachable, so a running job's state is the last known
    (its status marked `?`, its elapsed time as of `now`, the last answer)."""
    digest = package_hash(job)
    progress = progress_of(job)
    status = status_text(job.status.value, no_color)
    if stale and not job.status.is_terminal:
        status = Text(f"? {job.status.value}", style="italic")
    return {
        "id": job.id[:8],
        "kind": "import" if is_import(job) else "export",
        "status": status,
        "created": clock(created_at(job)),
        "elapsed": duration(elapsed_ms(job, now)),
        "progress": progress_pct(job),
        "size": human_bytes(package_size(job)),
        "file": file_name(job),
        "sha": digest or "—",
        "correlation": job.correlation_id or "—",
        "by": (progress.created_by if progress else None) or "—",
    }


def queued_cells(item: QueuedExport, no_color: bool = False) -> dict[str, Text | str]:
    return {
        "id": "queued", "kind": "export", "status": status_text("queued", no_color), "created": clock(item.queued_at),
        "elapsed": "—", "progress": "—", "size": "—", "file": item.request.file_name or "package.zip", "sha": "—",
        "correlation": item.request.correlation_id or "—", "by": "you",
    }


class JobsTable(DataTable):
    """Jobs newest first. Keys: enter details, c cancel, s save package, y copy id, t own/tenant-wide."""

    BINDINGS = [
        Binding("enter", "screen.open_details", "Details", id="jobs.details", tooltip="Open the job's details"),
        Binding("c", "screen.cancel_job", "Cancel job", id="jobs.cancel", tooltip="Cancel the job (asks first)"),
        Binding("s", "screen.save_package", "Save", id="jobs.save", tooltip="Save the package to a directory"),
        Binding("y", "screen.copy('id')", "Copy id", id="jobs.copy_id", tooltip="Copy the job id to the clipboard"),
        Binding("x", "screen.copy('errors')", "Copy errors", id="jobs.copy_errors",
                tooltip="Copy the failed job's errors to the clipboard"),
        Binding("t", "screen.toggle_scope", "Mine/all", id="jobs.scope", tooltip="Own jobs or the whole tenant"),
        Binding("home,g", "scroll_top", "First", show=False, id="jobs.first", tooltip="First job"),
        Binding("end,G", "scroll_bottom", "Last", show=False, id="jobs.last", tooltip="Last job"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.fixed_columns = 1
        self.jobs: dict[str, ExportJob] = {}
        self._cells: dict[str, dict[str, Text | str]] = {}
        self._columns: list[tuple[str, str, int]] = []
        self.tenant_wide = False

    def on_mount(self) -> None:
        self._set_columns(fit(self.size.width or 80, self.tenant_wide))

    def on_resize(self, event: Resize) -> None:
        columns = fit(event.size.width, self.tenant_wide)
        if columns != self._columns:
            self._set_columns(columns)

    def _set_columns(self, columns: list[tuple[str, str, int]]) -> None:
        selected = self.selected_key()
        self.clear(columns=True)
        self._columns = columns
        for key, label, width in columns:
            # A Text: a str label is parsed as Rich markup, and its emoji table alone costs ~2 ms of the first frame.
            self.add_column(Text(fit_end(label, width)), key=key, width=width)
        cells, self._cells = self._cells, {}
        self._rebuild(cells, selected)

    def _shown(self, column: str, value: Text | str) -> Text | str:
        """A cell as drawn: text cut to its column's width with "…"."""
        width = next((w for key, _, w in self._columns if key == column), 0)
        return fit_end(value, width) if isinstance(value, str) else value

    def show(self, jobs: list, queued: list[QueuedExport], now: datetime, tenant_wide: bool = False,
             stale: bool = False) -> None:
        """Bring the table to this list: update changed cells; rebuild only when rows or columns change. `stale`:
        the backend is unreachable, `now` its last answer."""
        if tenant_wide != self.tenant_wide:
            self.tenant_wide = tenant_wide
            self._cells = {}
            self._set_columns(fit(self.size.width or 80, tenant_wide))
        no_color = self.app.no_color
        rows: dict[str, dict[str, Text | str]] = {q.key: queued_cells(q, no_color) for q in queued}
        rows.update({job.id: job_cells(job, now, no_color, stale) for job in jobs})
        self.jobs = {job.id: job for job in jobs}
        if list(rows) != list(self._cells):
            self._rebuild(rows, self.selected_key())
            return
        keys = [key for key, _, _ in self._columns]
        for key, cells in rows.items():
            old = self._cells[key]
            for column in keys:
                if old.get(column) != cells[column]:
                    self.update_cell(key, column, self._shown(column, cells[column]))
        self._cells = rows

    def _rebuild(self, rows: dict[str, dict[str, Text | str]], selected: str | None) -> None:
        self.clear()
        for key, cells in rows.items():
            self.add_row(*(self._shown(c, cells[c]) for c, _, _ in self._columns), key=key)
        self._cells = rows
        if selected in rows:
            self.move_cursor(row=self.get_row_index(selected))

    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except CellDoesNotExist:  # a shrinking table has no cursor row
            return None

    def selected_job(self) -> ExportJob | None:
        key = self.selected_key()
        return self.jobs.get(key) if key else None
