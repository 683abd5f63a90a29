"""Small text formatters shared by the TUI widgets (sizes, durations, timestamps, job fields)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from rich.text import Text

from spark_tui.spark.values import JobStatus
from spark_tui.units import duration, human_bytes  # the widgets take them from here

if TYPE_CHECKING:
    from spark_tui.spark.export_wire import ExportJob, JobProgress

STATUS_STYLES: dict[str, str] = {
    JobStatus.created.value: "bold yellow",
    JobStatus.in_progress.value: "bold cyan",
    JobStatus.closed.value: "bold green",
    JobStatus.failed.value: "bold red reverse",
    JobStatus.closed_by_timeout.value: "bold red reverse",
    JobStatus.cancelled.value: "italic",
    "queued": "italic yellow",
}
# A mark before each status, so that it reads without colour (NO_COLOR, monochrome terminals).
STATUS_MARKS: dict[str, str] = {
    JobStatus.created.value: "○",
    JobStatus.in_progress.value: "◐",
    JobStatus.closed.value: "✓",
    JobStatus.failed.value: "✗",
    JobStatus.closed_by_timeout.value: "✗",
    JobStatus.cancelled.value: "⊘",
    "queued": "…",
}


TEXT_CUES = {"bold", "italic", "reverse", "underline", "dim"}


def cue(style: str, no_color: bool) -> str:
    """`style`, or with colours off (NO_COLOR) only its text cues (bold, italic, reverse…): a colour turned grey
    would hide what it marks (red on a dark background)."""
    return " ".join(word for word in style.split() if word in TEXT_CUES) if no_color else style


def status_text(status: str, no_color: bool = False) -> Text:
    """A job status with its mark and style: `✓ closed`, `✗ failed` (bold, reversed), …"""
    return Text(f"{STATUS_MARKS.get(status, '?')} {status}", style=cue(STATUS_STYLES.get(status, ""), no_color))


def throughput(job: ExportJob, elapsed: int) -> str:
    """Bytes per second and the time left while a job runs: '1.2 MiB/s · ETA 12.0s' (or '—')."""
    p = progress_of(job)
    if job.status.is_terminal or p is None or not p.bytes_total or not p.bytes_done or elapsed <= 0:
        return "—"
    rate = p.bytes_done * 1000 / elapsed
    left = max(0, p.bytes_total - p.bytes_done) / rate * 1000
    return f"{human_bytes(int(rate))}/s · ETA {duration(left)}"


def is_import(job: object) -> bool:
    """Whether a job is an import job (the jobs table lists export and import jobs)."""
    return getattr(job, "object", "export") == "import"


def progress_of(job: object) -> JobProgress | None:
    """The spark-tui progress extension of a job (import jobs and real Spark jobs have none)."""
    return getattr(job, "progress", None)


def parse_ts(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def clock(text: str | None) -> str:
    """An ISO timestamp as local 'HH:MM:SS' (or '—')."""
    ts = parse_ts(text)
    return ts.astimezone().strftime("%H:%M:%S") if ts else "—"


def elapsed_ms(job: ExportJob, now: datetime | None = None) -> int:
    """Wall time: from creation to the end of a finished job, to `now` for a running one (the job's process time
    leaves out its wait for the job slot). The process time when the backend gives no creation or end time."""
    progress = progress_of(job)
    created = parse_ts(progress.created_timestamp) if progress else None
    if created is None:
        return job.process_time
    if job.status.is_terminal:
        finished = parse_ts(progress.finished_timestamp)
        return max(0, int((finished - created).total_seconds() * 1000)) if finished else job.process_time
    now = now or datetime.now(timezone.utc)
    return max(job.process_time, int((now - created).total_seconds() * 1000))


def progress_pct(job: ExportJob) -> str:
    if job.status is JobStatus.closed:
        return "100%"
    p = progress_of(job)
    if p is None or not p.bytes_total:
        return "—" if job.status.is_terminal else "0%"
    return f"{min(100, p.bytes_done * 100 // p.bytes_total)}%"


def package_path(job: ExportJob) -> str | None:
    """The local path (file:// URL) or URL of the job's package, if it has one."""
    files = getattr(job.outputs, "files", None) or []
    if not files:
        return None
    url = files[0].file
    parsed = urlparse(url)
    return unquote(parsed.path) if parsed.scheme == "file" else url


def package_hash(job: ExportJob) -> str | None:
    files = getattr(job.outputs, "files", None) or []
    return files[0].file_hash if files else None


def file_name(job: ExportJob) -> str:
    if (p := progress_of(job)) and p.file_name:
        return p.file_name
    path = package_path(job)
    return path.rsplit("/", 1)[-1] if path else "—"


def package_size(job: ExportJob) -> int | None:
    if (p := progress_of(job)) is None:
        return None
    return p.package_bytes if p.package_bytes is not None else (p.bytes_total or None)


def tab_strip(tabs: tuple[tuple[str, str], ...] | list[tuple[str, str]], current: str) -> Text:
    """The one-line tab bar of a screen with tabs: each (name, label), the current one reversed."""
    text = Text()
    for name, label in tabs:
        text.append(f" {label} ", style="bold reverse" if name == current else "dim")
        text.append(" ")
    return text
