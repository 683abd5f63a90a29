"""Hand chunks from a producer (the network) to a consumer (hash + disk) running in a helper
thread, so hashing and writing overlap the transfer instead of alternating with it."""

from __future__ import annotations

import queue
import threading
from typing import Callable, Iterable

DEPTH = 4  # chunks in flight: bounds the memory held (4 × 256 KiB)


def pump(chunks: Iterable[bytes], consume: Callable[[bytes], None]) -> None:
    """`consume(chunk)` for every chunk, in order, in a helper thread. An exception of either side
    is raised here once both have stopped; a failed consumer stops the producer at the next chunk."""
    pending: queue.Queue[bytes | None] = queue.Queue(maxsize=DEPTH)
    failed: list[BaseException] = []

    def drain() -> None:
        while (chunk := pending.get()) is not None:
            if failed:
                continue  # keep taking chunks so the producer never blocks
            try:
                consume(chunk)
            except BaseException as exc:  # re-raised in the caller's thread
                failed.append(exc)

    worker = threading.Thread(target=drain, name="download-writer", daemon=True)
    worker.start()
    try:
        for chunk in chunks:
            if failed:
                break
            pending.put(chunk)
    finally:
        pending.put(None)
        worker.join()
    if failed:
        raise failed[0]
