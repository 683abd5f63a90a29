"""pump: chunks reach the consumer in order in a helper thread; a failure on either side is raised."""

from __future__ import annotations

import threading
from typing import Iterator

import pytest

from spark_tui.backends.pump import DEPTH, pump


def test_every_chunk_in_order_in_another_thread() -> None:
    got: list[bytes] = []
    threads: set[str] = set()

    def consume(chunk: bytes) -> None:
        got.append(chunk)
        threads.add(threading.current_thread().name)

    chunks = [bytes([i]) * 10 for i in range(100)]
    pump(iter(chunks), consume)
    assert got == chunks and threads == {"download-writer"}


def test_a_failing_consumer_stops_the_producer() -> None:
    produced = 0

    def producer() -> Iterator[bytes]:
        nonlocal produced
        for _ in range(10_000):
            produced += 1
            yield b"x"

    def consume(chunk: bytes) -> None:
        raise InterruptedError("cancelled")

    with pytest.raises(InterruptedError, match="cancelled"):
        pump(producer(), consume)
    assert produced <= DEPTH + 4  # at most a full queue beyond the failing chunk


def test_a_failing_producer_is_raised_after_the_consumer_finished() -> None:
    got: list[bytes] = []

    def producer() -> Iterator[bytes]:
        yield b"a"
        yield b"b"
        raise ConnectionError("transfer broke")

    with pytest.raises(ConnectionError, match="transfer broke"):
        pump(producer(), got.append)
    assert got == [b"a", b"b"]
    assert not any(t.name == "download-writer" for t in threading.enumerate())
