"""Expiring HMAC-signed download links: `?token=…&expires=…` work without an auth header."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Callable

from spark_tui.spark.errors import excerpt


class LinkSigner:
    """Signs (tenant, job id, expiry) with a key that is random per server start unless given."""

    def __init__(self, key: bytes | None = None, ttl_s: int = 3600, clock: Callable[[], float] = time.time) -> None:
        self._key = key or secrets.token_bytes(32)
        self.ttl_s = ttl_s
        self._clock = clock

    def __repr__(self) -> str:
        return f"LinkSigner(ttl_s={self.ttl_s})"

    def _digest(self, tenant: str, job_id: str, expires: int) -> str:
        message = f"{tenant}\n{job_id}\n{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def sign(self, tenant: str, job_id: str) -> dict[str, str]:
        """Query parameters of a link valid for `ttl_s` seconds from now."""
        expires = int(self._clock()) + self.ttl_s
        return {"token": self._digest(tenant, job_id, expires), "expires": str(expires)}

    def check(self, tenant: str, job_id: str, token: str, expires: str) -> str | None:
        """None when the link is valid, else the reason it is not."""
        try:
            when = int(expires)
        except ValueError:
            return f"malformed expires '{excerpt(expires)}' in the download link"
        # bytes, not str: compare_digest refuses non-ASCII str (a forged token may hold any text)
        if not hmac.compare_digest(self._digest(tenant, job_id, when).encode(), token.encode("utf-8", "replace")):
            return "invalid download link signature; ask for the job status again for a fresh link"
        if when < self._clock():
            return "the download link has expired; ask for the job status again for a fresh link"
        return None
