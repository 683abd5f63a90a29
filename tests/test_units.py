"""Bytes and durations read the same in the TUI and in --batch (one module, one style)."""

from __future__ import annotations

from spark_tui.units import duration, human_bytes


def test_durations_are_compact_from_milliseconds_to_hours() -> None:
    assert [duration(ms) for ms in (None, 0, 45, 999, 1000, 59_949, 83_250, 3_599_999, 3_720_000)] == [
        "—", "0ms", "45ms", "999ms", "1.0s", "59.9s", "1m23s", "59m59s", "1h02m"]


def test_sizes_are_binary_units_with_exact_bytes_below_one_kib() -> None:
    assert [human_bytes(n) for n in (None, 0, 1023, 1024, 1536, 5 * 2**20, 3 * 2**30, 2**50)] == [
        "—", "0 B", "1023 B", "1.0 KiB", "1.5 KiB", "5.0 MiB", "3.0 GiB", "1048576.0 GiB"]


def test_the_faces_use_the_one_module() -> None:
    from spark_tui.batch import output, progress
    from spark_tui.tui import formatting

    assert output.duration is formatting.duration is progress.duration is duration
    assert output.human_bytes is formatting.human_bytes is progress.human_bytes is human_bytes
