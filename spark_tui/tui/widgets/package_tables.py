"""Tables of the Import screen: what a package holds (`--inspect`) and what an import job did (its outputs)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from spark_tui.spark.import_wire import ImportJob
from spark_tui.spark.promotion_wire import PackageInspection
from spark_tui.tui.formatting import human_bytes

# What an import did to a version, with a mark that reads without colour.
ITEM_CUES = {"added": ("+ added", "bold green"), "replaced": ("~ replaced", "bold yellow"),
             "updated": ("~ updated", "bold cyan")}


def item_cell(status: str) -> Text:
    cue, style = ITEM_CUES.get(status, (status, ""))
    return Text(cue, style=style)


class InspectionTable(DataTable):
    """One row per version of the package: URI, version id, files, bytes."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)

    def on_mount(self) -> None:
        for key, label in (("version", "Version"), ("files", "Files"), ("size", "Size"), ("id", "Version id")):
            self.add_column(label, key=key)

    def show(self, inspection: PackageInspection) -> None:
        self.clear()
        for v in inspection.service_versions:
            self.add_row(v.service_uri_source, str(v.files), human_bytes(v.bytes), v.version_id_source,
                         key=v.version_id_source)


class ImportResultTable(DataTable):
    """One row per imported version: what happened, source → destination, the destination's version id."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)

    def on_mount(self) -> None:
        for key, label in (("status", "Result"), ("source", "Source"), ("destination", "Destination"),
                           ("id", "Destination id")):
            self.add_column(label, key=key)

    def show(self, job: ImportJob) -> None:
        self.clear()
        for i, v in enumerate(job.outputs.service_versions):
            self.add_row(item_cell(v.status), v.service_uri_source or "—", v.service_uri_destination or "—",
                         v.version_id_destination or "—", key=f"{i}:{v.version_id_source}")
