"""Form controls that read without colour and keep Enter for the form they sit in.

Textual's Checkbox draws `X` whether on or off (colour alone tells them apart: NO_COLOR and monochrome
terminals lose it), and its Select opens its list on Enter, so Enter on a dialog's select never reaches
the dialog's OK.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Checkbox, Select


class MarkedCheckbox(Checkbox):
    """A checkbox marked `X` when on and blank when off."""

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 - Textual's name for the mark
        return "X" if self.value else " "


class FormSelect(Select, inherit_bindings=False):
    """A select opened by space, up or down; Enter (once it is closed) goes on to the form: OK."""

    BINDINGS = [Binding("space,down,up", "show_overlay", "Open", show=False)]
