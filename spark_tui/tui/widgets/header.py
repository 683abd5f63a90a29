"""One-line header: profile, tenant, who the backend knows you as, backend and location, connection state.

Fitted to its width: the location (a workspace path or URL) is shortened in the middle with "…",
then the other parts, so nothing is cut silently.
"""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from spark_tui.backends.base import BackendInfo
from spark_tui.tui.fit import fit_middle

UNKNOWN_USER = "unknown (own jobs: those submitted here)"
SLOW_S = 3.0  # a backend call taking longer is shown in the header


def location_ellipsis(value: str, width: int) -> str:
    """A backend location in `width` cells: a URL keeps its scheme and host and shortens its path."""
    scheme, sep, rest = value.partition("://")
    host, slash, path = rest.partition("/")
    origin = f"{scheme}{sep}{host}"
    if not sep or cell_len(value) <= width or cell_len(origin) + 2 > width:
        return fit_middle(value, width)
    return origin + fit_middle(slash + path, width - cell_len(origin))


class InfoHeader(Widget):
    """Reads `app.backend.info`; call `refresh_info()` after switching profile, `set_connection()` after calls."""

    DEFAULT_CSS = "InfoHeader { height: 1; background: $panel; }"

    def __init__(self, info: BackendInfo | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.info = info  # another profile's backend (a promotion's target); None: the app's backend
        self.error: Exception | None = None
        self.since: datetime | None = None
        self.caller: object | None = None  # what `backend.whoami()` said, once asked
        self.waiting_s = 0.0  # how long the current jobs refresh has waited for the backend
        self.answered = False  # whether the backend has answered (or failed) a jobs refresh yet

    def set_caller(self, caller: object) -> None:
        """Show who the backend knows the caller as (a `Caller`: user or None, and the source of it)."""
        self.caller = caller
        self.refresh()

    def user(self) -> str:
        """The user shown: the learnt identity with its source, the profile's user, or 'unknown'."""
        if self.caller is None:
            return self.app.backend.info.user or UNKNOWN_USER
        user, source = getattr(self.caller, "user", None), getattr(self.caller, "source", "")
        if not user:
            return UNKNOWN_USER
        return f"{user} ({source})" if source and source != "profile" else user

    def refresh_info(self) -> None:
        self.refresh()

    def set_waiting(self, seconds: float) -> None:
        """A backend call has been waiting `seconds`: from SLOW_S on, the header says so (until it answers)."""
        self.waiting_s = seconds
        if seconds >= SLOW_S:
            self.refresh()

    def set_connection(self, error: Exception | None, now: datetime) -> None:
        """Record the outcome of the last backend call: the header says since when the backend is unreachable."""
        if self.waiting_s >= SLOW_S or not self.answered:
            self.refresh()
        self.waiting_s = 0.0
        self.answered = True
        if error is None:
            changed = self.error is not None
            self.error, self.since = None, None
        else:
            changed = self.error is None or str(error) != str(self.error)
            self.since = self.since or now
            self.error = error
        if changed:
            self.refresh()

    def state(self) -> tuple[str, str]:
        """The connection state as (text, style)."""
        if self.waiting_s >= SLOW_S:
            return f"⧗ no answer for {self.waiting_s:.0f}s", "bold reverse"
        if not self.answered:
            return "○ connecting…", "italic"
        if self.error is None:
            return "● online", "bold"
        since = self.since.astimezone().strftime("%H:%M:%S") if self.since else "?"
        return f"✗ unreachable since {since}, retrying", "bold reverse"

    def _main(self) -> InfoHeader:
        """The main screen's header, which follows the backend: other screens' headers show what it knows."""
        main = self.app.main
        return self if self.screen is main else main.query_one(InfoHeader)

    def render(self) -> Text:
        info = self.info or self.app.backend.info
        main = self._main()
        state, state_style = main.state() if self.info is None else ("", "")
        user = main.user() if self.info is None else (info.user or UNKNOWN_USER)
        values = [("profile", info.profile), ("tenant", info.tenant), ("user", user), ("backend", info.kind)]
        tail = ["  ", (state, state_style)]
        text = Text()
        for labelled in (True, False):  # without the dim labels when the line is narrow
            parts: list = [(" spark-tui ", "bold reverse"), " "]
            for label, value in values:
                parts += [" ", (f"{label} ", "dim") if labelled else "", (value, "bold"), " "]
            room = self.size.width - Text.assemble(*parts, *tail).cell_len
            if room > 8 or not labelled:
                location = location_ellipsis(info.location, room) if room > 8 else ""
                text = Text.assemble(*parts, location, *tail, no_wrap=True, overflow="ellipsis")
                break
        text.truncate(self.size.width, overflow="ellipsis")
        return text
