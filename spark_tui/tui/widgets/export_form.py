"""The export form: selection summary, typed identifiers and the request options, validated inline."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalGroup, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static

from spark_tui.spark.errors import ValidationFailed
from spark_tui.spark.filenames import package_file_name
from spark_tui.spark.values import FileFilter, VersionFilter
from spark_tui.spark.uri import InvalidReference, parse_service_ref
from spark_tui.tui.widgets.catalog import CatalogTree

if TYPE_CHECKING:
    from spark_tui.spark.export_wire import ExportRequest

_SPLIT = re.compile(r"[\s,;]+")
_FRAME_WAIT = 0.2  # seconds: longest wait for one frame before the next group of fields is mounted


def split_identifiers(text: str) -> list[str]:
    """Identifiers typed in one field, separated by spaces, commas or semicolons."""
    return [part for part in _SPLIT.split(text.strip()) if part]


class FormFields(VerticalGroup):
    """The form's fields: most of the main screen's widgets, so they are mounted after the first frame, a few
    at a time (`groups()`), so that no frame waits for all of them."""

    def __init__(self, dest_dir: Path) -> None:
        super().__init__(id="form-fields")
        self.dest_dir = dest_dir

    def groups(self) -> list[list[Widget]]:
        """The fields' widgets in the order they are shown, in groups of about the same cost to mount."""
        return [
            self._row("Identifiers", self._input("identifiers", placeholder="f/s[1.2]  service-uuid  version/uuid")),
            self._row("File filter", Select([(f.value, f) for f in FileFilter], value=FileFilter.migrate,
                                            allow_blank=False, id="file_filter", compact=True)),
            self._row("Versions", Select([(f.value, f) for f in VersionFilter], value=VersionFilter.all,
                                         allow_blank=False, id="version_filter", compact=True)),
            self._row("Source system", self._input("source_system", placeholder="optional"))
            + self._row("Correlation id", self._input("correlation_id", placeholder="optional")),
            self._row("File name", self._input("file_name", placeholder="package.zip"))
            + self._row("Save to", self._input("dest_dir", value=str(self.dest_dir))),
            [Horizontal(Button("Preview", id="preview", compact=True, tooltip="Dry run: what would be exported (p)"),
                        Button("Export", id="export", variant="primary", compact=True,
                               tooltip="Start the export (e)"),
                        id="form-buttons")],
        ]

    @staticmethod
    def _input(field_id: str, value: str = "", placeholder: str = "") -> Input:
        """A field: keys applied in order, and focusing it keeps the text unselected (the next key types on); a
        placeholder longer than the field ends in "…"."""
        from spark_tui.tui.widgets.fitted import FittedInput  # not at the top: this module is on the start-up path

        return FittedInput(value, placeholder=placeholder, id=field_id, compact=True, select_on_focus=False)

    @staticmethod
    def _row(label: str, field: Widget) -> list[Widget]:
        return [Horizontal(Label(label, classes="form-label"), field, classes="form-row"),
                Static("", id=f"{field.id}-error", classes="form-error")]


