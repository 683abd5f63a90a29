"""F1 / ? help: how the app works and every key active on the screen it was opened from."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

GUIDE = (
    "Browse the tenant on the left: → or enter expands, ← collapses, / filters names (services are searched "
    "across the whole tenant). space marks a folder, a service or a version ([-] on a parent: something inside "
    "is marked); marks become inputs.folders, inputs.services and inputs.version_ids.\n\n"
    "Type more identifiers in the form (f/s, f/s[1.2], service UUIDs, version/<uuid>) and set the options; "
    "p previews (a dry run: what would be exported, or every error; esc stops waiting) and e exports; F5 and "
    "F6 do the same while you type in a field. A package name already in 'Save to' is caught before anything "
    "starts, with a free name offered. When the tenant's job slot is busy you may queue the export: it starts "
    "by itself when the slot frees.\n\n"
    "Jobs refresh every second: enter opens details, c cancels, s saves the package (hash verified), y copies "
    "the id, t switches between your jobs and the whole tenant. A package still to be saved when you quit is "
    "saved by the next run. l shows the event log; ctrl+p opens the command palette (theme, profiles, "
    "refresh).\n\n"
    "ctrl+o promotes the selection to another profile: pick the target, edit the mapping table, F5 shows the "
    "plan (nothing written), F6 exports, imports and writes a receipt beside the package.\n\n"
    "At narrow sizes F2 / F3 / F4 (or 1 / 2 / 3 outside text fields) show the browser, the form or the jobs."
)

from spark_tui.tui.screens.base import SparkModal
from spark_tui.tui.widgets.footer import SparkFooter


class HelpScreen(SparkModal[None]):
    BINDINGS = [Binding("escape,f1,question_mark,q", "dismiss", "Close help", id="help.close")]

    def __init__(self, keys: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column(style="dim")
        for key, description, tooltip in self.keys:
            table.add_row(key, description, tooltip)
        with Vertical(id="help-dialog"):
            yield Label(Text("spark-tui help  (esc to close)", style="bold"), id="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(Text(GUIDE), id="help-guide")
                yield Label(Text("Keys on this screen", style="bold"), classes="section")
                yield Static(table, id="help-keys")
        yield SparkFooter()
