"""An httpx transport that builds the verifying TLS transport only when an https URL is used.

Loading the CA bundle costs ~50 ms at client creation; a `spark-tui serve` profile on plain
http (and every command start) should not pay it. https requests are verified exactly as
httpx's default transport verifies them.
"""

from __future__ import annotations

import threading

import httpx


class LazyTLSTransport(httpx.BaseTransport):
    def __init__(self) -> None:
        self._plain = httpx.HTTPTransport(verify=False)  # used for http:// only: no TLS happens
        self._tls: httpx.HTTPTransport | None = None
        self._lock = threading.Lock()

    def _secure(self) -> httpx.HTTPTransport:
        with self._lock:
            if self._tls is None:
                self._tls = httpx.HTTPTransport()
            return self._tls

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https":
            return self._secure().handle_request(request)
        return self._plain.handle_request(request)

    def close(self) -> None:
        self._plain.close()
        with self._lock:
            if self._tls is not None:
                self._tls.close()
