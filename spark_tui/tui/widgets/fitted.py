"""Text fitted to its widget's width by tui/fit.py where CSS `text-overflow: ellipsis` cannot do it: a line holding
an id or a path is shortened in the middle (both its ends tell it apart), and an input's placeholder (which Textual
wraps, showing its first line: cut mid-sentence) ends in "…"."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.widgets import Input, Static

from spark_tui.tui.fit import fit_end, fit_middle


class FittedLine(Static):
    """A Static of one line: its content (a str, taken as plain text, or a Text) drawn through `fitter` at the
    width it has (`fit_middle`, `fit_end`, or any `(Text, width) -> Text`); `content` stays the whole value."""

    DEFAULT_CSS = "FittedLine { height: 1; }"

    def __init__(self, content: str | Text = "", *, fitter: Callable = fit_middle, **kwargs) -> None:
        super().__init__(content, markup=False, **kwargs)
        self.fitter = fitter

    def render(self) -> Text:
        value = self.content
        return self.fitter(value if isinstance(value, Text) else Text(str(value)), self.content_size.width)


class FittedInput(Input):
    """An Input whose placeholder ends in "…" when it is longer than the field; `whole_placeholder` is all of it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.whole_placeholder = self.placeholder

    def on_resize(self) -> None:
        self.placeholder = fit_end(self.whole_placeholder, self.scrollable_content_region.width)
