"""Small modal dialogs: error details, yes/no confirmation, and a one-line prompt."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from spark_tui.spark.errors import SparkTuiError


def error_details(error: BaseException) -> tuple[str, str]:
    """A one-line summary and the details (every API error with its reference) of an exception."""
    summary = str(error) or type(error).__name__
    lines = [f"{type(error).__name__}: {summary}"]
    if isinstance(error, SparkTuiError) and error.errors:
        lines.append("")
        lines += [f"• {e.code}: {e.message}" + (f"  (ref: {e.ref})" if e.ref else "") for e in error.errors]
    return summary, "\n".join(lines)


class ErrorModal(ModalScreen[None]):
    """Shows a failure with its details; `c` copies the details to the clipboard."""

    BINDINGS = [
        Binding("escape,enter", "dismiss", "Close", id="error.close"),
        Binding("c", "copy", "Copy details", id="error.copy"),
    ]
    AUTO_FOCUS = "#close"  # a selector, not a query: no crash when it opens while the app shuts down

    def __init__(self, title: str, error: BaseException) -> None:
        super().__init__()
        self.title_text = title
        self.summary, self.details = error_details(error)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="error-dialog"):
            yield Label(Text(self.title_text, style="bold"), id="dialog-title")
            with VerticalScroll(id="error-details"):
                yield Static(Text(self.details))
            with Horizontal(classes="dialog-buttons"):
                yield Button("Copy details", id="copy", compact=True)
                yield Button("Close", id="close", variant="primary", compact=True)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.details)
        self.notify("Error details copied to the clipboard")

    @on(Button.Pressed, "#copy")
    def _copy(self) -> None:
        self.action_copy()

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(None)


class ConfirmModal(ModalScreen[bool]):
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
        with Vertical(id="dialog"):
            yield Label(Text(self.title_text, style="bold"), id="dialog-title")
            yield Static(Text(self.question), id="question")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="warning", compact=True)
                yield Button(f"{self.no} (n)", id="no", variant="primary", compact=True)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class PromptModal(ModalScreen[str | None]):
    """Asks for one line of text (e.g. a directory); None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, label: str, value: str) -> None:
        super().__init__()
        self.title_text, self.label, self.value = title, label, value

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text(self.title_text, style="bold"), id="dialog-title")
            yield Label(self.label)
            yield Input(self.value, id="prompt-input", compact=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", id="ok", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.dismiss(self.query_one(Input).value.strip() or None)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
