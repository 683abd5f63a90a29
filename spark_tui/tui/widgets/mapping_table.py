"""The promotion's mapping table: one row per source service, its destination and version bump, editable."""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Select, Static

from spark_tui.tui.screens.base import SparkModal
from spark_tui.tui.widgets.footer import SparkFooter
from spark_tui.promotion.mappings import Mapping, make_mapping
from spark_tui.spark.values import VersionBump
from spark_tui.spark.uri import InvalidReference, service_uri, validate_name
from spark_tui.tui.fit import fit_end, fit_middle
from spark_tui.tui.widgets.fitted_table import FittedTable
from spark_tui.tui.widgets.toggles import FormSelect

BUMPS = list(VersionBump)


@dataclass(frozen=True)
class MappingRow:
    """One source service and where it goes: destination folder and service, and the version bump."""

    folder_source: str
    service_source: str
    folder: str
    service: str
    upgrade: VersionBump = VersionBump.minor

    @property
    def source(self) -> str:
        return service_uri(self.folder_source, self.service_source)

    @property
    def destination(self) -> str:
        return service_uri(self.folder, self.service)

    def mapping(self) -> Mapping:
        """The core's mapping (ValidationFailed names a bad destination name; the dialog checks names first)."""
        return make_mapping(self.source, self.destination, self.upgrade.value, origin=f"mapping of '{self.source}'")


class MappingTable(FittedTable):
    """Pre-filled with same names; enter edits a row's destination and bump, `u` cycles the bump."""

    BINDINGS = [
        Binding("enter", "edit", "Edit mapping", id="mapping.edit", tooltip="Destination folder/service and upgrade"),
        Binding("u", "cycle_upgrade", "Upgrade type", id="mapping.upgrade",
                tooltip="Cycle the version bump (major/minor/patch) used with add_version"),
    ]

    class Changed(Message):
        """A mapping was edited: any plan made before is stale."""

    COLUMNS = (("source", "Source service", fit_middle), ("destination", "Destination (folder/service)", fit_middle),
               ("upgrade", "Upgrade", fit_end))

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows_by_source: dict[str, MappingRow] = {}

    def set_services(self, services: list[tuple[str, str]]) -> None:
        """One row per (folder, service), mapped to the same names."""
        rows = [MappingRow(folder, service, folder, service) for folder, service in services]
        self.rows_by_source = {row.source: row for row in rows}
        self.put_rows({row.source: self.row_cells(row) for row in rows})

    def row_cells(self, row: MappingRow) -> tuple[str | Text, ...]:
        renamed = row.destination != row.source
        destination = Text(row.destination, style="bold" if renamed else "")
        if renamed:
            destination.append("  (renamed)", style="italic")
        return row.source, destination, row.upgrade.value

    def mappings(self) -> list[Mapping]:
        return [row.mapping() for row in self.rows_by_source.values()]

    def selected_row(self) -> MappingRow | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.rows_by_source.get(key or "")

    def set_row(self, row: MappingRow) -> None:
        self.rows_by_source[row.source] = row
        self.put_row(row.source, self.row_cells(row))
        self.post_message(self.Changed())

    def action_edit(self) -> None:
        row = self.selected_row()
        if row is None:
            self.notify("No service to map yet", severity="warning")
            return
        self.app.push_screen(MappingModal(row), lambda edited: edited and self.set_row(edited))

    def action_cycle_upgrade(self) -> None:
        if (row := self.selected_row()) is not None:
            self.set_row(replace(row, upgrade=BUMPS[(BUMPS.index(row.upgrade) + 1) % len(BUMPS)]))


class MappingModal(SparkModal[MappingRow | None]):
    """Edit one mapping: destination folder, service and version bump, checked before it is accepted."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="mapping_edit.cancel"),
                Binding("enter", "ok", "OK", id="mapping_edit.ok", tooltip="Accept the mapping (checked first)")]
    DEFAULT_CSS = """
    #mapping-dialog { width: 72; max-width: 95%; height: auto; border: thick $primary; background: $surface;
                      padding: 0 1; }
    """

    def __init__(self, row: MappingRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        with Vertical(id="mapping-dialog"):
            yield Label(Text(f"Map {self.row.source}", style="bold"), id="dialog-title")
            with Horizontal(classes="form-row"):
                yield Label("Folder", classes="form-label")
                yield Input(self.row.folder, id="map-folder", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Service", classes="form-label")
                yield Input(self.row.service, id="map-service", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Upgrade", classes="form-label")
                yield FormSelect([(b.value, b) for b in BUMPS], value=self.row.upgrade, allow_blank=False,
                                 id="map-upgrade", compact=True)
            yield Static("", id="map-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK (enter)", id="ok", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)
        yield SparkFooter()  # its own keys, not those of the screen below

    def on_mount(self) -> None:
        self.query_one("#map-folder", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def action_ok(self) -> None:
        edited = replace(self.row, folder=self.query_one("#map-folder", Input).value.strip(),
                         service=self.query_one("#map-service", Input).value.strip(),
                         upgrade=self.query_one("#map-upgrade", Select).value)
        try:
            validate_name("folder", edited.folder)
            validate_name("service", edited.service)
        except InvalidReference as exc:
            error = self.query_one("#map-error", Static)
            error.update(Text(f"↳ {exc}"))
            error.add_class("-shown")
            return
        self.dismiss(edited)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
