"""The promotion plan as a table: one row per version, coloured by action and marked with a text cue."""

from __future__ import annotations

from rich.text import Text

from spark_tui.spark.promotion_wire import Plan, PlannedService, PlannedVersion, ServiceAction
from spark_tui.tui.fit import fit_end, fit_middle
from spark_tui.tui.formatting import human_bytes
from spark_tui.tui.widgets.fitted_table import FittedTable

# The cue says the action without colour (a monochrome terminal, a screen reader, a copied screen).
ACTION_CUES: dict[ServiceAction, tuple[str, str]] = {
    ServiceAction.new: ("+ new", "bold green"),
    ServiceAction.add_version: ("+ add version", "bold cyan"),
    ServiceAction.replace: ("~ replace", "bold yellow"),
    ServiceAction.refused: ("x refused", "bold red"),
}


def action_cell(action: ServiceAction) -> Text:
    cue, style = ACTION_CUES[action]
    return Text(cue, style=style)


def version_change(version: PlannedVersion) -> str:
    """`1.0.0` when the number is kept, `1.0.0 → 1.1.0` when the import renumbers it."""
    if version.version_destination == version.version_source:
        return version.version_source
    return f"{version.version_source} → {version.version_destination}"


def plan_cells(service: PlannedService, version: PlannedVersion) -> tuple[Text, str, str, str, str]:
    return (action_cell(service.action), service.service_uri_source, version_change(version),
            service.service_uri_destination, human_bytes(version.bytes))


def verdict(plan: Plan) -> Text:
    """One line: whether the promotion can go ahead, and how much it moves where."""
    target = f"tenant '{plan.target.tenant}' (profile {plan.target.profile})"
    if not plan.go:
        return Text.assemble(("✗ REFUSED", "bold red"), f": {len(plan.errors)} problem(s) below; "
                             "nothing will be exported or written. Change the mappings, 'If present' or "
                             "'Create missing folders', then F5.")
    size = human_bytes(sum(v.bytes for v in plan.versions))
    text = Text.assemble(("✓ GO", "bold green"), f": {len(plan.services)} service(s), {len(plan.versions)} "
                         f"version(s), {size} into {target}; services_existing={plan.services_existing.value}. "
                         "F6 promotes.")
    if plan.folders_to_create:
        text.append(f"\nFolders to create first: {', '.join(plan.folders_to_create)}")
    return text


class PlanTable(FittedTable):
    """Read-only: `show(plan)` replaces the rows."""

    COLUMNS = (("action", "Action", fit_end), ("source service", "Source service", fit_middle),
               ("version", "Version", fit_end), ("destination", "Destination", fit_middle), ("size", "Size", fit_end))

    def show(self, plan: Plan) -> None:
        self.put_rows({version.version_id_source: plan_cells(service, version)
                       for service in plan.services for version in service.versions})
