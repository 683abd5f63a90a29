"""The routes clients poll (job and tenant-wide status) run on one thread of their own.

Starlette runs each sync route on a thread of a 40-thread pool: fifty pollers then kept forty threads
switching the GIL, which cost more of the server's CPU than the answers, and a burst of polls held the
threads that imports, exports and downloads need. The answers are short reads (WAL readers never wait
for a writer), so one thread serves them in turn (bench_serve_load, 50 pollers and 5 writers, quiet
machine: 2.2 ms of serve CPU per request, 390 req/s, p99 0.6 s on the shared pool; 1.3 ms, 550–585 req/s,
p99 0.2 s on one thread of their own; two threads gave 1.8 ms and p99 0.4–0.5 s).
"""

from __future__ import annotations

from functools import partial
from typing import Callable, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from anyio.lowlevel import RunVar

POLL_THREADS = 1
T = TypeVar("T")
_limiter: RunVar[CapacityLimiter] = RunVar("spark_tui_poll_limiter")  # one per event loop, as anyio's own


async def run_polled(fn: Callable[..., T], *args: object) -> T:
    """`fn(*args)` on the polling pool."""
    try:
        limiter = _limiter.get()
    except LookupError:
        limiter = CapacityLimiter(POLL_THREADS)
        _limiter.set(limiter)
    return await anyio.to_thread.run_sync(partial(fn, *args), limiter=limiter)
