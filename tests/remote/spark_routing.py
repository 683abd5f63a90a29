"""An httpx transport that sends requests for a Spark host to a local `spark-tui serve` instead.

The official SDK only accepts `https://*.coherent.global` base URLs; give its `httpx.Client` this
transport and its requests reach the loopback server unchanged apart from scheme, host and port.
"""

from __future__ import annotations

import httpx


class RoutingTransport(httpx.BaseTransport):
    def __init__(self, spark_origin: str, local_origin: str) -> None:
        self.spark = httpx.URL(spark_origin)
        self.local = httpx.URL(local_origin)
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == self.spark.host:
            url = request.url.copy_with(scheme=self.local.scheme, host=self.local.host, port=self.local.port)
            headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"host"]
            request = httpx.Request(request.method, url, headers=headers, content=request.read())
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()
