"""When and how long to wait before retrying an HTTP request: capped exponential backoff + jitter."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Callable

import httpx

RETRY_STATUSES = frozenset({408, 429, 502, 503, 504})
NOT_PROCESSED_STATUSES = frozenset({408, 429, 503})  # the server did not act on the request
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})


@dataclass
class RetryPolicy:
    """`attempts` tries in all; waits `base_s * 2**n` (capped at `cap_s`) with full jitter, or the
    server's `Retry-After` / `x-retry-after` (capped at `max_wait_s`)."""

    attempts: int = 5
    base_s: float = 0.5
    cap_s: float = 8.0
    max_wait_s: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    rand: Callable[[], float] = field(default=random.random)

    def backoff(self, retry: int) -> float:
        """Wait before retry number `retry` (0-based): uniform in [ceiling/2, ceiling]."""
        ceiling = min(self.cap_s, self.base_s * (2**retry))
        return ceiling / 2 + ceiling / 2 * self.rand()

    def wait_for(self, retry: int, response: httpx.Response | None) -> float:
        hinted = server_hint(response) if response is not None else None
        return min(self.max_wait_s, hinted) if hinted is not None else self.backoff(retry)

    def should_retry(self, method: str, *, status: int | None = None, error: Exception | None = None) -> bool:
        """Whether a failed try may be repeated: POST only when the server surely did not act on it."""
        idempotent = method.upper() in IDEMPOTENT
        if error is not None:
            if isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
                return True
            return idempotent and isinstance(error, (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError))
        if status is None:
            return False
        return status in NOT_PROCESSED_STATUSES or (idempotent and status in RETRY_STATUSES)


def server_hint(response: httpx.Response) -> float | None:
    """Seconds the server asks us to wait (`x-retry-after` float, `Retry-After` seconds or date)."""
    for header in ("x-retry-after", "retry-after"):
        value = response.headers.get(header)
        if not value:
            continue
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            continue
    return None
