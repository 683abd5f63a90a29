"""Tables of the Import screen: what a package holds (`--inspect`) and what an import job did (its outputs), fitted
to the width (ids and URIs shortened in the middle)."""

from __future__ import annotations

from rich.text import Text

from spark_tui.spark.import_wire import ImportJob
from spark_tui.spark.promotion_wire import PackageInspection
from spark_tui.tui.fit import fit_end, fit_middle
from spark_tui.tui.formatting import human_bytes
from spark_tui.tui.widgets.fitted_table import FittedTable

# What an import did to a version, with a mark that reads without colour.
ITEM_CUES = {"added": ("+ added", "bold green"), "replaced": ("~ replaced", "bold yellow"),
             "updated": ("~ updated", "bold cyan")}


def item_cell(status: str) -> Text:
    cue, style = ITEM_CUES.get(status, (status, ""))
    return Text(cue, style=style)


class InspectionTable(FittedTable):
    """One row per version of the package: URI, files, bytes, version id."""

    COLUMNS = (("version", "Version", fit_middle), ("files", "Files", fit_end), ("size", "Size", fit_end),
               ("id", "Version id", fit_middle))

    def show(self, inspection: PackageInspection) -> None:
        self.put_rows({v.version_id_source: (v.service_uri_source, str(v.files), human_bytes(v.bytes),
                                             v.version_id_source) for v in inspection.service_versions})


class ImportResultTable(FittedTable):
    """One row per imported version: what happened, source → destination, the destination's version id."""

    COLUMNS = (("status", "Result", fit_end), ("source", "Source", fit_middle),
               ("destination", "Destination", fit_middle), ("id", "Destination id", fit_middle))

    def show(self, job: ImportJob) -> None:
        self.put_rows({f"{i}:{v.version_id_source}": (item_cell(v.status), v.service_uri_source or "—",
                                                      v.service_uri_destination or "—", v.version_id_destination or "—")
                       for i, v in enumerate(job.outputs.service_versions)})
