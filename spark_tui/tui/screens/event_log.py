"""The event log screen: what started, finished, failed or was saved in this session, newest last. A line cut
to the table's width (with "…") is shown whole under the table while the cursor is on it: a saved package's
path, a failure's reason."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from spark_tui.tui.screens.base import SparkScreen
from spark_tui.tui.widgets.footer import SparkFooter
from spark_tui.tui.event_log import EventLog
from spark_tui.tui.fit import fit_end
from spark_tui.tui.widgets.fitted_table import FittedTable
from spark_tui.tui.widgets.header import InfoHeader

STRONG = {"failed", "cancelled", "closed_by_timeout"}
COLUMNS = (("time", "Time", fit_end), ("event", "Event", fit_end), ("what", "What", fit_end))


class EventLogScreen(SparkScreen[None]):
    """Every event of the session with its time; refreshes while open."""

    BINDINGS = [Binding("escape,l", "app.pop_screen", "Back", id="log.back", tooltip="Back to the main screen")]

    def __init__(self, log: EventLog) -> None:
        super().__init__()
        self.log_ = log
        self._shown = 0

    def compose(self) -> ComposeResult:
        yield InfoHeader()
        table = FittedTable(COLUMNS, id="event-log")
        table.border_title = "Event log (this session)"
        yield table
        yield Static("", id="event-whole")
        yield SparkFooter()

    def on_mount(self) -> None:
        table = self.query_one(FittedTable)
        self._append()
        self.set_interval(1.0, self._append)
        table.focus()

    def _append(self) -> None:
        self.query_one(InfoHeader).refresh()  # the connection state may have changed
        table = self.query_one(FittedTable)
        for index, event in enumerate(self.log_.events[self._shown:], start=self._shown):
            style = "bold reverse" if event.kind in STRONG else "bold"
            table.put_row(str(index), (event.at.strftime("%H:%M:%S"), Text(event.kind, style=style), event.text))
        if len(self.log_.events) > self._shown:
            self._shown = len(self.log_.events)
            table.move_cursor(row=table.row_count - 1)
        if not table.row_count:
            table.border_subtitle = "nothing happened yet"
        else:
            table.border_subtitle = None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key is not None else None  # None: no row (an empty log)
        row = self.query_one(FittedTable).cells.get(key) if key is not None else None
        self.query_one("#event-whole", Static).update(Text(row[2] if row else "", style="dim"))
