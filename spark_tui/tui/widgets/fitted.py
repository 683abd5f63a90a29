"""One line of text fitted to its width by tui/fit.py: a line holding an id or a path is shortened in the middle
(both its ends tell it apart), which CSS `text-overflow: ellipsis` (the end goes) cannot do."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.widgets import Static

from spark_tui.tui.fit import fit_middle


class FittedLine(Static):
    """A Static of one line: its content (a str, taken as plain text, or a Text) drawn through `fitter`
    (`fit_middle` or `fit_end`) at the width it has; `content` stays the whole value."""

    DEFAULT_CSS = "FittedLine { height: 1; }"

    def __init__(self, content: str | Text = "", *, fitter: Callable = fit_middle, **kwargs) -> None:
        super().__init__(content, markup=False, **kwargs)
        self.fitter = fitter

    def render(self) -> Text:
        value = self.content
        return self.fitter(value if isinstance(value, Text) else Text(str(value)), self.content_size.width)
