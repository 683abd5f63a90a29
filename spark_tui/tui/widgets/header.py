"""One-line header: profile, tenant, who the backend knows you as, backend and location, connection state.

Fitted to its width, nothing cut silently: the connection state ("no answer for 12s", "unreachable
since …") is always drawn whole; the location gives way first, down to `scheme://host/…` (see
`location_ellipsis`), then the dim labels go, then the location gives way further, and last the line
before the state is cut with "…".
"""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from spark_tui.backends.base import BackendInfo
from spark_tui.tui.fit import ELLIPSIS, fit_end, fit_middle

UNKNOWN_USER = "unknown (own jobs: those submitted here)"
SLOW_S = 3.0  # a backend call taking longer is shown in the header


def _url(value: str) -> tuple[str, str, str] | None:
    """A URL's `scheme://`, host (with its port) and path (from its "/"); None for a location that is no URL."""
    scheme, sep, rest = value.partition("://")
    if not sep or not scheme:
        return None
    host, slash, path = rest.partition("/")
    return scheme + sep, host, slash + path


def location_ellipsis(value: str, width: int) -> str:
    """A backend location in at most `width` cells, "…" standing for what is left out.

    A URL keeps its scheme and host: its path is shortened in the middle (`https://h.example/a…/team`), then
    reduced to "/…"; only when not even `scheme://host/…` fits is the host shortened in the middle, the scheme
    always whole (`https://h.e…ple/…`), down to 4 cells of it; narrower, `https://…`, then just "…". Any other
    location (a workspace path) is shortened in the middle."""
    if cell_len(value) <= width:
        return value
    url = _url(value)
    if url is None:
        return fit_middle(value, width)
    prefix, host, path = url
    room = width - cell_len(prefix) - cell_len(host)
    if path and room >= 4:
        return prefix + host + fit_middle(path, room)
    tail = "/…" if path else ""
    if path and room >= len(tail):
        return prefix + host + tail
    room = width - cell_len(prefix) - len(tail)
    if room >= 4:
        return prefix + fit_middle(host, room) + tail
    if width > cell_len(prefix):
        return prefix + ELLIPSIS
    return fit_end(ELLIPSIS, width)


def location_floor(value: str) -> int:
    """The width below which the header drops its labels to give the location room: a URL's `scheme://host/…`
    (its host whole), twelve cells of a path."""
    url = _url(value)
    floor = cell_len(url[0] + url[1]) + (2 if url[2] else 0) if url else 12
    return min(cell_len(value), floor)


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
        width = self.size.width
        tail = Text.assemble("  ", (state, state_style)) if state else Text()
        room = width - tail.cell_len  # for all but the state
        if room < 2:
            return fit_end(Text(state, state_style), width)
        for labelled in (True, False):  # without the dim labels when the location would have too little room
            parts: list = [(" spark-tui ", "bold reverse"), " "]
            for label, value in values:
                parts += [" ", (f"{label} ", "dim") if labelled else "", (value, "bold"), " "]
            line = Text.assemble(*parts)
            left = room - line.cell_len
            if left >= location_floor(info.location):
                break
        line.append(location_ellipsis(info.location, max(left, 1)))
        return Text.assemble(fit_end(line, room), tail, no_wrap=True)