class ExportForm(VerticalScroll):
    """Collects an ExportRequest; `request()` returns it, or None after showing every field error.

    The fields are mounted by `mount_fields()`, after the first frame (`ready` tells when); until then
    the form has its summary only, `request()` returns None and `destination()` is the default directory.
    """

    class Action(Message):
        """Preview or Export was pressed."""

        def __init__(self, action: str) -> None:
            super().__init__()
            self.action = action

    def __init__(self, dest_dir: Path, **kwargs) -> None:
        super().__init__(**kwargs)
        self.dest_dir = dest_dir
        self.marks = CatalogTree.MarksChanged([], [], [], {})
        self.ready = False  # whether the fields are mounted

    def compose(self) -> ComposeResult:
        yield Static("Nothing selected: mark folders, services or versions with space, or type identifiers.",
                     id="summary")

    async def mount_fields(self) -> None:
        """Mount the fields, one group per frame (the main screen does, after its first frame); `ready` once all are.

        Await it from a task or worker, not from a callback of the screen: the screen draws no frame until its
        callbacks return.
        """
        if not self.is_attached or self.query(FormFields):  # not when the app quit before its first frame
            return
        fields = FormFields(self.dest_dir)
        await self.mount(fields)
        for group in fields.groups():
            await fields.mount_all(group)
            if not await self._next_frame():
                return
        self.ready = True

    async def _next_frame(self) -> bool:
        """Wait until the screen has drawn what is mounted so far; False if the form is closing.

        Textual queues the callback on the *active* screen: a dialog opened meanwhile (F1 at start-up) takes it
        along when it closes, so the wait is bounded, and skipped while another screen covers the form's.
        """
        if not self.is_attached:
            return False
        if self.screen is not self.app.screen:
            return True
        drawn = asyncio.get_running_loop().create_future()
        if not self.call_after_refresh(lambda: drawn.done() or drawn.set_result(None)):
            return False
        try:
            await asyncio.wait_for(drawn, _FRAME_WAIT)
        except TimeoutError:
            pass
        return self.is_attached

    # --- validation --------------------------------------------------------------------------

    def _set_error(self, field_id: str, message: str | None) -> bool:
        error = self.query_one(f"#{field_id}-error", Static)
        error.update(Text(f"↳ {message}") if message else "")
        error.set_class(bool(message), "-shown")
        self.query_one(f"#{field_id}").set_class(bool(message), "-invalid")
        return message is None

    def _check_identifiers(self) -> bool:
        for text in split_identifiers(self.query_one("#identifiers", Input).value):
            try:
                parse_service_ref(text)
            except InvalidReference as exc:
                return self._set_error("identifiers", str(exc))
        return self._set_error("identifiers", None)

    def _check_file_name(self) -> bool:
        value = self.query_one("#file_name", Input).value
        try:
            package_file_name(value or None)
        except ValidationFailed as exc:
            return self._set_error("file_name", exc.message)
        return self._set_error("file_name", None)

    def _check_dest_dir(self) -> bool:
        value = self.query_one("#dest_dir", Input).value.strip()
        path = Path(value).expanduser() if value else None
        if path is None:
            return self._set_error("dest_dir", "empty: give the directory the package is saved to")
        if not path.is_dir():
            return self._set_error("dest_dir", f"'{value}' is not an existing directory; create it or pick another")
        return self._set_error("dest_dir", None)

    def _check_version_filter(self) -> bool:
        if not self.ready:
            return True
        if self.query_one("#version_filter", Select).value is not VersionFilter.latest:
            return self._set_error("version_filter", None)
        specific = list(self.marks.version_ids)
        for text in split_identifiers(self.query_one("#identifiers", Input).value):
            try:
                if parse_service_ref(text).names_specific_version:
                    specific.append(text)
            except InvalidReference:
                continue
        if specific:
            return self._set_error("version_filter", f"'latest' cannot be combined with a specific version "
                                                     f"({len(specific)} selected); use 'all' or unmark them")
        return self._set_error("version_filter", None)

    def show_error(self, field_id: str, message: str) -> None:
        """Show a problem found outside the form (e.g. the package name is taken) under the field."""
        self._set_error(field_id, message)

    def set_file_name(self, name: str) -> None:
        self.query_one("#file_name", Input).value = name

    def validate_all(self) -> bool:
        checks = [self._check_identifiers(), self._check_file_name(), self._check_dest_dir(),
                  self._check_version_filter()]
        return all(checks)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        checks = {"identifiers": self._check_identifiers, "file_name": self._check_file_name,
                  "dest_dir": self._check_dest_dir}
        if (check := checks.get(event.input.id or "")) is not None:
            check()
        if event.input.id == "identifiers":
            self._check_version_filter()
            self._update_summary()

    @on(Select.Changed, "#version_filter")
    def _version_filter_changed(self) -> None:
        self._check_version_filter()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Action(event.button.id or ""))

    # --- selection -----------------------------------------------------------------------------

    def set_marks(self, marks: CatalogTree.MarksChanged) -> None:
        self.marks = marks
        self._update_summary()
        self._check_version_filter()

    def _update_summary(self) -> None:
        m = self.marks
        typed = split_identifiers(self.query_one("#identifiers", Input).value) if self.ready else []
        parts = [f"{len(values)} {name}{'s' * (len(values) != 1)}"
                 for name, values in (("folder", m.folders), ("service", m.services), ("version", m.version_ids),
                                      ("typed identifier", typed)) if values]
        if not parts:
            text = Text("Nothing selected: mark folders, services or versions with space, or type identifiers.")
        else:
            names = ", ".join(list(m.labels.values())[:4] + typed[:2])
            more = len(m.labels) + len(typed) - min(len(m.labels), 4) - min(len(typed), 2)
            text = Text.assemble(("Selected: ", "bold"), ", ".join(parts), "\n",
                                 (names + (f" +{more} more" if more > 0 else ""), "dim"))
        self.query_one("#summary", Static).update(text)

    # --- result --------------------------------------------------------------------------------

    def request(self) -> ExportRequest | None:
        if not self.ready or not self.validate_all():
            return None
        from spark_tui.spark.export_wire import ExportInputs, ExportRequest

        def text(field_id: str) -> str | None:
            return self.query_one(f"#{field_id}", Input).value.strip() or None

        services = list(self.marks.services) + split_identifiers(self.query_one("#identifiers", Input).value)
        return ExportRequest(
            inputs=ExportInputs(folders=list(self.marks.folders), services=services,
                                version_ids=list(self.marks.version_ids)),
            file_filter=self.query_one("#file_filter", Select).value,
            version_filter=self.query_one("#version_filter", Select).value,
            source_system=text("source_system"), correlation_id=text("correlation_id"),
            file_name=text("file_name"),
        )

    def destination(self) -> Path:
        if not self.ready:
            return self.dest_dir
        return Path(self.query_one("#dest_dir", Input).value.strip()).expanduser()
