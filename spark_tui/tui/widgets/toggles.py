"""Form controls that read without colour and keep Enter for the form they sit in.

Textual's Checkbox and SelectionList draw `X` whether on or off (colour alone tells them apart: NO_COLOR and
monochrome terminals lose it), and its Select opens its list on Enter, so Enter on a dialog's select never reaches
the dialog's OK.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.binding import Binding
from textual.strip import Strip
from textual.widgets import Checkbox, Select, SelectionList
from textual.widgets.option_list import OptionDoesNotExist


class MarkedCheckbox(Checkbox):
    """A checkbox marked `X` when on and blank when off."""

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 - Textual's name for the mark
        return "X" if self.value else " "


class MarkedSelectionList(SelectionList):
    """A selection list whose boxes are marked `X` when selected and blank when not."""

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        try:
            option = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return line
        if option.value in self._selected:
            return line
        left, mark, *rest = list(line)  # the box is drawn as left side, mark, right side, then the prompt
        return Strip([left, Segment(" ", mark.style), *rest], line.cell_length)


class FormSelect(Select, inherit_bindings=False):
    """A select opened by space, up or down; Enter (once it is closed) goes on to the form: OK."""

    BINDINGS = [Binding("space,down,up", "show_overlay", "Open", show=False)]
