"""The Import screen: a package into the current profile's tenant — everything `--batch --import-package` does.

Flow: type the package's path (→ takes the completion), enter reads it: its contents and integrity as
`--inspect` shows them (F2). The mapping table (F3) lists its services under their own names: enter
edits a destination and upgrade, space skips a service, a mapping file fills the table (`--mapping-file`).
`If present`, source system and correlation id are the flags of the same names. F5 shows the plan of
exactly the request F6 would send (`--import-package --plan`; nothing is sent), F6 asks, uploads the
package and follows the import job live to its result (F4). Every backend call runs in a thread worker.
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
from textual.widgets import ContentSwitcher, Input, Label, Select, Static
from textual.worker import Worker, WorkerState

from spark_tui.tui.screens.base import SparkScreen
from spark_tui.tui.widgets.footer import SparkFooter

from spark_tui.backends.base import Backend
from spark_tui.backends.polling import DEFAULT_DEADLINE_S, wait_for_import
from spark_tui.promotion.mappings import MappingSet, read_mapping_file, service_mappings
from spark_tui.promotion.package_inspect import inspect_package
from spark_tui.spark.errors import Code, SparkTuiError, ValidationFailed
from spark_tui.spark.export_wire import ApiError
from spark_tui.spark.values import IfPresent, JobStatus
from spark_tui.spark.import_wire import ImportInputs, ImportJob, ImportRequestEntity
from spark_tui.spark.promotion_wire import PackageInspection, Plan
from spark_tui.tui.formatting import duration, human_bytes, status_text, tab_strip
from spark_tui.tui.screens.preview import ErrorsView
from spark_tui.tui.widgets.fitted import FittedInput
from spark_tui.tui.widgets.header import InfoHeader
from spark_tui.tui.widgets.import_mapping import ImportMappingTable
from spark_tui.tui.widgets.package_tables import ImportResultTable, InspectionTable
from spark_tui.tui.widgets.path_input import PathInput
from spark_tui.tui.widgets.plan_table import PlanTable

TABS = (("package", "F2 Package"), ("mapping", "F3 Mapping"), ("plan", "F4 Plan · job"))
FOCUS = {"package": "#inspection-table", "mapping": "#import-mapping", "plan": "#import-plan-table"}
DEFAULT_SOURCE_SYSTEM = "spark-tui"


def package_summary(inspection: PackageInspection) -> Text:
    """Name, size, kind and versions; SHA-256; source tenant and export job; the integrity verdict (`--inspect`)."""
    text = Text.assemble(
        (Path(inspection.path).name, "bold"), f" · {human_bytes(inspection.bytes)} · kind {inspection.kind or '?'} · "
        f"{len(inspection.service_versions)} version(s)\n",
        f"sha256 {inspection.sha256}\n",
        f"source tenant {inspection.tenant or '?'} · export job {inspection.export_job_id or '?'}\n",
    )
    if inspection.kind == "onpremises":
        text.append("✗ an onpremises export: Spark imports only migrate packages\n", style="bold red")
    checked = f"{inspection.checked_entries} entries and {inspection.checked_modules} module(s) checked"
    if inspection.ok:
        text.append(f"✓ integrity ok: {checked}", style="bold green")
    else:
        text.append(f"✗ integrity: {len(inspection.errors)} problem(s) ({checked}); the import will refuse it",
                    style="bold red")
    return text


def import_verdict(plan: Plan) -> Text:
    """One line: whether the import can go ahead, and what it moves where."""
    target = f"tenant '{plan.target.tenant}' (profile {plan.target.profile})"
    if not plan.go:
        return Text.assemble(("✗ REFUSED", "bold red"), f": {len(plan.errors)} problem(s) below; nothing will be "
                             "sent. Change the mappings or 'If present', then F5.")
    size = human_bytes(sum(v.bytes for v in plan.versions))
    return Text.assemble(("✓ GO", "bold green"), f": {len(plan.services)} service(s), {len(plan.versions)} "
                         f"version(s), {size} into {target}; services_existing={plan.services_existing.value}. "
                         "F6 imports.")


def job_line(job: ImportJob | None, upload: tuple[int, int] | None) -> Text:
    """`import job 1a2b… · ◐ in_progress · 3.4s`, or the upload's progress before the job exists."""
    if job is None:
        done, total = upload or (0, 0)
        pct = f" {min(100, done * 100 // total)}% of {human_bytes(total)}" if total else ""
        return Text(f"Uploading the package…{pct}", style="bold cyan")
    text = Text.assemble("import job ", (f"{job.id[:8]}…", "bold"), " · ", status_text(job.status.value),
                         f" · {duration(job.process_time)}")
    outputs = job.outputs
    if outputs.service_versions:
        text.append(f" · {len(outputs.services)} service(s), {len(outputs.service_versions)} version(s)")
    return text


