"""What every screen of the app shares: the app's own keys (F1 Help, ^q Quit) lead the footer, on the
screens and in the dialogs, a bug in one of its workers opens the error modal, and a small dialog is a
`Dialog` box of one style.

A modal screen's keys stop at the modal (Textual leaves the app's bindings out of its footer and, but for
priority ones such as ^q, out of its keys), so SparkModal binds F1 and ^q itself, with the app's binding ids
(a `[keymap]` moves them too). The footer (widgets/footer.py) drops the keys that do not fit, F1 and ^q last.
Workers catch only the errors they expect (SparkTuiError); Textual reports any other one to the node that
ran the worker only (`Worker.StateChanged` does not bubble), hence a handler on each such node.
"""

from __future__ import annotations

from typing import Iterable, TypeVar

from textual.actions import parse
from textual.binding import ActiveBinding, Binding
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from spark_tui.tui.widgets.footer import APP_KEYS


class AppKeysFirst:
    """Screen mixin: the app's bindings (and a modal's F1 / ^q) first in `active_bindings`, which the help lists
    in order."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        bindings = super().active_bindings  # type: ignore[misc]
        first = {key: active for key, active in bindings.items()
                 if active.node is self.app or active.binding.id in APP_KEYS}  # type: ignore[attr-defined]
        return first | {key: active for key, active in bindings.items() if key not in first}


class OfferedKeys:
    """Screen mixin: `refresh_offered(bindings)` refreshes the footer only when `check_action` answers otherwise
    for one of `bindings` than last time. A refresh rebuilds the footer (every key remounted and restyled), and
    the job views refresh their rows every second."""

    _offered: tuple[bool | None, ...] | None = None

    def refresh_offered(self, bindings: Iterable[Binding]) -> None:
        offered = tuple(self.check_action(name, params)  # type: ignore[attr-defined]
                        for _, name, params in (parse(b.action) for b in bindings))
        if offered != self._offered:
            self._offered = offered
            self.refresh_bindings()  # type: ignore[attr-defined]


ResultType = TypeVar("ResultType")


class ShowsWorkerErrors:
    """Mixin for a node that runs workers: an unexpected error in one opens the error modal."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.app.show_error(f"Unexpected error in '{event.worker.description or event.worker.name}'",  # type: ignore[attr-defined]
                                event.worker.error)


class SparkScreen(ShowsWorkerErrors, AppKeysFirst, OfferedKeys, Screen[ResultType]):
    """A full screen of the app."""


class SparkModal(ShowsWorkerErrors, AppKeysFirst, OfferedKeys, ModalScreen[ResultType]):
    """A modal of the app: F1 opens the help over it (listing its keys), ^q quits as everywhere (asking when
    jobs run; the app's own ^q binding, a priority one, is the one that runs)."""

    BINDINGS = [
        Binding("ctrl+q", "app.quit", "Quit", id="app.quit", tooltip="Quit (asks when jobs run)"),
        Binding("f1", "app.help", "Help", id="app.help", tooltip="Keys and how-to"),
    ]


class Dialog(SparkModal[ResultType]):
    """A box in the middle of the screen (the subclass composes it as `Vertical(classes="dialog-box")`)."""

    DEFAULT_CSS = """
    Dialog {
        align: center middle;
        & > .dialog-box {
            width: 72;
            max-width: 95%;
            height: auto;
            max-height: 90%;
            border: thick $primary;
            background: $surface;
            padding: 0 1;
            & Input { margin: 1 0; }
        }
    }
    """
