"""The Environments screen: services × profiles, what differs, and a key that promotes the difference.

The source profile and the targets are picked on the screen (t picks the targets); F5 compares them in
a thread worker (promotion.compare: the same mapping rules as promotion, an optional mapping file and
scope) with a progress line. Each cell shows the target's latest version and a mark that reads without
colour: `=` same, `≠` differs, `−` missing there, `+` extra there, `?` not accessible. `d` shows only
the services that differ, enter opens a service's versions side by side, space marks services and
ctrl+o opens the Promote screen with their `missing`/`differs` versions and the mapping, into the target
picked. The comparison writes nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, OptionList, Select, Static
from textual.worker import Worker, WorkerState

from spark_tui.tui.screens.base import Dialog, SparkModal, SparkScreen
from spark_tui.tui.widgets.footer import SparkFooter

from spark_tui.backends.base import Backend
from spark_tui.promotion.mappings import MappingSet, covers, read_mapping_file
from spark_tui.spark.compare_wire import Comparison, ServiceState, VersionState
from spark_tui.spark.errors import SparkTuiError
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
from spark_tui.spark.values import FileFilter
from spark_tui.tui.fit import fit_end, fit_middle
from spark_tui.tui.widgets.fitted import FittedInput
from spark_tui.tui.widgets.fitted_table import FittedTable
from spark_tui.tui.widgets.header import InfoHeader
from spark_tui.tui.widgets.path_input import PathInput
from spark_tui.tui.widgets.toggles import MarkedSelectionList

STATE_STYLES = {ServiceState.same: "green", ServiceState.differs: "bold yellow", ServiceState.missing: "bold red",
                ServiceState.missing_versions: "bold red", ServiceState.extra: "bold cyan",
                ServiceState.extra_versions: "bold cyan", ServiceState.not_accessible: "dim"}
VERSION_CUES = {VersionState.same: ("= same", "green"), VersionState.differs: ("≠ differs", "bold yellow"),
                VersionState.missing: ("− missing", "bold red"), VersionState.extra: ("+ extra", "bold cyan"),
                VersionState.unknown: ("? unknown", "dim")}
MARKED = "●"


def parse_scope(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`claims, pricing/rates` → folders ('claims',), services ('pricing/rates',); blank: the whole tenant."""
    names = [n for n in text.replace(",", " ").split() if n]
    return tuple(n for n in names if "/" not in n), tuple(n for n in names if "/" in n)


def cell_text(latest: str | None, state: ServiceState) -> Text:
    """`≠ 1.2.0`: the mark, then the latest version there (— when it has none)."""
    return Text(f"{state.mark} {latest or '—'}", style=STATE_STYLES[state])


