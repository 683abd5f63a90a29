"""Bytes and durations for people, one style for every face: `1.5 KiB`, `850ms`, `12.3s`, `4m05s`, `1h02m`.

Durations are compact (no space before the unit) so they fit the TUI's narrow table columns and
read the same in `--batch` output; an unknown value is `—`.
"""

from __future__ import annotations

UNKNOWN = "—"


def human_bytes(size: int | None) -> str:
    """1536 → `1.5 KiB`; exact bytes below 1 KiB; GiB is the largest unit."""
    if size is None:
        return UNKNOWN
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def duration(ms: int | float | None) -> str:
    """Milliseconds as `850ms` below a second, `12.3s` below a minute, then `4m05s`, then `1h02m`."""
    if ms is None:
        return UNKNOWN
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
