"""A DataTable whose columns share its width: labels and cells that do not fit end in "…" (ids and paths are
shortened in the middle), instead of running off the screen's edge cut mid-word."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.events import Resize
from textual.widgets import DataTable

from spark_tui.tui.fit import column_widths, fit_end, fit_middle

Cell = Text | str


def _cell_len(value: Cell) -> int:
    return value.cell_len if isinstance(value, Text) else cell_len(value)


Column = tuple[str, str, Callable]  # key, label, fitter (fit_end or fit_middle)


class FittedTable(DataTable):
    """Columns named in COLUMNS (a subclass) or `columns=`; rows go through `put_rows`/`put_row`/`set_cell`."""

    COLUMNS: Sequence[Column] = ()

    def __init__(self, columns: Sequence[Column] | None = None, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        if columns is not None:
            self.COLUMNS = tuple(columns)
        self.cells: dict[str, tuple[Cell, ...]] = {}  # as given; what is drawn is fitted to the widths
        self.widths: list[int] = []

    def on_mount(self) -> None:
        self._layout()

    def on_resize(self, event: Resize) -> None:
        self._layout()

    def _room(self) -> int:
        width = self.scrollable_content_region.width or self.size.width or 80
        return width - 2 * self.cell_padding * len(self.COLUMNS)

    def _layout(self) -> None:
        natural = [max([cell_len(label), *(_cell_len(row[i]) for row in self.cells.values())])
                   for i, (_, label, _) in enumerate(self.COLUMNS)]
        widths = column_widths(natural, self._room(), first=[fitter is fit_middle for _, _, fitter in self.COLUMNS])
        if widths == self.widths and self.columns:
            return
        self.widths = widths
        selected = self.cursor_row
        self.clear(columns=True)
        for (key, label, _), width in zip(self.COLUMNS, widths):
            self.add_column(fit_end(label, width), key=key, width=width)
        for key, row in self.cells.items():
            self.add_row(*self._shown(row), key=key)
        if self.row_count:
            self.move_cursor(row=min(selected, self.row_count - 1))

    def _shown(self, row: tuple[Cell, ...]) -> list[Cell]:
        return [fitter(value, width) for (_, _, fitter), value, width in zip(self.COLUMNS, row, self.widths)]

    def put_rows(self, rows: dict[str, tuple[Cell, ...]]) -> None:
        """Replace every row."""
        self.cells = dict(rows)
        self.widths = []
        if self.is_mounted:
            self._layout()

    def put_row(self, key: str, row: tuple[Cell, ...]) -> None:
        """Add a row or change its cells (the columns are re-shared when it changes the widest value)."""
        new = key not in self.cells
        self.cells[key] = row
        before = self.widths
        if not self.is_mounted:
            return
        self._layout()
        if self.widths != before:
            return  # every row was drawn again
        if new:
            self.add_row(*self._shown(row), key=key)
        else:
            for (column, _, _), value in zip(self.COLUMNS, self._shown(row)):
                self.update_cell(key, column, value)

    def set_cell(self, key: str, column: str, value: Cell) -> None:
        """Change one cell of row `key`."""
        index = [c for c, _, _ in self.COLUMNS].index(column)
        row = list(self.cells[key])
        row[index] = value
        self.put_row(key, tuple(row))
