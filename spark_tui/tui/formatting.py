"""Small text formatters shared by the TUI widgets (sizes, durations, timestamps, job fields)."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import unquote, urlparse

from spark_tui.spark.models import ExportJob, JobStatus

STATUS_STYLES: dict[str, str] = {
    JobStatus.created.value: "bold yellow",
    JobStatus.in_progress.value: "bold cyan",
    JobStatus.closed.value: "bold green",
    JobStatus.failed.value: "bold red",
    JobStatus.closed_by_timeout.value: "bold red",
    JobStatus.cancelled.value: "dim",
    "queued": "italic yellow",
}


def human_bytes(size: int | None) -> str:
    """1536 -> '1.5 KiB'; None -> '—'."""
    if size is None:
        return "—"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def duration(ms: int | float | None) -> str:
    """Milliseconds as '850ms', '12.3s', '4m05s' or '1h02m'."""
    if ms is None:
        return "—"
    if ms < 1000:
        return f"{int(ms)}ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, sec = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


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
    """Process time of a finished job; time since creation for a running one."""
    if job.status.is_terminal or job.progress is None:
        return job.process_time
    created = parse_ts(job.progress.created_timestamp)
    if created is None:
        return job.process_time
    now = now or datetime.now(timezone.utc)
    return max(job.process_time, int((now - created).total_seconds() * 1000))


def progress_pct(job: ExportJob) -> str:
    if job.status is JobStatus.closed:
        return "100%"
    p = job.progress
    if p is None or not p.bytes_total:
        return "—" if job.status.is_terminal else "0%"
    return f"{min(100, p.bytes_done * 100 // p.bytes_total)}%"


def package_path(job: ExportJob) -> str | None:
    """The local path (file:// URL) or URL of the job's package, if it has one."""
    files = job.outputs.files or []
    if not files:
        return None
    url = files[0].file
    parsed = urlparse(url)
    return unquote(parsed.path) if parsed.scheme == "file" else url


def package_hash(job: ExportJob) -> str | None:
    files = job.outputs.files or []
    return files[0].file_hash if files else None


def file_name(job: ExportJob) -> str:
    if job.progress and job.progress.file_name:
        return job.progress.file_name
    path = package_path(job)
    return path.rsplit("/", 1)[-1] if path else "—"


def package_size(job: ExportJob) -> int | None:
    if job.progress is None:
        return None
    return job.progress.package_bytes if job.progress.package_bytes is not None else (job.progress.bytes_total or None)