class ImportScreen(SparkScreen[None]):
    """Import a package into `backend` (the app's backend when the screen opened)."""

    AUTO_FOCUS = "#package"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (70, "-wide")]
    DEFAULT_CSS = """
    ImportScreen #import-fields {
        layout: grid; grid-size: 4; grid-columns: 14 1fr 13 1fr; grid-rows: 1; height: auto; padding: 0 1;
    }
    ImportScreen .import-label { color: $text-muted; }
    ImportScreen .import-label2 { color: $text-muted; margin-left: 1; }
    ImportScreen #import-fields > #package { column-span: 3; }
    ImportScreen.-narrow #import-fields { grid-size: 2; grid-columns: 14 1fr; }
    ImportScreen.-narrow #import-fields > #package { column-span: 1; }
    ImportScreen.-narrow .import-label2 { margin-left: 0; }
    ImportScreen #import-tabs { height: 1; margin-top: 1; background: $panel; }
    ImportScreen #import-body, ImportScreen #import-body > Vertical { height: 1fr; }
    ImportScreen #package-summary, ImportScreen #import-verdict, ImportScreen #job-line { height: auto; padding: 0 1; }
    ImportScreen #package-summary-box { height: auto; max-height: 50%; }
    ImportScreen #inspection-table, ImportScreen #import-mapping, ImportScreen #import-plan-table { height: 1fr; }
    ImportScreen #import-result { height: 1fr; display: none; }
    ImportScreen #import-result.-shown { display: block; }
    ImportScreen #job-line { display: none; }
    ImportScreen #job-line.-shown { display: block; }
    ImportScreen #mapping-hint { height: 1; padding: 0 1; }
    ImportScreen #package-errors, ImportScreen #import-errors { height: auto; max-height: 6; display: none; }
    ImportScreen #package-errors.-shown, ImportScreen #import-errors.-shown { display: block; }
    """
    BINDINGS = [
        Binding("f5", "plan", "Plan", id="import.plan", tooltip="What the import would do; sends nothing"),
        Binding("f6", "run", "Import", id="import.run", tooltip="Upload the package and follow the import job (asks first)"),
        Binding("escape", "back", "Back", id="import.back", tooltip="Back; this screen keeps its state and its job"),
        Binding("f2", "show_tab('package')", "Package", show=False, id="import.tab_package"),
        Binding("f3", "show_tab('mapping')", "Mapping", show=False, id="import.tab_mapping"),
        Binding("f4", "show_tab('plan')", "Plan · job", show=False, id="import.tab_plan"),
    ]

    @dataclass
    class PackageRead(Message):
        path: Path
        inspection: PackageInspection | None
        services: list[tuple[str, str]]
        error: Exception | None = None

    @dataclass
    class MappingFileRead(Message):
        path: Path
        found: MappingSet | None
        error: Exception | None = None

    @dataclass
    class ImportPlanned(Message):
        generation: int
        plan: Plan | None
        request: ImportRequestEntity | None
        error: Exception | None = None

    @dataclass
    class UploadProgressed(Message):
        done: int
        total: int

    @dataclass
    class ImportFollowed(Message):
        job: ImportJob

    @dataclass
    class ImportEnded(Message):
        job: ImportJob | None
        error: Exception | None = None

    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self.backend = backend
        self.package: Path | None = None  # the package read (inspection and services are of it)
        self.inspection: PackageInspection | None = None
        self.plan: Plan | None = None
        self.request: ImportRequestEntity | None = None  # the request the plan is of
        self.generation = 0  # bumped by every change of the inputs: an older plan is stale
        self.plan_after_read = False
        self.stop: threading.Event | None = None  # set while an import is uploaded or followed
        self.job: ImportJob | None = None
        self.upload: tuple[int, int] | None = None

    @property
    def busy(self) -> bool:
        return self.stop is not None

    # --- layout ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield InfoHeader()
        with Grid(id="import-fields"):  # three rows; five when narrow, so that each field has room
            yield Label("Package", classes="import-label")
            yield PathInput(suffixes=(".zip",), placeholder="path of an export ZIP (→ completes, enter reads it)",
                            id="package", compact=True)
            yield Label("Mapping file", classes="import-label")
            yield PathInput(suffixes=(".toml",), placeholder="optional .toml, enter applies",
                            id="mapping-file", compact=True)
            yield Label("If present", classes="import-label2")
            yield Select([(p.value, p) for p in IfPresent], value=IfPresent.abort, allow_blank=False,
                         id="import-if-present", compact=True)
            yield Label("Source system", classes="import-label")
            yield Input(DEFAULT_SOURCE_SYSTEM, id="source-system", compact=True, select_on_focus=False)
            yield Label("Correlation", classes="import-label2")
            yield FittedInput("", placeholder="optional id", id="correlation-id", compact=True, select_on_focus=False)
        yield Static("", id="import-tabs", classes="one-line")
        with ContentSwitcher(initial="package", id="import-body"):
            with Vertical(id="package"):
                with VerticalScroll(id="package-summary-box"):  # at most half: the contents table stays in view
                    yield Static(Text("Type the path of a package (→ takes the completion), then enter reads it.",
                                      style="dim"), id="package-summary")
                yield InspectionTable(id="inspection-table")
                with VerticalScroll(id="package-errors"):
                    yield Static("", id="package-errors-text")
            with Vertical(id="mapping"):
                yield Static(Text("enter edits · space imports/skips · a all · u upgrade · F5 plans", style="dim"),
                             id="mapping-hint", classes="one-line")  # above the table: toasts cover the bottom
                yield ImportMappingTable(id="import-mapping")
            with Vertical(id="plan"):
                yield Static(Text("No plan yet: read a package, then F5.", style="dim"), id="import-verdict")
                yield Static("", id="job-line")
                yield PlanTable(id="import-plan-table")
                yield ImportResultTable(id="import-result")
                with VerticalScroll(id="import-errors"):
                    yield Static("", id="import-errors-text")
        yield SparkFooter()

    def on_mount(self) -> None:
        self._show_tab("package")

    def on_unmount(self) -> None:
        if self.stop is not None:
            self.stop.set()  # stop following (the job goes on in the tenant)

    # --- tabs --------------------------------------------------------------------------------------

    def _show_tab(self, tab: str) -> None:
        self.query_one(ContentSwitcher).current = tab
        self.query_one("#import-tabs", Static).update(tab_strip(TABS, tab))

    def action_show_tab(self, tab: str) -> None:
        self._show_tab(tab)
        self.query_one(FOCUS[tab]).focus()

    def _show_errors(self, where: str, errors: list[ApiError] | None) -> None:
        """Every error with its code and reference under the package (`package`) or the plan (`import`)."""
        self.query_one(f"#{where}-errors-text", Static).update(ErrorsView(errors) if errors else "")
        self.query_one(f"#{where}-errors").set_class(bool(errors), "-shown")

    # --- the package -------------------------------------------------------------------------------

    @on(Input.Changed, "#package")
    def _package_changed(self) -> None:
        if self.package is not None:
            self.package, self.inspection = None, None
            self.query_one("#package-summary", Static).update(
                Text("The path changed: enter reads the package.", style="dim"))
            self.query_one(InspectionTable).clear()
            self._show_errors("package", None)
            self.query_one(ImportMappingTable).set_services([])
        self._invalidate()

    @on(Input.Submitted, "#package")
    def _read_package(self) -> None:
        path = self.query_one("#package", PathInput).path()
        if path is None:
            self.notify("Type the path of a package first", severity="warning")
            return
        self.query_one("#package-summary", Static).update(Text(f"Reading {path} (every entry is checked)…", style="dim"))
        self._show_tab("package")
        self._read(path)

    @work(thread=True, exclusive=True, group="import-read", exit_on_error=False, description="read the package")
    def _read(self, path: Path) -> None:
        from spark_tui.backends.package_info import package_services
        from spark_tui.spark.errors import BadPackage

        if not path.is_file():
            problem = "is not a file" if path.exists() else "does not exist"
            self.post_message(self.PackageRead(path, None, [], ValueError(
                f"{path} {problem}; give the path of an export ZIP")))
            return
        try:
            inspection = inspect_package(path)
            try:
                services = [tuple(uri.split("/", 1)) for uri in package_services(path)]
            except BadPackage:
                services = []  # the inspection lists why
        except (SparkTuiError, OSError) as exc:  # shown on the screen
            self.post_message(self.PackageRead(path, None, [], exc))
            return
        self.post_message(self.PackageRead(path, inspection, services))

    def on_import_screen_package_read(self, message: ImportScreen.PackageRead) -> None:
        if message.path != self.query_one("#package", PathInput).path():
            self.plan_after_read = False
            return  # the path changed meanwhile
        summary = self.query_one("#package-summary", Static)
        if message.inspection is None:
            summary.update(Text(f"✗ Cannot read the package: {message.error}", style="bold red"))
            self.plan_after_read = False
            return
        self.package, self.inspection = message.path, message.inspection
        summary.update(package_summary(message.inspection))
        self.query_one(InspectionTable).show(message.inspection)
        self._show_errors("package", message.inspection.errors)
        self.query_one(ImportMappingTable).set_services(message.services)
        self._invalidate()
        if self.plan_after_read:
            self.plan_after_read = False
            self.action_plan()

    # --- mapping file --------------------------------------------------------------------------------

    @on(Input.Submitted, "#mapping-file")
    def _apply_mapping_file(self) -> None:
        path = self.query_one("#mapping-file", PathInput).path()
        if path is None:
            return
        if self.package is None:
            self.notify("Read a package first (enter in Package): the mapping file applies to its services",
                        severity="warning")
            return
        self._read_mapping_file(path)

    @work(thread=True, exclusive=True, group="import-mapping-file", exit_on_error=False,
          description="read the mapping file")
    def _read_mapping_file(self, path: Path) -> None:
        try:
            self.post_message(self.MappingFileRead(path, read_mapping_file(path)))
        except SparkTuiError as exc:  # shown on the screen (the file's own errors are ValidationFailed)
            self.post_message(self.MappingFileRead(path, None, exc))

    def on_import_screen_mapping_file_read(self, message: ImportScreen.MappingFileRead) -> None:
        if message.found is None:
            self.app.show_error(f"Mapping file {message.path}", message.error)
            return
        try:
            self.query_one(ImportMappingTable).apply(message.found)
        except ValidationFailed as exc:
            self.app.show_error(f"Mapping file {message.path} does not fit the package", exc)
            return
        if message.found.if_present is not None:
            self.query_one("#import-if-present", Select).value = message.found.if_present
        self.notify(f"Mappings of {message.path.name} applied", timeout=3)
        self.action_show_tab("mapping")

    # --- inputs that make a plan stale -------------------------------------------------------------

    @on(Select.Changed, "#import-if-present")
    @on(Input.Changed, "#source-system")
    @on(Input.Changed, "#correlation-id")
    @on(ImportMappingTable.Changed)
    def _invalidate(self) -> None:
        self.generation += 1
        if self.plan is not None:
            self.plan, self.request = None, None
            self.query_one("#import-verdict", Static).update(
                Text("The inputs changed since this plan: F5 plans again.", style="bold yellow"))

    def _build_request(self) -> ImportRequestEntity:
        """The request F6 sends: the imported rows' mappings, If present, source system, correlation id."""
        table = self.query_one(ImportMappingTable)
        rows = table.included()
        if not rows:
            raise ValidationFailed.of([ApiError(code=Code.INVALID_VALUE.value, ref=str(self.package), message=(
                "every service is skipped: nothing to import (space on a row imports it, a imports all)"))])
        mappings = service_mappings(table.mappings(), [(r.folder_source, r.service_source) for r in rows])
        correlation = self.query_one("#correlation-id", Input).value.strip()
        return ImportRequestEntity(
            inputs=ImportInputs(services_modify=mappings),
            services_existing=self.query_one("#import-if-present", Select).value,
            source_system=self.query_one("#source-system", Input).value.strip() or DEFAULT_SOURCE_SYSTEM,
            correlation_id=correlation or None,
        )

    # --- plan --------------------------------------------------------------------------------------

    def action_plan(self) -> None:
        if self.busy:
            self.notify("An import is running", severity="warning")
            return
        if self.package is None:
            if self.query_one("#package", PathInput).path() is None:
                self.notify("Type the path of a package first", severity="warning")
                self.query_one("#package").focus()
                return
            self.plan_after_read = True
            self._read_package()
            return
        try:
            request = self._build_request()
        except SparkTuiError as exc:
            self.app.show_error("Bad mapping", exc)
            return
        self.query_one("#import-verdict", Static).update(Text("Planning…", style="dim"))
        self._show_tab("plan")
        self._plan(self.package, request, self.generation)

    @work(thread=True, exclusive=True, group="import-plan", exit_on_error=False, description="plan the import")
    def _plan(self, package: Path, request: ImportRequestEntity, generation: int) -> None:
        from spark_tui.promotion.prepare import plan_package

        try:
            plan = plan_package(package, self.backend, request)
        except (SparkTuiError, OSError) as exc:  # shown on the screen
            self.post_message(self.ImportPlanned(generation, None, None, exc))
            return
        self.post_message(self.ImportPlanned(generation, plan, request))

    def on_import_screen_import_planned(self, message: ImportScreen.ImportPlanned) -> None:
        if message.generation != self.generation:
            return  # planned for inputs that changed since
        table = self.query_one("#import-plan-table", PlanTable)
        if message.plan is None:
            error = message.error
            self.query_one("#import-verdict", Static).update(Text(f"✗ Cannot plan: {error}", style="bold red"))
            self._show_errors("import", error.errors if isinstance(error, SparkTuiError) else None)
            table.put_rows({})
            return
        self.plan, self.request = message.plan, message.request
        self.query_one("#import-verdict", Static).update(import_verdict(message.plan))
        table.show(message.plan)
        self._show_errors("import", message.plan.errors)

    # --- run ---------------------------------------------------------------------------------------

    def action_run(self) -> None:
        if self.busy:
            self.notify("An import is running", severity="warning")
            return
        plan, request, package = self.plan, self.request, self.package
        if plan is None or request is None or package is None:
            self.notify("Plan first (F5): the plan is shown before anything is sent", severity="warning")
            return
        if not plan.go:
            self.notify("The plan refuses this import; fix the problems it lists and plan again", severity="error")
            self._show_tab("plan")
            return
        info = self.backend.info
        integrity = ("" if self.inspection is None or self.inspection.ok else
                     f"\n\n! The package has {len(self.inspection.errors)} integrity problem(s) (F2).")
        question = (f"Import {len(plan.versions)} version(s) of {package.name} into tenant '{info.tenant}' (profile "
                    f"{info.profile}, {info.kind} {info.location}) with services_existing="
                    f"{request.services_existing.value}?{integrity}")

        def answer(yes: bool | None) -> None:
            if yes and self.plan is plan and not self.busy:
                self._start(package, request)

        from spark_tui.tui.screens.modals import ConfirmModal

        self.app.push_screen(ConfirmModal("Import", question, yes="Import", no="Not now"), answer)

    def _start(self, package: Path, request: ImportRequestEntity) -> None:
        self.stop = threading.Event()
        self.job, self.upload = None, (0, package.stat().st_size if package.is_file() else 0)
        self._lock_inputs(True)
        line = self.query_one("#job-line", Static)
        line.update(job_line(None, self.upload))
        line.add_class("-shown")
        self.query_one("#import-result", ImportResultTable).remove_class("-shown")
        self._show_errors("import", None)
        self.action_show_tab("plan")
        self._import(package, request, self.stop)

    def _lock_inputs(self, locked: bool) -> None:
        for selector in ("#package", "#mapping-file", "#import-if-present", "#source-system", "#correlation-id",
                         "#import-mapping"):
            self.query_one(selector).disabled = locked

    @work(thread=True, exclusive=True, group="import-run", exit_on_error=False, description="import the package")
    def _import(self, package: Path, request: ImportRequestEntity, stop: threading.Event) -> None:
        shown = [-1]

        def uploaded(done: int, total: int) -> None:
            pct = done * 100 // total if total else 100
            if pct != shown[0]:
                shown[0] = pct
                self.post_message(self.UploadProgressed(done, total))

        try:
            job = self.backend.submit_import(package, request, progress=uploaded)
            self.post_message(self.ImportFollowed(job))
            job = wait_for_import(self.backend, job, on_update=lambda j: self.post_message(self.ImportFollowed(j)),
                                  cancel=stop, deadline_s=DEFAULT_DEADLINE_S)
        except (SparkTuiError, OSError) as exc:  # shown on the screen
            self.post_message(self.ImportEnded(None, exc))
            return
        self.post_message(self.ImportEnded(job))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A bug in the import's worker (the base class shows it) ends the import as a refusal would: the screen
        is not left busy with its inputs locked."""
        if event.worker.group == "import-run" and event.state is WorkerState.ERROR:
            self.post_message(self.ImportEnded(None, event.worker.error))

    def on_import_screen_upload_progressed(self, message: ImportScreen.UploadProgressed) -> None:
        if self.job is None:
            self.upload = (message.done, message.total)
            self.query_one("#job-line", Static).update(job_line(None, self.upload))

    def on_import_screen_import_followed(self, message: ImportScreen.ImportFollowed) -> None:
        first = self.job is None
        self.job = message.job
        self.query_one("#job-line", Static).update(job_line(message.job, None))
        if first:
            self.app.main.events.add("started", f"import {message.job.id[:8]} started ({self.package.name} into "
                                     f"profile {self.backend.info.profile})")

    def on_import_screen_import_ended(self, message: ImportScreen.ImportEnded) -> None:
        self.stop = None
        self.plan, self.request = None, None  # the target changed (or may have): plan again before another import
        self.generation += 1
        self._lock_inputs(False)
        verdict = self.query_one("#import-verdict", Static)
        job = message.job
        if job is None:
            error = message.error
            verdict.update(Text(f"✗ The import was not started: {error}", style="bold red"))
            self._show_errors("import", error.errors if isinstance(error, SparkTuiError) else None)
            self.query_one("#job-line", Static).remove_class("-shown")
            self.notify(str(error), title="Import refused", severity="error", markup=False, timeout=10)
            return
        self.job = job
        self.query_one("#job-line", Static).update(job_line(job, None))
        if not job.status.is_terminal:
            verdict.update(Text(f"Stopped following import job {job.id}: it goes on in the tenant (the jobs table "
                                "shows it).", style="bold yellow"))
            return
        result = self.query_one("#import-result", ImportResultTable)
        result.show(job)
        result.set_class(bool(job.outputs.service_versions), "-shown")
        self._show_errors("import", job.errors)
        if job.status is JobStatus.closed:
            verdict.update(Text.assemble(("✓ IMPORTED", "bold green"), f": {len(job.outputs.service_versions)} "
                                         f"version(s) into tenant '{self.backend.info.tenant}'. F5 plans again."))
        else:  # the main screen's jobs refresh announces the end (a toast and the event log)
            verdict.update(Text(f"✗ The import job ended '{job.status.value}': nothing was imported.", style="bold red"))

    # --- leaving -----------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()
