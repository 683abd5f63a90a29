"""The Promote screen's saved plans (`--plan --save-plan FILE`, `--apply FILE`): ctrl+s writes the plan shown
for approval, ctrl+l opens a saved plan to apply it with F6.

Both use promotion.saved_plan, as `--batch` does: the saved plan pins the source version ids, the
mappings and options and the target's affected services; opening it re-reads both sides and refuses,
naming each thing that moved, or prepares exactly that plan (the screen then shows it, its target
profile, mappings and options). File and backend work runs in thread workers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.widgets import Checkbox, Input, Select

from spark_tui.promotion import saved_plan
from spark_tui.spark.errors import Code, SparkTuiError, ValidationFailed
from spark_tui.spark.export_wire import ApiError
from spark_tui.spark.promotion_wire import SavedPlan

if TYPE_CHECKING:
    from spark_tui.backends.base import Backend
    from spark_tui.promotion.prepare import Prepared
    from spark_tui.tui.screens.promote import PromoteScreen


def _directory(screen: PromoteScreen) -> Path:
    return Path(screen.query_one("#promote-dest", Input).value.strip() or ".").expanduser()


def _new_file(text: str) -> str | None:
    """Why `text` cannot be written as a new plan file; None when it can."""
    path = Path(text).expanduser()
    if path.exists():
        return f"{path} already exists; nothing is overwritten: choose another name"
    if not path.parent.is_dir():
        return f"{path.parent} is not an existing directory; create it or choose another"
    return None


def save_plan(screen: PromoteScreen) -> None:
    """Ask for a file name, then write the plan shown (the target's affected services pinned)."""
    from spark_tui.tui.screens.modals import PromptModal

    prepared, target = screen.prepared, screen.target
    if prepared is None or target is None:
        screen.notify("Plan first (F5): the plan shown is the one saved", severity="warning")
        return
    if not prepared.plan.go:
        screen.notify("The plan refuses this promotion: there is nothing to approve", severity="error")
        return
    plan = prepared.plan
    default = _directory(screen) / f"promote-{plan.source.profile}-to-{plan.target.profile}.plan.json"

    def chosen(text: str | None) -> None:
        if text:
            screen.run_worker(lambda: _save(screen, prepared, target, Path(text).expanduser()), thread=True,
                              group="promote-save-plan", exit_on_error=False, description="save the plan")

    screen.app.push_screen(PromptModal("Save the plan", "File to write (apply it with --apply FILE, or ctrl+l here)",
                                       str(default), check=_new_file), chosen)


def _save(screen: PromoteScreen, prepared: Prepared, target: Backend, path: Path) -> None:
    app = screen.app
    try:
        saved_plan.save(prepared, target, path)
    except (SparkTuiError, OSError) as exc:  # shown in a dialog; a bug reaches the worker's error handler
        app.call_from_thread(app.show_error, f"The plan was not saved to {path}", exc)
        return
    app.call_from_thread(app.notify, f"Plan saved to {path}; apply it with --apply {path} or ctrl+l here",
                         title="Plan saved", markup=False, timeout=8)


def open_plan(screen: PromoteScreen) -> None:
    """Ask for a saved plan's file, then check it against both sides and show it, ready for F6."""
    from spark_tui.tui.screens.modals import PromptModal

    if screen.cancel is not None:
        screen.notify("A promotion is running", severity="warning")
        return

    def chosen(text: str | None) -> None:
        if text:
            screen.run_worker(lambda: _open(screen, Path(text).expanduser()), thread=True, group="promote-open-plan",
                              exit_on_error=False, description="open a saved plan")

    screen.app.push_screen(PromptModal("Open a saved plan", "Plan file (written with ctrl+s or --save-plan)",
                                       f"{_directory(screen)}/"), chosen)


def _open(screen: PromoteScreen, path: Path) -> None:
    from spark_tui.backends.factory import open_backend

    app = screen.app
    target = None
    try:
        saved = saved_plan.load(path)
        source = screen.source.info.profile
        if saved.plan.source.profile != source:
            raise ValidationFailed.of([ApiError(code=Code.INVALID_VALUE.value, ref=str(path), message=(
                f"plan {path} promotes from profile '{saved.plan.source.profile}', this screen from '{source}': "
                f"switch to profile '{saved.plan.source.profile}' first"))])
        target = open_backend(app.config.profile(saved.plan.target.profile))
        prepared = saved_plan.for_apply(saved, screen.source, target)
    except (SparkTuiError, OSError) as exc:  # shown in a dialog
        if target is not None:
            target.close()
        app.call_from_thread(app.show_error, f"Cannot apply the plan {path}", exc)
        return
    app.call_from_thread(_show, screen, saved, target, prepared, path)


def _show(screen: PromoteScreen, saved: SavedPlan, target: Backend, prepared: Prepared, path: Path) -> None:
    """The opened plan becomes the screen's: its target, mappings and options shown, the plan ready for F6."""
    from spark_tui.tui.screens.promote import folders_label
    from spark_tui.tui.widgets.mapping_table import MappingRow, MappingTable

    if not screen.is_attached or screen.cancel is not None:
        target.close()
        return
    request = saved.request
    screen._close_target()
    with screen.prevent(Select.Changed, Checkbox.Changed, MappingTable.Changed):
        screen.query_one("#target", Select).value = saved.plan.target.profile
        screen.query_one("#if_present", Select).value = request.if_present
        folders = screen.query_one("#create_folders", Checkbox)
        folders.value = request.create_folders
        folders.label = folders_label(request.create_folders)
        table = screen.query_one(MappingTable)
        table.set_services([tuple(m.service_uri_source.split("/", 1)) for m in request.mappings])
        for m in request.mappings:
            folder, _, service = m.destination.partition("/")
            source_folder, _, source_service = m.service_uri_source.partition("/")
            table.set_row(MappingRow(source_folder, source_service, folder, service, m.update_version_type))
    screen.target, screen.target_name = target, saved.plan.target.profile
    screen.generation += 1
    screen.post_message(screen.PlanReady(screen.generation, prepared))
    screen.notify(f"Plan {path.name} (saved {saved.created}): nothing moved since. F6 applies exactly it.",
                  title="Plan opened", markup=False, timeout=8)
