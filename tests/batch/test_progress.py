"""Progress rendering: a bar with bytes, % and ETA on a terminal; sparse plain lines otherwise."""

from __future__ import annotations

import io

from spark_tui.batch.progress import Progress, for_stream
from spark_tui.spark.export_wire import ExportJob, JobProgress
from spark_tui.spark.values import JobStatus


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def job(status: str, done: int = 0, total: int = 0) -> ExportJob:
    return ExportJob(id="j1", response_timestamp="t", status=JobStatus(status),
                     progress=JobProgress(bytes_done=done, bytes_total=total))


def test_plain_lines_on_state_change_and_every_five_seconds() -> None:
    out, clock = io.StringIO(), Clock()
    p = Progress(out, tty=False, clock=clock)
    p.job(job("created"))
    clock.now = 1
    p.job(job("in_progress", 0, 4 * 1024 * 1024))
    for t in (2, 3, 4, 5):
        clock.now = t
        p.job(job("in_progress", (t - 1) * 1024 * 1024 // 2, 4 * 1024 * 1024))
    clock.now = 6.1
    p.job(job("in_progress", 3 * 1024 * 1024, 4 * 1024 * 1024))
    clock.now = 7
    p.job(job("closed", 4 * 1024 * 1024, 4 * 1024 * 1024))
    lines = out.getvalue().splitlines()
    assert lines == [
        "job j1: created",
        "job j1: in_progress 0 B / 4.0 MiB (0%)",
        "job j1: in_progress 3.0 MiB / 4.0 MiB (75%) ETA 2.0s",
        "job j1: closed 4.0 MiB / 4.0 MiB (100%)",
    ]
    assert "\r" not in out.getvalue()


def test_tty_bar_shows_bytes_percentage_and_eta() -> None:
    out, clock = io.StringIO(), Clock()
    p = Progress(out, tty=True, clock=clock)
    p.download(0, 1000)
    clock.now = 1
    p.download(250, 1000)
    text = out.getvalue()
    assert text.startswith("\rdownload: transferring [")
    last = text.split("\r")[-1]
    assert " 25%" in last and "250 B / 1000 B" in last and "ETA 3.0s" in last
    assert last.count("#") == 6
    p.finish()
    assert out.getvalue().endswith("\n")


def test_tty_bar_redraws_are_throttled() -> None:
    out, clock = io.StringIO(), Clock()
    p = Progress(out, tty=True, clock=clock)
    for i in range(100):
        p.download(i, 1000)
    assert out.getvalue().count("\r") == 1
    p.download(1000, 1000)
    assert out.getvalue().count("\r") == 2


def test_for_stream_detects_a_terminal() -> None:
    assert for_stream(io.StringIO()).tty is False

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert for_stream(Tty()).tty is True
