"""The Receipts screen: the history of promotions (`--batch --promotions`), newest first; enter opens one.

Read from `<data>/receipts` by promotion.history (the same functions `--promotions` and `--receipt`
use) in a thread worker; F5 reads it again. A receipt whose promotion is still running in a process
that is gone shows `interrupted`. The receipt stays reachable here after the Promote screen is left.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from spark_tui.tui.screens.base import SparkScreen
from spark_tui.tui.widgets.footer import SparkFooter

from spark_tui.spark.errors import SparkTuiError
from spark_tui.spark.promotion_wire import Receipt
from spark_tui.tui.fit import fit_end, fit_middle
from spark_tui.tui.formatting import clock
from spark_tui.tui.widgets.fitted_table import FittedTable
from spark_tui.tui.widgets.header import InfoHeader
from spark_tui.tui.widgets.promotion_run import ReceiptTable, receipt_summary

OUTCOME_CUES = {"promoted": ("✓ promoted", "bold green"), "uploaded": ("✓ uploaded", "bold green"),
                "running": ("◐ running", "bold cyan"), "interrupted": ("! interrupted", "bold yellow"),
                "failed": ("✗ failed", "bold red"), "cancelled": ("⊘ cancelled", "italic")}


def outcome_cell(outcome: str) -> Text:
    cue, style = OUTCOME_CUES.get(outcome, (outcome, ""))
    return Text(cue, style=style)


def side(endpoint) -> str:
    return f"{endpoint.profile} · {endpoint.tenant}"


class ReceiptsTable(FittedTable):
    """One row per receipt: when, outcome, source → target, user, package SHA-256, id."""

    BINDINGS = [Binding("enter", "open", "Open", id="receipts.open", tooltip="The whole receipt")]

    COLUMNS = (("started", "Started", fit_end), ("outcome", "Outcome", fit_end), ("sides", "Source → target", fit_end),
               ("user", "User", fit_end), ("sha256", "Package SHA-256", fit_middle), ("id", "Id", fit_middle))

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.receipts: dict[str, Receipt] = {}

    def show(self, receipts: list[tuple[Receipt, str]]) -> None:
        self.receipts = {receipt.id: receipt for receipt, _ in receipts}
        self.put_rows({receipt.id: (clock(receipt.started), outcome_cell(outcome),
                                    f"{side(receipt.source)} → {side(receipt.target)}", receipt.user,
                                    receipt.package.sha256 if receipt.package else "—", receipt.id)
                       for receipt, outcome in receipts})

    def action_open(self) -> None:
        if not self.row_count:
            return
        receipt_id = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        self.app.push_screen(ReceiptScreen(self.receipts[receipt_id]))


class ReceiptsScreen(SparkScreen[None]):
    """Kept for the session (tui/kept_screens.py); reads the history each time it is shown."""

    AUTO_FOCUS = "#receipts"
    DEFAULT_CSS = """
    ReceiptsScreen #receipts-status { height: auto; padding: 0 1; }
    ReceiptsScreen #receipts { height: 1fr; }
    """
    BINDINGS = [
        Binding("f5", "reload", "Reload", id="receipts.reload", tooltip="Read the history again"),
        Binding("escape", "app.pop_screen", "Back", id="receipts.back"),
    ]

    @dataclass
    class ReceiptsRead(Message):
        receipts: list[tuple[Receipt, str]] | None  # with the outcome to show
        error: Exception | None = None

    def compose(self) -> ComposeResult:
        yield InfoHeader()
        yield Static(Text("Reading the history…", style="dim"), id="receipts-status")
        yield ReceiptsTable(id="receipts")
        yield SparkFooter()

    def on_screen_resume(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self._read()

    @work(thread=True, exclusive=True, group="receipts-read", exit_on_error=False, description="read the receipts")
    def _read(self) -> None:
        from spark_tui.promotion.history import list_receipts, shown_outcome

        try:
            self.post_message(self.ReceiptsRead([(r, shown_outcome(r)) for r in list_receipts()]))
        except (SparkTuiError, OSError) as exc:  # shown on the screen
            self.post_message(self.ReceiptsRead(None, exc))

    def on_receipts_screen_receipts_read(self, message: ReceiptsScreen.ReceiptsRead) -> None:
        status = self.query_one("#receipts-status", Static)
        if message.receipts is None:
            status.update(Text(f"✗ Cannot read the history: {message.error}", style="bold red"))
            return
        from spark_tui import paths

        self.query_one(ReceiptsTable).show(message.receipts)
        where = paths.receipts_dir()
        status.update(Text(f"{len(message.receipts)} promotion(s), newest first · enter opens one (and names its file)",
                           style="dim") if message.receipts else
                      Text(f"No promotion yet: every promotion's receipt is kept in {where}", style="dim"))


class ReceiptScreen(SparkScreen[None]):
    """One receipt: the summary (outcome, sides, package, deviations) and every version with both ids."""

    DEFAULT_CSS = """
    ReceiptScreen #receipt-text { height: auto; max-height: 50%; padding: 0 1; }
    ReceiptScreen #receipt-versions { height: 1fr; }
    """
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="receipt.back")]
    AUTO_FOCUS = "#receipt-versions"

    def __init__(self, receipt: Receipt) -> None:
        super().__init__()
        self.receipt = receipt

    def compose(self) -> ComposeResult:
        from spark_tui import paths

        receipt = self.receipt
        text = receipt_summary(receipt, paths.receipts_dir() / f"{receipt.id}.json")
        text.append(f"\nid {receipt.id} · by {receipt.user} · started {receipt.started}"
                    + (f" · finished {receipt.finished}" if receipt.finished else ""))
        if receipt.import_job_id:
            text.append(f"\nimport job {receipt.import_job_id}")
        if receipt.not_removable:
            text.append(f"\nnot removable by undo: {', '.join(receipt.not_removable)}", style="dim")
        yield InfoHeader()
        with Vertical():
            with VerticalScroll(id="receipt-text"):
                yield Static(text)
            yield ReceiptTable(id="receipt-versions")
        yield SparkFooter()

    def on_mount(self) -> None:
        self.query_one(ReceiptTable).show(self.receipt)
