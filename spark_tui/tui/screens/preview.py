"""The dry-run result: what an export would contain, or every error with its reference."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static

from spark_tui.tui.screens.base import SparkModal
from spark_tui.tui.widgets.footer import SparkFooter
from spark_tui.spark.export_wire import ApiError, ExportPreview, ExportRequest
from spark_tui.tui.fit import fit_end, fit_middle
from spark_tui.tui.formatting import human_bytes
from spark_tui.tui.widgets.fitted_table import FittedTable


def errors_table(errors: list[ApiError]) -> Table:
    """Every error with its code and reference; messages wrap so nothing is cut off."""
    table = Table(expand=True, show_edge=False, box=None, padding=(0, 1), header_style="bold")
    table.add_column("Code", style="red", no_wrap=True)
    table.add_column("Reference", overflow="fold", ratio=1)
    table.add_column("Message", ratio=2)
    for e in errors:
        table.add_row(e.code, e.ref or "—", e.message)
    return table


class PreviewScreen(SparkModal[bool]):
    """Dismisses with True when the user chooses to export right away."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="preview.close"),
        Binding("e", "export", "Export", id="preview.export"),
    ]

    def __init__(self, request: ExportRequest, preview: ExportPreview) -> None:
        super().__init__()
        self.request = request
        self.preview = preview

    def compose(self) -> ComposeResult:
        p = self.preview
        with Vertical(id="preview-dialog"):
            if p.errors:
                yield Label(Text(f"Preview: {len(p.errors)} error(s) — this export would fail", style="bold red"),
                            id="dialog-title")
                with VerticalScroll(id="preview-errors"):
                    yield Static(errors_table(p.errors))
            else:
                limit = f" of {human_bytes(p.size_limit)} allowed" if p.size_limit else ""
                yield Label(Text(f"Preview: {len(p.services)} service(s), {len(p.service_versions)} version(s), "
                                 f"{human_bytes(p.projected_bytes)}{limit}", style="bold green"), id="dialog-title")
                table = FittedTable((("service", "Service", fit_middle), ("version", "Version", fit_end),
                                     ("id", "Version id", fit_middle)), id="preview-versions")
                table.put_rows({str(i): (f"{v.folder_source}/{v.service_source}", v.version_source, v.version_id_source)
                                for i, v in enumerate(p.service_versions)})
                yield table
                yield Static(f"file filter {self.request.file_filter.value} · version filter "
                             f"{self.request.version_filter.value} · {len(p.files)} file(s)", id="preview-note")
            with Horizontal(classes="dialog-buttons"):
                if not p.errors:
                    yield Button("Export (e)", id="export", variant="primary", compact=True)
                yield Button("Close (esc)", id="close", compact=True)
        yield SparkFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Export is not offered when the preview found errors."""
        return not (action == "export" and self.preview.errors)

    def action_close(self) -> None:
        self.dismiss(False)

    def action_export(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#export")
    def _export(self) -> None:
        self.action_export()

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.action_close()