class MatrixTable(FittedTable):
    """One row per service, one column per target; `marked` are the services space has marked. Narrow, the
    service names are shortened in the middle first, so that the targets' columns stay on the screen."""

    BINDINGS = [
        Binding("space", "toggle_mark", "Mark", show=False, id="environments.mark",
                tooltip="Mark the service for promotion"),
        Binding("enter", "open_service", "Versions", show=False, id="environments.versions",
                tooltip="The service's versions side by side"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.marked: set[str] = set()

    def show(self, comparison: Comparison, only_differences: bool) -> None:
        from spark_tui.promotion.compare import matrix

        self.COLUMNS = (("mark", " ", fit_end), ("service", "Service", fit_middle),
                        ("source", comparison.source.profile, fit_end),
                        *((f"t{n}", target.target.profile, fit_end) for n, target in enumerate(comparison.targets)))
        rows: dict[str, tuple] = {}
        for row in matrix(comparison):
            if only_differences and all(c is not None and c.state is ServiceState.same for c in row.cells):
                continue
            cells = [cell_text(c.latest, c.state) if c is not None else Text("·", style="dim") for c in row.cells]
            mark = MARKED if row.source_side and row.service in self.marked else ""
            # a target-only service may be named as a source service that a mapping sends elsewhere
            rows[f"{'source' if row.source_side else 'target'}:{row.service}"] = (
                mark, row.service, row.latest_source or "—", *cells)
        self.put_rows(rows)

    def current_key(self) -> tuple[bool, str] | None:
        """(from the source, service) of the row under the cursor."""
        if not self.row_count:
            return None
        side, _, service = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value.partition(":")
        return side == "source", service

    def current(self) -> str | None:
        """The source service under the cursor (None on a service of the targets only)."""
        key = self.current_key()
        return key[1] if key is not None and key[0] else None

    def action_toggle_mark(self) -> None:
        key = self.current_key()
        if key is None:
            return
        from_source, service = key
        if not from_source:
            self.notify(f"'{service}' is only in the target(s): there is nothing to promote", severity="warning")
            return
        self.marked ^= {service}
        self.set_cell(f"source:{service}", "mark", MARKED if service in self.marked else "")
        if self.cursor_row < self.row_count - 1:
            self.move_cursor(row=self.cursor_row + 1)

    def action_open_service(self) -> None:
        screen = self.screen
        if (key := self.current_key()) is not None and isinstance(screen, EnvironmentsScreen):
            screen.open_service(*key)


class EnvironmentsScreen(SparkScreen[None]):
    """Compare profiles of the config; kept for the session (tui/kept_screens.py)."""

    AUTO_FOCUS = "#matrix"
    DEFAULT_CSS = """
    EnvironmentsScreen .env-row { height: 1; padding: 0 1; }
    EnvironmentsScreen .env-label { width: 13; color: $text-muted; }
    EnvironmentsScreen .env-label2 { width: 9; color: $text-muted; margin-left: 1; }
    EnvironmentsScreen #env-source { width: 1fr; max-width: 24; }
    EnvironmentsScreen #env-targets { width: 1fr; }
    EnvironmentsScreen .env-row Input { width: 1fr; }
    EnvironmentsScreen #env-status { height: auto; padding: 0 1; margin-top: 1; }
    EnvironmentsScreen #matrix { height: 1fr; }
    EnvironmentsScreen #env-hint { height: 1; padding: 0 1; }
    """
    BINDINGS = [
        Binding("f5", "compare", "Compare", id="environments.compare", tooltip="Read the catalogs and compare them"),
        Binding("ctrl+o", "promote", "Promote marked", id="environments.promote",
                tooltip="Open the Promote screen with the marked services' difference"),
        Binding("d", "toggle_differences", "Differences", show=False, id="environments.differences",
                tooltip="Show only the services that differ (or every service)"),
        Binding("t", "pick_targets", "Targets", show=False, id="environments.targets", tooltip="Pick the profiles to compare with"),
        Binding("escape", "back", "Back", id="environments.back", tooltip="Back; this screen keeps its comparison"),
    ]

    @dataclass
    class CompareProgressed(Message):
        what: str
        done: int
        known: int

    @dataclass
    class Compared(Message):
        generation: int
        comparison: Comparison | None
        source: Backend | None
        targets: list[Backend]
        mappings: MappingSet | None
        error: Exception | None = None

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.comparison: Comparison | None = None
        self.mappings: MappingSet | None = None  # the mapping set the comparison used
        self.source_backend: Backend | None = None
        self.target_backends: list[Backend] = []
        self.only_differences = False
        self.generation = 0
        self.cancel: threading.Event | None = None

    @property
    def busy(self) -> bool:
        return self.cancel is not None

    def compose(self) -> ComposeResult:
        yield InfoHeader()
        with Horizontal(classes="env-row"):
            yield Label("Source", classes="env-label")
            profiles = self._profiles()
            yield Select(profiles, value=self._default_source(), allow_blank=not profiles, id="env-source", compact=True)
            yield Label("Targets", classes="env-label2")
            yield Static("", id="env-targets", classes="one-line")
        with Horizontal(classes="env-row"):
            yield Label("Mapping file", classes="env-label")
            yield PathInput(suffixes=(".toml",), placeholder="optional .toml", id="env-mapping-file", compact=True)
            yield Label("Scope", classes="env-label2")
            yield FittedInput("", placeholder="blank = whole tenant",
                               id="env-scope", compact=True, select_on_focus=False)
        yield Static("", id="env-status")
        yield Static(Text("space marks · enter versions · d differences only · t targets · F5 compare",
                          style="dim"), id="env-hint", classes="one-line")  # above the table: toasts cover the bottom
        yield MatrixTable(id="matrix")
        yield SparkFooter()

    def _profiles(self) -> list[tuple[str, str]]:
        config = self.app.config
        return [(name, name) for name in sorted(config.profiles)] if config is not None else []

    def _default_source(self) -> str | None:
        names = [name for _, name in self._profiles()]
        current = self.app.backend.info.profile
        return current if current in names else (names[0] if names else Select.NULL)

    def on_mount(self) -> None:
        from spark_tui.config import DEMO_PROFILE

        source = self.query_one("#env-source", Select).value
        others = [name for _, name in self._profiles() if name != source]
        # the built-in demo profile is compared only when asked for (t), unless there is nothing else
        self.targets = [name for name in others if name != DEMO_PROFILE] or others
        self._show_targets()
        if self.app.config is None or len(self._profiles()) < 2:
            where = f" in {self.app.config.path}" if self.app.config else " (no config file)"
            self._status(Text(f"Comparing needs two profiles or more; define them{where}.", style="bold yellow"))
            return
        self.action_compare()

    def on_unmount(self) -> None:
        if self.cancel is not None:
            self.cancel.set()
        self._close_backends()

    def _status(self, text: Text | str) -> None:
        self.query_one("#env-status", Static).update(text)

    def _show_targets(self) -> None:
        text = Text(", ".join(self.targets) if self.targets else "none", style="bold" if self.targets else "dim")
        text.append(" ")
        text.append("(t picks)", style="dim")
        self.query_one("#env-targets", Static).update(text)

    # --- picking -----------------------------------------------------------------------------------

    @on(Select.Changed, "#env-source")
    def _source_changed(self, event: Select.Changed) -> None:
        self.targets = [t for t in self.targets if t != event.value]
        self._show_targets()

    def action_pick_targets(self) -> None:
        source = self.query_one("#env-source", Select).value
        choices = [name for _, name in self._profiles() if name != source]

        def picked(names: list[str] | None) -> None:
            if names is not None:
                self.targets = names
                self._show_targets()
                if names:
                    self.action_compare()

        self.app.push_screen(TargetsModal(choices, self.targets), picked)

    # --- comparing ---------------------------------------------------------------------------------

    def action_compare(self) -> None:
        if self.busy:
            self.notify("A comparison is running", severity="warning")
            return
        source = self.query_one("#env-source", Select).value
        if source is Select.NULL or not self.targets:
            self.notify("Pick the source and at least one target (t)", severity="warning")
            return
        folders, services = parse_scope(self.query_one("#env-scope", Input).value)
        self.generation += 1
        self.cancel = threading.Event()
        self._status(Text(f"Comparing {source} with {', '.join(self.targets)}: opening the profiles…", style="dim"))
        self._compare(str(source), list(self.targets), self.query_one("#env-mapping-file", PathInput).path(),
                      folders, services, self.generation, self.cancel)

    @on(Input.Submitted, "#env-mapping-file")
    @on(Input.Submitted, "#env-scope")
    def _submitted(self) -> None:
        self.action_compare()

    @work(thread=True, exclusive=True, group="environments-compare", exit_on_error=False,
          description="compare environments")
    def _compare(self, source_name: str, target_names: list[str], mapping_file: Path | None,
                 folders: tuple[str, ...], services: tuple[str, ...], generation: int, cancel: threading.Event) -> None:
        from spark_tui.backends.factory import open_backend
        from spark_tui.promotion.compare import Scope, compare

        opened: list[Backend] = []
        try:
            found = read_mapping_file(mapping_file) if mapping_file is not None else MappingSet()
            config = self.app.config
            for name in (source_name, *target_names):
                opened.append(open_backend(config.profile(name)))
            comparison = compare(
                opened[0], opened[1:], scope=Scope(folders, services), mappings=found.mappings, cancel=cancel,
                progress=lambda what, done, known: self.post_message(self.CompareProgressed(what, done, known)))
        except (SparkTuiError, OSError) as exc:  # shown on the screen; a bug reaches the worker's error handler
            self.post_message(self.Compared(generation, None, None, [], None, exc))
        else:
            self.post_message(self.Compared(generation, comparison, opened[0], opened[1:], found))
            opened = []  # the screen's now
        finally:
            for backend in opened:
                backend.close()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A bug in the comparison's worker (the base class shows it) ends the comparison as a failure would:
        the screen is not left busy."""
        if event.worker.group == "environments-compare" and event.state is WorkerState.ERROR:
            self.post_message(self.Compared(self.generation, None, None, [], None, event.worker.error))

    def on_environments_screen_compare_progressed(self, message: EnvironmentsScreen.CompareProgressed) -> None:
        if self.busy:
            self._status(Text(f"Reading {message.what}… {message.done}/{message.known} call(s)", style="dim"))

    def on_environments_screen_compared(self, message: EnvironmentsScreen.Compared) -> None:
        self.cancel = None
        if message.generation != self.generation or message.comparison is None:
            for backend in ([message.source] if message.source else []) + message.targets:
                self._close_in_background(backend)
            if message.comparison is None and message.generation == self.generation:
                self._status(Text(f"✗ Cannot compare: {message.error}", style="bold red"))
                if isinstance(message.error, SparkTuiError) and message.error.errors:
                    self.app.show_error("Cannot compare", message.error)
            return
        self._close_backends()
        self.source_backend, self.target_backends = message.source, message.targets
        self.comparison, self.mappings = message.comparison, message.mappings
        table = self.query_one(MatrixTable)
        table.marked &= {s.service_uri_source for t in message.comparison.targets for s in t.services
                         if s.service_uri_source}
        self._show()

    def _show(self) -> None:
        comparison = self.comparison
        if comparison is None:
            return
        self.query_one(MatrixTable).show(comparison, self.only_differences)
        text = Text()
        for t in comparison.targets:
            counts = t.summary
            text.append(f"{comparison.source.profile} → {t.target.profile}: ", style="bold")
            text.append(f"{counts['same']} =  {counts['differs']} ≠  "
                        f"{counts['missing'] + counts['missing_versions']} −  "
                        f"{counts['extra'] + counts['extra_versions']} +")
            if counts["not_accessible"]:
                text.append(f"  {counts['not_accessible']} ?")
            text.append("\n")
        text.append("differences only (d shows all)" if self.only_differences else "every service (d: differences only)",
                    style="dim")
        self._status(text)

    def action_toggle_differences(self) -> None:
        self.only_differences = not self.only_differences
        self._show()

    def _close_backends(self) -> None:
        for backend in ([self.source_backend] if self.source_backend else []) + self.target_backends:
            self._close_in_background(backend)
        self.source_backend, self.target_backends = None, []

    def _close_in_background(self, backend: Backend) -> None:
        self.app.run_worker(backend.close, thread=True, group="environments-close", exit_on_error=False,
                            description="close a compared backend")

    # --- a service, side by side -------------------------------------------------------------------

    def open_service(self, from_source: bool, service: str) -> None:
        if self.comparison is not None:
            self.app.push_screen(ServiceVersionsModal(self.comparison, service, from_source))

    # --- promote the difference --------------------------------------------------------------------

    def action_promote(self) -> None:
        comparison, table = self.comparison, self.query_one(MatrixTable)
        if comparison is None or self.source_backend is None:
            self.notify("Compare first (F5)", severity="warning")
            return
        marked = sorted(table.marked) or ([table.current()] if table.current() else [])
        if not marked:
            self.notify("Mark the services to promote (space)", severity="warning")
            return
        if len(comparison.targets) == 1:
            self._promote(0, marked)
            return
        names = [t.target.profile for t in comparison.targets]
        self.app.push_screen(PickTargetModal(names), lambda n: n is not None and self._promote(n, marked))

    def _promote(self, n: int, marked: list[str]) -> None:
        from spark_tui.promotion.compare import drift_version_ids
        from spark_tui.tui.screens.promote import PromoteScreen

        target = self.comparison.targets[n]
        chosen = target.model_copy(update={"services": [s for s in target.services if s.service_uri_source in marked]})
        ids = drift_version_ids(chosen)
        if not ids:
            self.notify(f"Nothing of the marked service(s) differs in {target.target.profile}: nothing to promote",
                        severity="warning")
            return
        found = self.mappings or MappingSet()
        relevant = MappingSet([m for m in found.mappings if any(covers(m, s) for s in marked)],
                              found.upgrade, found.if_present)
        request = ExportRequest(inputs=ExportInputs(version_ids=ids), file_filter=FileFilter.migrate)
        self.app.push_screen(PromoteScreen(self.source_backend, request, self.app.main.dest_dir,
                                           target=target.target.profile, mappings=relevant))

    def action_back(self) -> None:
        self.app.pop_screen()


class TargetsModal(Dialog[list[str] | None]):
    """Pick the target profiles: space toggles one, enter confirms, esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="targets.cancel"),
                Binding("enter", "ok", "OK", id="targets.ok", priority=True)]

    def __init__(self, choices: list[str], chosen: list[str]) -> None:
        super().__init__()
        self.choices, self.chosen = choices, chosen

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(Text("Compare with (space toggles, enter confirms)", style="bold"), id="dialog-title")
            yield MarkedSelectionList(*[(name, name, name in self.chosen) for name in self.choices], id="targets-list")
        yield SparkFooter()

    def action_ok(self) -> None:
        self.dismiss(list(self.query_one(MarkedSelectionList).selected))

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickTargetModal(Dialog[int | None]):
    """Which compared target to promote into; dismisses with its index."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="pick_target.cancel")]

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = names

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(Text("Promote the difference into (enter picks)", style="bold"), id="dialog-title")
            yield OptionList(*self.names, id="pick-target")
        yield SparkFooter()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option_index)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ServiceVersionsModal(SparkModal[None]):
    """One service's versions side by side: source version, target version, state and how it was decided."""

    BINDINGS = [Binding("escape,enter", "dismiss", "Close", id="service_versions.close")]
    DEFAULT_CSS = "#versions-dialog { width: 95%; max-width: 110; height: 80%; border: thick $primary; " \
                  "background: $surface; padding: 0 1; } #versions-table { height: 1fr; }"

    def __init__(self, comparison: Comparison, service: str, from_source: bool = True) -> None:
        super().__init__()
        self.comparison, self.service, self.from_source = comparison, service, from_source

    def compose(self) -> ComposeResult:
        with Vertical(id="versions-dialog"):
            yield Label(Text(self.service, style="bold"), id="dialog-title")
            yield FittedTable((("target", "Target", fit_middle), ("source_version", self.comparison.source.profile, fit_end),
                               ("target_version", "There", fit_end), ("state", "State", fit_end),
                               ("decided", "Decided by", fit_end)), id="versions-table")
        yield SparkFooter()

    def on_mount(self) -> None:
        table = self.query_one(FittedTable)
        rows: list[tuple] = []
        for t in self.comparison.targets:
            for row in t.services:
                if (row.service_uri_source if self.from_source else row.service_uri_target) != self.service or (
                        not self.from_source and row.service_uri_source is not None):
                    continue
                where = f"{t.target.profile} {row.service_uri_target}" if row.service_uri_target != self.service \
                    else t.target.profile
                if not row.versions:
                    rows.append((where, "—", "—", cell_text(row.latest_target, row.state), "—"))
                for v in row.versions:
                    cue, style = VERSION_CUES[v.state]
                    rows.append((where, v.version_source or "—", v.version_target or "—", Text(cue, style=style),
                                 v.decided_by.value))
        table.put_rows({str(n): row for n, row in enumerate(rows)})
        table.focus()
