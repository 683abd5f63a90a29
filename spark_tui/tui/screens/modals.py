"""Small modal dialogs: error details, yes/no confirmation, and a one-line prompt."""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, LoadingIndicator, Static

from spark_tui.tui.screens.base import Dialog
from spark_tui.tui.widgets.footer import SparkFooter
from spark_tui.spark.errors import SparkTuiError


def error_details(error: BaseException) -> tuple[str, str]:
    """A one-line summary and the details (every API error with its reference) of an exception."""
    summary = str(error) or type(error).__name__
    lines = [f"{type(error).__name__}: {summary}"]
    if isinstance(error, SparkTuiError) and error.errors:
        lines.append("")
        lines += [f"• {e.code}: {e.message}" + (f"  (ref: {e.ref})" if e.ref else "") for e in error.errors]
    return summary, "\n".join(lines)


class ErrorModal(Dialog[None]):
    """Shows a failure with its details; `c` copies the details to the clipboard."""

    BINDINGS = [
        Binding("escape,enter", "dismiss", "Close", id="error.close"),
        Binding("c", "copy", "Copy details", id="error.copy"),
    ]
    AUTO_FOCUS = "#close"  # a selector, not a query: no crash when it opens while the app shuts down
    DEFAULT_CSS = "ErrorModal > .dialog-box { border: thick $error; }"

    def __init__(self, title: str, error: BaseException) -> None:
        super().__init__()
        self.title_text = title
        self.summary, self.details = error_details(error)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(Text(self.title_text, style="bold"), id="dialog-title")
            with VerticalScroll(id="error-details"):
                yield Static(Text(self.details))
            with Horizontal(classes="dialog-buttons"):
                yield Button("Copy details (c)", id="copy", compact=True)
                yield Button("Close (esc)", id="close", variant="primary", compact=True)
        yield SparkFooter()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.details)
        self.notify("Error details copied to the clipboard")

    @on(Button.Pressed, "#copy")
    def _copy(self) -> None:
        self.action_copy()

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(None)


class ConfirmModal(Dialog[bool]):
    """A yes/no question; dismisses with True for yes."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]
    AUTO_FOCUS = "#no"

    def __init__(self, title: str, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.title_text, self.question, self.yes, self.no = title, question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(Text(self.title_text, style="bold"), id="dialog-title")
            yield Static(Text(self.question), id="question")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="warning", compact=True)
                yield Button(f"{self.no} (n)", id="no", variant="primary", compact=True)
        yield SparkFooter()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class PromptModal(Dialog[str | None]):
    """Asks for one line of text (e.g. a directory); None when cancelled.

    `check(value)` returns why the value is refused, or None: a refused value stays in the field, with
    the reason shown under it, so the user corrects it rather than typing it again.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, label: str, value: str, check: Callable[[str], str | None] | None = None) -> None:
        super().__init__()
        self.title_text, self.label, self.value, self.check = title, label, value, check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(Text(self.title_text, style="bold"), id="dialog-title")
            yield Static(Text(self.label), id="prompt-label")  # wraps (a Label as wide as its text is cut)
            yield Input(self.value, id="prompt-input", compact=True, select_on_focus=False)
            yield Static("", id="prompt-error", classes="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK (enter)", id="ok", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)
        yield SparkFooter()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        value = self.query_one(Input).value.strip()
        problem = self.check(value) if self.check and value else None
        error = self.query_one("#prompt-error", Static)
        error.update(Text(f"↳ {problem}") if problem else "")
        error.set_class(bool(problem), "-shown")
        if problem is None:
            self.dismiss(value or None)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class BusyModal(Dialog[bool]):
    """A long call is running: a spinner and what it does. `esc` stops waiting (dismisses with False);
    the caller dismisses it with True when the call ends."""

    BINDINGS = [Binding("escape", "give_up", "Cancel", id="busy.cancel", tooltip="Stop waiting for the answer")]

    def __init__(self, title: str, doing: str) -> None:
        super().__init__()
        self.title_text, self.doing = title, doing

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box busy-dialog"):
            yield Label(Text(self.title_text, style="bold"), id="dialog-title")
            yield LoadingIndicator(id="busy-spinner")
            yield Static(Text(f"{self.doing}  (esc cancels)"), id="busy-text")
        yield SparkFooter()

    def action_give_up(self) -> None:
        self.dismiss(False)
