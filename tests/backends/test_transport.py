"""LazyTLSTransport: the verifying TLS transport is built on the first https request only."""

from __future__ import annotations

import ssl

import httpx
import pytest

from spark_tui.backends.transport import LazyTLSTransport


def test_https_builds_a_verifying_transport_once() -> None:
    transport = LazyTLSTransport()
    assert transport._tls is None
    for _ in range(2):
        with pytest.raises(httpx.ConnectError):
            transport.handle_request(httpx.Request("GET", "https://127.0.0.1:9/"))  # discard port: refused
    tls = transport._tls
    assert tls is not None and transport._secure() is tls
    context = tls._pool._ssl_context
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    transport.close()
