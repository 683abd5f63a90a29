"""The Import screen's mapping table: the Promote screen's table plus an Import column (space skips a service).

As `--import-package --map`: every service of the package is imported under its own name unless a
row is edited or skipped; a mapping file fills the table (its services imported, the others skipped).
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from spark_tui.promotion.mappings import Mapping, MappingSet, service_mappings
from spark_tui.spark.values import VersionBump
from spark_tui.tui.fit import fit_end
from spark_tui.tui.widgets.mapping_table import MappingRow, MappingTable


def apply_mappings(table: MappingTable, found: MappingSet) -> list[str]:
    """Set every row of `table` to where `found` maps it (promotion's rules); returns the sources it names
    (a service, or its whole folder). ValidationFailed names a source the table lacks or one mapped twice."""
    rows = list(table.rows_by_source.values())
    expanded = service_mappings(found.mappings, [(r.folder_source, r.service_source) for r in rows],
                                found.upgrade or VersionBump.minor)
    named = {m.source for m in found.mappings}
    for old, entry in zip(rows, expanded):
        folder, _, service = entry.destination.partition("/")
        table.set_row(MappingRow(old.folder_source, old.service_source, folder, service, entry.update_version_type))
    return [r.source for r in rows if r.source in named or r.folder_source in named]


def include_cell(included: bool) -> Text:
    """`✓ import` / `· skip`: readable without colour."""
    return Text("✓ import", style="bold") if included else Text("· skip", style="dim")


class ImportMappingTable(MappingTable):
    """`included()` are the rows to import; `space` toggles a row, `a` imports all."""

    BINDINGS = [
        Binding("space", "toggle_include", "Import/skip", id="import_mapping.toggle",
                tooltip="Import this service or skip it"),
        Binding("a", "include_all", "All", id="import_mapping.all", tooltip="Import every service of the package"),
    ]

    COLUMNS = (("import", "Import", fit_end), *MappingTable.COLUMNS)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.skipped: set[str] = set()

    def set_services(self, services: list[tuple[str, str]]) -> None:
        """One row per (folder, service), imported under the same name."""
        self.skipped = set()
        super().set_services(services)

    def row_cells(self, row: MappingRow) -> tuple[str | Text, ...]:
        return include_cell(row.source not in self.skipped), *super().row_cells(row)

    def _show_includes(self) -> None:
        for source, row in self.rows_by_source.items():
            self.put_row(source, self.row_cells(row))

    def included(self) -> list[MappingRow]:
        return [row for source, row in self.rows_by_source.items() if source not in self.skipped]

    def mappings(self) -> list[Mapping]:
        return [row.mapping() for row in self.included()]

    def action_toggle_include(self) -> None:
        if (row := self.selected_row()) is None:
            return
        self.skipped ^= {row.source}
        self.put_row(row.source, self.row_cells(row))
        self.post_message(self.Changed())

    def action_include_all(self) -> None:
        self.skipped = set()
        self._show_includes()
        self.post_message(self.Changed())

    def apply(self, found: MappingSet) -> None:
        """Fill the rows from a mapping file: what it names is imported as it says, the rest skipped.

        ValidationFailed (from promotion's expansion) names a source that is not in the package or one mapped twice.
        """
        named = apply_mappings(self, found)
        self.skipped = set(self.rows_by_source) - set(named) if found.mappings else set()
        self._show_includes()
        self.post_message(self.Changed())
