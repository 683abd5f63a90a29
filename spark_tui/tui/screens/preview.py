"""The dry-run result: what an export would contain, or every error with its reference."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.padding import Padding
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


TABLE_WIDTH = 72  # narrower, the errors are listed one block each: three columns would fold every word


class ErrorsView:
    """Every error with its code, reference and message, nothing cut (long words fold): a table when there is
    room, else one block per error — the code and reference, then the message indented under them."""

    def __init__(self, errors: list[ApiError]) -> None:
        self.errors = errors

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if options.max_width >= TABLE_WIDTH:
            table = Table(expand=True, show_edge=False, box=None, padding=(0, 1), header_style="bold")
            table.add_column("Code", style="red", no_wrap=True)
            table.add_column("Reference", overflow="fold", ratio=1)
            table.add_column("Message", overflow="fold", ratio=2)
            for e in self.errors:
                table.add_row(e.code, e.ref or "—", e.message)
            yield table
            return
        for e in self.errors:
            yield Text.assemble((e.code, "red"), "  ", e.ref or "—", overflow="fold")
            yield Padding(Text(e.message, overflow="fold"), (0, 0, 0, 2))


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
                    yield Static(ErrorsView(p.errors))
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
