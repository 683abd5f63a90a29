"""The Promote screen: the selection of the main screen into another profile — mapping, plan, run, receipt.

Flow: pick the target profile (opened in a thread worker), edit the mapping table (pre-filled with the
same names), choose `If present`, F5 shows the plan (nothing written), F6 asks and then runs the
promotion (spark_tui.promotion.run.run) in a thread worker whose step updates come back as
messages: both jobs are followed live, and the receipt is shown at the end.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, ContentSwitcher, Input, Label, Select, Static
from textual.worker import Worker, WorkerState

from spark_tui.tui.screens.base import SparkScreen
from spark_tui.tui.widgets.footer import SparkFooter
from spark_tui.backends.base import Backend
from spark_tui.promotion import run as core
from spark_tui.promotion.mappings import MappingSet
from spark_tui.promotion.prepare import Prepared, prepare
from spark_tui.promotion.steps import Outcome, PromotionFailed, Step, StepUpdate
from spark_tui.spark.errors import SparkTuiError
from spark_tui.spark.export_wire import ExportPreview, ExportRequest
from spark_tui.spark.values import FileFilter, IfPresent
from spark_tui.spark.promotion_wire import Receipt
from spark_tui.tui.formatting import human_bytes, tab_strip
from spark_tui.tui.screens.preview import ErrorsView
from spark_tui.tui.widgets.header import InfoHeader
from spark_tui.tui.widgets.mapping_table import MappingTable
from spark_tui.tui.widgets.plan_table import PlanTable, verdict
from spark_tui.tui.widgets.promotion_run import PromotionJobs, ReceiptTable, receipt_summary, steps_line
from spark_tui.tui.widgets.toggles import MarkedCheckbox

TABS = (("mapping", "F2 Mapping"), ("plan", "F3 Plan"), ("run", "F4 Run / receipt"))


def folders_label(create: bool) -> str:
    """The checkbox says its state in words too."""
    return f"Create missing folders: {'yes' if create else 'no'}"


def target_effect(error: PromotionFailed) -> str:
    """What a failed promotion did to the target, in one sentence."""
    if error.target_may_change:
        return "The import job goes on in the target (Spark cannot cancel an import); its result decides."
    created = f", except the folder(s) created: {', '.join(error.created_folders)}" if error.created_folders else ""
    return f"The target was not changed{created}."


class PromoteScreen(SparkScreen[None]):
    """Promote `request` (the main screen's selection) from `source` (the app's backend) into another profile."""

    AUTO_FOCUS = "#target"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (70, "-wide")]
    DEFAULT_CSS = """
    PromoteScreen #promote-summary { height: auto; padding: 0 1; }  /* whole: it may be why nothing resolves */
    PromoteScreen #promote-fields {
        layout: grid; grid-size: 4; grid-columns: 11 1fr 11 21; grid-rows: 1; height: auto; padding: 0 1;
    }
    PromoteScreen .promote-label { color: $text-muted; }
    PromoteScreen #create_folders { column-span: 2; margin-left: 1; }
    PromoteScreen.-narrow #promote-fields { grid-size: 2; grid-columns: 11 1fr; }
    PromoteScreen.-narrow #create_folders { margin-left: 0; }
    PromoteScreen #promote-tabs { height: 1; margin-top: 1; background: $panel; }
    PromoteScreen #promote-body, PromoteScreen #promote-body > Vertical { height: 1fr; }
    PromoteScreen #mapping-table, PromoteScreen #plan-table, PromoteScreen #receipt-table { height: 1fr; }
    PromoteScreen #mapping-hint, PromoteScreen #run-steps, PromoteScreen #run-message { height: 1; padding: 0 1; }
    PromoteScreen #plan-verdict, PromoteScreen #receipt-summary { height: auto; padding: 0 1; }
    PromoteScreen #plan-errors { height: auto; max-height: 8; }
    PromoteScreen #run-jobs { height: auto; max-height: 4; }
    """
    BINDINGS = [
        Binding("f5", "plan", "Plan", id="promote.plan", tooltip="What the import will do in the target; writes nothing"),
        Binding("f6", "run", "Promote", id="promote.run", tooltip="Export, verify, import and write the receipt (asks first)"),
        Binding("escape", "back", "Back", id="promote.back", tooltip="Back to the main screen (a running promotion: stop it)"),
        Binding("ctrl+s", "save_plan", "Save plan", show=False, id="promote.save_plan",
                tooltip="Write the plan shown to a file for approval (--apply FILE applies it)"),
        Binding("ctrl+l", "open_plan", "Open plan", show=False, id="promote.open_plan",
                tooltip="Open a saved plan: checked against both sides, then F6 applies exactly it"),
        Binding("f2,1", "show_tab('mapping')", "Mapping", show=False, id="promote.tab_mapping"),
        Binding("f3,2", "show_tab('plan')", "Plan table", show=False, id="promote.tab_plan"),
        Binding("f4,3", "show_tab('run')", "Run / receipt", show=False, id="promote.tab_run"),
    ]

    @dataclass
    class SelectionResolved(Message):
        preview: ExportPreview | None
        error: Exception | None = None

    @dataclass
    class TargetOpened(Message):
        name: str
        backend: Backend | None
        error: Exception | None = None

    @dataclass
    class PlanReady(Message):
        generation: int
        prepared: Prepared | None
        error: Exception | None = None

    @dataclass
    class PromotionProgressed(Message):
        update: StepUpdate

    @dataclass
    class PromotionEnded(Message):
        outcome: Outcome | None
        error: Exception | None = None
        receipt: Receipt | None = None  # a failed promotion's receipt, when it got as far as a package

    def __init__(self, source: Backend, request: ExportRequest, dest_dir: Path, *, target: str | None = None,
                 mappings: MappingSet | None = None) -> None:
        """`target` and `mappings` pre-fill the screen (the Environments screen promotes a difference)."""
        super().__init__()
        self.preset_target, self.preset_mappings = target, mappings
        self.source = source  # kept: switching the app's profile meanwhile does not change the source
        self.request = request.model_copy(update={"file_filter": FileFilter.migrate})
        self.dest_dir = dest_dir
        self.target: Backend | None = None
        self.target_name: str | None = None
        self.prepared: Prepared | None = None
        self.generation = 0  # bumped by every change of the inputs: older plans are stale
        self.cancel: threading.Event | None = None  # set while a promotion runs
        self.step: Step | None = None  # the running promotion's step
        self.export_job_id: str | None = None  # the running promotion's export job, once submitted
        self.outcome: Outcome | None = None

    def selected(self, request: ExportRequest) -> bool:
        """Whether `request` selects what this screen promotes."""
        return self.request == request.model_copy(update={"file_filter": FileFilter.migrate})

    # --- layout ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield InfoHeader()
        yield Static(Text("Resolving the selection…", style="dim"), id="promote-summary")
        with Grid(id="promote-fields"):  # two rows; four when narrow, so that the target's name has room
            yield Label("Target", classes="promote-label")
            yield Select(self._profile_options(), prompt="pick a profile", id="target", compact=True)
            yield Label("If present", classes="promote-label")
            yield Select([(p.value, p) for p in IfPresent], value=IfPresent.abort, allow_blank=False,
                         id="if_present", compact=True)
            yield Label("Save to", classes="promote-label")
            yield Input(str(self.dest_dir), id="promote-dest", compact=True)
            yield MarkedCheckbox(folders_label(False), id="create_folders", compact=True)
        yield Static("", id="promote-tabs", classes="one-line")
        with ContentSwitcher(initial="mapping", id="promote-body"):
            with Vertical(id="mapping"):
                yield Static(Text("enter edits a mapping · u cycles the upgrade type · F5 plans", style="dim"),
                             id="mapping-hint", classes="one-line")  # above the table: toasts cover the bottom
                yield MappingTable(id="mapping-table")
            with Vertical(id="plan"):
                yield Static(Text("No plan yet: pick the target profile, then F5.", style="dim"), id="plan-verdict")
                yield PlanTable(id="plan-table")
                with VerticalScroll(id="plan-errors"):
                    yield Static("", id="plan-errors-text")
            with Vertical(id="run"):
                yield Static(steps_line(None), id="run-steps", classes="one-line")
                yield PromotionJobs(id="run-jobs")
                yield Static("", id="run-message", classes="one-line")
                yield Static("", id="receipt-summary")
                yield ReceiptTable(id="receipt-table")
        yield SparkFooter()

    def _profile_options(self) -> list[tuple[str, str]]:
        config = self.app.config
        current = self.source.info.profile
        if config is None:
            return []
        return [(f"{name} · {p.backend} · tenant {p.tenant}", name)
                for name, p in sorted(config.profiles.items()) if name != current]

    def on_mount(self) -> None:
        self._show_tab("mapping")
        if self.preset_target is not None:
            self.query_one("#target", Select).value = self.preset_target
        if not self._profile_options():
            where = f" in {self.app.config.path}" if self.app.config else ""
            self.notify(f"No other profile to promote to: define one{where}", severity="warning", timeout=8)
        self._resolve()

    def on_unmount(self) -> None:
        self._close_target()

    # --- tabs --------------------------------------------------------------------------------------

    def _show_tab(self, tab: str) -> None:
        self.query_one(ContentSwitcher).current = tab
        self.query_one("#promote-tabs", Static).update(tab_strip(TABS, tab))

    def action_show_tab(self, tab: str) -> None:
        self._show_tab(tab)
        self.query_one({"mapping": "#mapping-table", "plan": "#plan-table", "run": "#run-jobs"}[tab]).focus()

    # --- the selection -----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="promote-resolve", exit_on_error=False, description="resolve the selection")
    def _resolve(self) -> None:
        try:
            self.post_message(self.SelectionResolved(self.source.preview(self.request)))
        except SparkTuiError as exc:  # shown on the screen
            self.post_message(self.SelectionResolved(None, exc))

    def on_promote_screen_selection_resolved(self, message: PromoteScreen.SelectionResolved) -> None:
        summary = self.query_one("#promote-summary", Static)
        preview = message.preview
        if preview is None or preview.errors:
            problem = str(message.error) if preview is None else f"{len(preview.errors)} error(s): {preview.errors[0].message}"
            summary.update(Text(f"✗ The selection does not resolve: {problem}", style="bold red"))
            return
        info = self.source.info
        summary.update(Text.assemble(
            ("Promote ", "bold"), f"{len(preview.services)} service(s), {len(preview.service_versions)} version(s), "
            f"{human_bytes(preview.projected_bytes)} from ", (f"{info.profile} · {info.tenant}", "bold"),
            " (a migrate export)"))
        self.query_one(MappingTable).set_services([(s.folder_source, s.service_source) for s in preview.services])
        if self.preset_mappings is not None:
            from spark_tui.tui.widgets.import_mapping import apply_mappings

            try:
                apply_mappings(self.query_one(MappingTable), self.preset_mappings)
            except SparkTuiError as exc:
                self.app.show_error("The mappings do not fit the selection", exc)

    # --- the target --------------------------------------------------------------------------------

    @on(Select.Changed, "#target")
    def _target_changed(self, event: Select.Changed) -> None:
        self._invalidate()
        self._close_target()
        if event.value is Select.NULL:
            return
        self.target_name = str(event.value)
        self._open_target(self.target_name)

    @work(thread=True, exclusive=True, group="promote-target", exit_on_error=False, description="open the target profile")
    def _open_target(self, name: str) -> None:
        from spark_tui.backends.factory import open_backend

        try:
            backend = open_backend(self.app.config.profile(name))
        except (SparkTuiError, OSError) as exc:  # shown on the screen
            self.post_message(self.TargetOpened(name, None, exc))
            return
        self.post_message(self.TargetOpened(name, backend))

    def on_promote_screen_target_opened(self, message: PromoteScreen.TargetOpened) -> None:
        if message.name != self.target_name or not self.is_attached:  # another profile was picked meanwhile
            if message.backend is not None:
                self._close_in_background(message.backend)
            return
        if message.backend is None:
            self.app.show_error(f"Cannot open profile '{message.name}'", message.error)
            return
        self.target = message.backend
        info = message.backend.info
        # short: a narrow screen's toast is tall (the confirmation before the run names the target's location)
        self.notify(f"Target {info.profile} · tenant {info.tenant} open: F5 plans", markup=False, timeout=4)

    def _close_target(self) -> None:
        if self.target is not None:
            self._close_in_background(self.target)
        self.target, self.target_name = None, None

    def _close_in_background(self, backend: Backend) -> None:
        self.app.run_worker(backend.close, thread=True, group="promote-close", exit_on_error=False,
                            description="close the target backend")

    # --- inputs that make a plan stale -------------------------------------------------------------

    @on(Checkbox.Changed, "#create_folders")
    def _create_folders_changed(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = folders_label(event.value)
        self._invalidate()

    @on(Select.Changed, "#if_present")
    @on(MappingTable.Changed)
    def _invalidate(self) -> None:
        self.generation += 1
        if self.prepared is not None:
            self.prepared = None
            self.query_one("#plan-verdict", Static).update(
                Text("The inputs changed since this plan: F5 plans again.", style="bold yellow"))

    # --- plan --------------------------------------------------------------------------------------

    def action_plan(self) -> None:
        if self.cancel is not None:
            self.notify("A promotion is running", severity="warning")
            return
        if self.target is None:
            self.notify("Pick the target profile first" if self.target_name is None
                        else f"Profile '{self.target_name}' is still opening; try again", severity="warning")
            self.query_one("#target").focus()
            return
        try:
            maps = self.query_one(MappingTable).mappings()
        except SparkTuiError as exc:
            self.app.show_error("Bad mapping", exc)
            return
        self.query_one("#plan-verdict", Static).update(Text("Planning…", style="dim"))
        self._show_tab("plan")
        self._plan(self.target, maps, self.query_one("#if_present", Select).value,
                   self.query_one("#create_folders", Checkbox).value, self.generation)

    @work(thread=True, exclusive=True, group="promote-plan", exit_on_error=False, description="plan the promotion")
    def _plan(self, target: Backend, maps: list, if_present: IfPresent, create_folders: bool, generation: int) -> None:
        try:
            prepared = prepare(self.source, target, self.request, maps, if_present=if_present,
                                    create_folders=create_folders)
        except SparkTuiError as exc:  # shown on the screen
            self.post_message(self.PlanReady(generation, None, exc))
            return
        self.post_message(self.PlanReady(generation, prepared))

    def on_promote_screen_plan_ready(self, message: PromoteScreen.PlanReady) -> None:
        if message.generation != self.generation:
            return  # planned for inputs that changed since
        errors = self.query_one("#plan-errors-text", Static)
        if message.prepared is None:
            error = message.error
            self.query_one("#plan-verdict", Static).update(Text(f"✗ Cannot plan: {error}", style="bold red"))
            errors.update(ErrorsView(error.errors) if isinstance(error, SparkTuiError) and error.errors else "")
            self.query_one(PlanTable).put_rows({})
            return
        self.prepared = message.prepared
        plan = message.prepared.plan
        self.query_one("#plan-verdict", Static).update(verdict(plan))
        self.query_one(PlanTable).show(plan)
        errors.update(ErrorsView(plan.errors) if plan.errors else "")

    def action_save_plan(self) -> None:
        from spark_tui.tui.screens.saved_plans import save_plan

        save_plan(self)

    def action_open_plan(self) -> None:
        from spark_tui.tui.screens.saved_plans import open_plan

        open_plan(self)

    # --- run ---------------------------------------------------------------------------------------

    def action_run(self) -> None:
        if self.cancel is not None:
            self.notify("A promotion is running", severity="warning")
            return
        prepared = self.prepared
        if prepared is None or self.target is None:
            self.notify("Plan first (F5): the plan is shown before anything runs", severity="warning")
            return
        if not prepared.plan.go:
            self.notify("The plan refuses this promotion; fix the problems it lists and plan again", severity="error")
            self._show_tab("plan")
            return
        out_dir = Path(self.query_one("#promote-dest", Input).value.strip()).expanduser()
        if not out_dir.is_dir():
            self.notify(f"'{out_dir}' is not an existing directory; create it or pick another (Save to)", severity="error")
            self.query_one("#promote-dest").focus()
            return
        target, plan = self.target, prepared.plan
        question = (f"Export {len(plan.versions)} version(s) from {plan.source.profile} · {plan.source.tenant} and import "
                    f"them into tenant '{plan.target.tenant}' (profile {plan.target.profile}, {plan.target.kind} "
                    f"{plan.target.location}) with services_existing={plan.services_existing.value}?\n"
                    f"The package and its receipt are saved to {out_dir}.")

        def answer(yes: bool | None) -> None:
            if yes and self.prepared is prepared and self.target is target:
                self._start(target, prepared, out_dir)

        from spark_tui.tui.screens.modals import ConfirmModal

        self.app.push_screen(ConfirmModal("Promote", question, yes="Promote", no="Not now"), answer)

    def _start(self, target: Backend, prepared: Prepared, out_dir: Path) -> None:
        self.cancel = threading.Event()
        self.step = Step.export
        self._lock_inputs(True)
        self.query_one(PromotionJobs).start(prepared.plan.source, prepared.plan.target)
        self.query_one("#run-steps", Static).update(steps_line(Step.export))
        self.query_one("#receipt-summary", Static).update("")
        self.query_one(ReceiptTable).put_rows({})
        self.action_show_tab("run")
        self._promote(target, prepared, out_dir, self.cancel)

    def _lock_inputs(self, locked: bool) -> None:
        for selector in ("#target", "#if_present", "#promote-dest", "#create_folders", "#mapping-table"):
            self.query_one(selector).disabled = locked

    @work(thread=True, exclusive=True, group="promote-run", exit_on_error=False, description="promote")
    def _promote(self, target: Backend, prepared: Prepared, out_dir: Path, cancel: threading.Event) -> None:
        try:
            outcome = core.run(self.source, target, prepared, out_dir, cancel=cancel,
                               on_update=lambda update: self.post_message(self.PromotionProgressed(update)))
        except PromotionFailed as exc:
            receipt = None
            if exc.receipt_path is not None:
                try:
                    receipt = Receipt.model_validate_json(exc.receipt_path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    receipt = None
            self.post_message(self.PromotionEnded(None, exc, receipt))
        except (SparkTuiError, OSError) as exc:  # shown on the screen
            self.post_message(self.PromotionEnded(None, exc))
        else:
            self.post_message(self.PromotionEnded(outcome))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A bug in the promotion's worker (the base class shows it) ends the run as a failure would: the screen
        is not left busy with its inputs locked."""
        if event.worker.group == "promote-run" and event.state is WorkerState.ERROR:
            self.post_message(self.PromotionEnded(None, event.worker.error))

    def on_promote_screen_promotion_progressed(self, message: PromoteScreen.PromotionProgressed) -> None:
        update = message.update
        if update.step is not self.step:
            self.app.main.events.add("promotion", f"promotion to '{self._target_label()}': {update.step.value} — "
                                                  f"{update.message}")
        self.step = update.step
        if update.export_job is not None:
            self.export_job_id = update.export_job.id
        if update.import_job is not None:
            self.app.main.follow_promoted(update.import_job, self.target.info)
        self.query_one(PromotionJobs).update_from(update)
        self.query_one("#run-steps", Static).update(steps_line(update.step))
        self.query_one("#run-message", Static).update(Text(update.message, style="dim"))

    def on_promote_screen_promotion_ended(self, message: PromoteScreen.PromotionEnded) -> None:
        self.cancel, self.step, self.export_job_id = None, None, None
        self.prepared = None  # the target changed (or may have): plan again before another run
        self.generation += 1
        self._lock_inputs(False)
        summary = self.query_one("#receipt-summary", Static)
        self._log_end(message)
        if message.outcome is not None:
            self.outcome = message.outcome
            self.query_one("#run-steps", Static).update(steps_line(None, finished=True))
            self.query_one("#run-message", Static).update("")
            summary.update(receipt_summary(message.outcome.receipt, message.outcome.receipt_path))
            self.query_one(ReceiptTable).show(message.outcome.receipt)
            self.notify(f"Promoted into tenant '{message.outcome.receipt.target.tenant}'", title="Promotion done",
                        markup=False, timeout=6)
            return
        error = message.error
        if isinstance(error, PromotionFailed):
            self.query_one("#run-steps", Static).update(steps_line(error.step, failed=True))
            text = (receipt_summary(message.receipt, error.receipt_path) if message.receipt is not None
                    else Text(f"✗ {error.message}\nNo receipt: no package was made.", style="bold red"))
            text.append("\n" + target_effect(error), style="bold")
            summary.update(text)
            if message.receipt is not None:
                self.query_one(ReceiptTable).show(message.receipt)
            self.notify(error.message, title="Promotion cancelled" if error.cancelled else "Promotion failed",
                        severity="warning" if error.cancelled else "error", markup=False, timeout=10)
        else:
            summary.update(Text(f"✗ The promotion stopped: {error}", style="bold red"))
            if isinstance(error, (SparkTuiError, OSError)):  # a bug's dialog is already open (the base class)
                self.app.show_error("Promotion failed", error)

    def _target_label(self) -> str:
        return self.target.info.profile if self.target is not None else (self.target_name or "?")

    def _log_end(self, message: PromoteScreen.PromotionEnded) -> None:
        """The promotion's end in the event log: outcome or failure with its reason, folders created, the
        package and the receipt."""
        events, target = self.app.main.events, self._target_label()
        error = message.error
        receipt = message.outcome.receipt if message.outcome is not None else message.receipt
        if message.outcome is not None:
            events.add("promoted", f"promotion to '{target}' done: {len(receipt.service_versions)} version(s) "
                                   f"into tenant '{receipt.target.tenant}'")
        elif isinstance(error, core.PromotionFailed):
            kind = "cancelled" if error.cancelled else "failed"
            events.add(kind, f"promotion to '{target}' {kind} at step {error.step.value}: {error.message}")
        else:
            events.add("failed", f"promotion to '{target}' stopped: {error}")
        if receipt is not None and receipt.folders_created:
            events.add("folders", f"folders created in '{target}': {', '.join(receipt.folders_created)}")
        if receipt is not None and receipt.package is not None:
            events.add("saved", f"package {receipt.package.path}")
        receipt_path = (message.outcome.receipt_path if message.outcome is not None
                        else getattr(error, "receipt_path", None))
        if receipt_path is not None:
            events.add("saved", f"receipt {receipt_path}")

    # --- leaving -----------------------------------------------------------------------------------

    def quit_line(self) -> str:
        """What quitting does to the running promotion (the app asks before quitting)."""
        target = self.target.info.profile if self.target is not None else self.target_name
        if self.step in (Step.import_, Step.receipt):
            return (f"A promotion into profile '{target}' is importing: the import job goes on in the target (Spark "
                    "cannot cancel an import) but nothing follows it; the receipt says it was left running.")
        step = self.step.value if self.step is not None else "export"
        return (f"A promotion into profile '{target}' is at step '{step}': it stops, a running export job is "
                "cancelled, and nothing is imported.")

    def stop(self) -> None:
        """Stop the running promotion: the core cancels a running export job (an import goes on)."""
        if self.cancel is not None:
            self.cancel.set()

    def action_back(self) -> None:
        if self.cancel is None:
            self.dismiss(None)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.stop()
                self.notify("Stopping the promotion… (a running export job is cancelled)", timeout=4)

        from spark_tui.tui.screens.modals import ConfirmModal

        self.app.push_screen(ConfirmModal(
            "Stop the promotion?", "A running export job is cancelled. An import that has started goes on in "
            "the target (Spark cannot cancel an import); its outcome is in the receipt.",
            yes="Stop", no="Keep going"), answer)
