"""Progress on stderr: a live bar (bytes, %, ETA) on a terminal, plain lines otherwise.

Plain mode prints one line per state change and one every `every_s` seconds while nothing
changes, so CI logs show that the job is alive without flooding them.
"""

from __future__ import annotations

import time
from typing import Callable, TextIO

from spark_tui.spark.import_wire import ImportJob
from spark_tui.spark.export_wire import ExportJob
from spark_tui.units import duration, human_bytes

Clock = Callable[[], float]


class _Rate:
    """Bytes/second since the first sample of a phase, for the ETA."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.start: tuple[float, int] | None = None

    def eta(self, done: int, total: int) -> float | None:
        now = self.clock()
        if self.start is None:
            self.start = (now, done)
            return None
        elapsed, gained = now - self.start[0], done - self.start[1]
        if elapsed <= 0 or gained <= 0 or total <= done:
            return None
        return (total - done) / (gained / elapsed)


def _eta_text(seconds: float | None) -> str:
    if seconds is None:
        return "--"
    return duration(round(seconds) * 1000)


class Progress:
    """Receives job updates and download progress; renders them for a terminal or a log."""

    def __init__(self, stream: TextIO, *, tty: bool, clock: Clock = time.monotonic, every_s: float = 5.0) -> None:
        self.stream, self.tty, self.clock, self.every_s = stream, tty, clock, every_s
        self.phase = ""
        self.state = ""
        self.last_line = float("-inf")
        self.last_text = ""
        self.rate = _Rate(clock)
        self.width = 0
        self.last_draw = float("-inf")

    # --- events ------------------------------------------------------------------------------

    def job(self, job: ExportJob | ImportJob) -> None:
        p = job.progress
        self._show(f"job {job.id}", job.status.value, p.bytes_done if p else 0, p.bytes_total if p else 0)

    def download(self, done: int, total: int) -> None:
        self._show("download", "transferring", done, total)

    def upload(self, done: int, total: int) -> None:
        self._show("upload", "transferring", done, total)

    def finish(self) -> None:
        """End the bar's line (plain mode needs nothing)."""
        if self.tty and self.width:
            self.stream.write("\n")
            self.stream.flush()
            self.width = 0

    # --- rendering ---------------------------------------------------------------------------

    def _show(self, phase: str, state: str, done: int, total: int) -> None:
        if phase != self.phase:
            self.finish()
            self.phase, self.rate = phase, _Rate(self.clock)
        changed = state != self.state
        self.state = state
        eta = self.rate.eta(done, total) if total else None
        if self.tty:
            if changed or done >= total or self.clock() - self.last_draw >= 0.1:
                self.last_draw = self.clock()
                self._bar(phase, state, done, total, eta)
        elif changed or (total and done >= total) or self.clock() - self.last_line >= self.every_s:
            amount = f" {human_bytes(done)} / {human_bytes(total)} ({100 * done // total}%)" if total else ""
            line = f"{phase}: {state}{amount}"
            if line != self.last_text or not (total and done >= total):
                self.last_line, self.last_text = self.clock(), line
                self.stream.write(f"{line}{f' ETA {_eta_text(eta)}' if eta else ''}\n")
                self.stream.flush()

    def _bar(self, phase: str, state: str, done: int, total: int, eta: float | None) -> None:
        cells = 24
        if total:
            filled = min(cells, cells * done // total)
            detail = f"[{'#' * filled}{'-' * (cells - filled)}] {100 * done // total:3d}%  " \
                     f"{human_bytes(done)} / {human_bytes(total)}  ETA {_eta_text(eta)}"
        else:
            detail = ""
        line = f"{phase}: {state} {detail}".rstrip()
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = len(line)


def for_stream(stream: TextIO) -> Progress:
    """A bar when `stream` is a terminal, plain lines otherwise."""
    isatty = getattr(stream, "isatty", None)
    return Progress(stream, tty=bool(isatty and isatty()))
