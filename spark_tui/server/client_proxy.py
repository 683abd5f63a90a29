"""`serve --client-proxy PORT`: the official clients reach serve as if it were Spark.

`cspark` (CLI and SDK) accepts only `https://<service>.<env>.coherent.global` base URLs. With
`HTTPS_PROXY=http://127.0.0.1:PORT` and `SSL_CERT_FILE=<ca.pem>`, its requests arrive here as
`CONNECT host:443`. Only `excel.<env>.coherent.global` (the API) and `keycloak.<env>.coherent.global`
(its OAuth2 token endpoint only) are accepted; TLS is terminated with a leaf certificate of the
local CA (client_ca.py), and each request is forwarded over loopback HTTP to serve's own socket
with `X-Forwarded-Proto: https` (so links point back at the https host). Every other host is
refused: this is not an open proxy. One request per tunnel (`Connection: close`), which keeps the
forwarding a byte copy with no HTTP state to track.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from pathlib import Path

from spark_tui.server.client_ca import ClientCA
from spark_tui.server.context import PROXY_HEADER

SERVED_HOST = re.compile(r"^(excel|keycloak)\.((?:[a-z0-9-]+\.)?[a-z0-9-]+)\.coherent\.global$", re.IGNORECASE)
TOKEN_PATH = re.compile(r"^/auth/realms/[^/?#]+/protocol/openid-connect/token(?:\?.*)?$")
HEAD_TIMEOUT_S = 30.0
HEAD_LIMIT = 64 * 1024
_HOP_HEADERS = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "upgrade",
                "x-forwarded-proto", "x-forwarded-for", "x-forwarded-host", PROXY_HEADER}
_COPY = 256 * 1024


def client_base_url(tenant: str) -> str:
    """The base URL a client gives `cspark` to reach this server through the proxy."""
    return f"https://excel.local.coherent.global/{tenant}"


class ClientProxy:
    """The proxy on a loopback socket, served by an asyncio loop in a daemon thread."""

    def __init__(self, ca: ClientCA, sock: socket.socket, upstream: tuple[str, int], secret: str) -> None:
        self.ca, self.upstream, self.secret = ca, upstream, secret
        self._sock = sock
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stopped: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="client-proxy", daemon=True)

    @property
    def port(self) -> int:
        return self._sock.getsockname()[1]

    def start(self) -> None:
        self._thread.start()
        self._ready.wait()

    def stop(self) -> None:
        if self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())
        self._loop.close()

    async def _main(self) -> None:
        self._stopped = asyncio.Event()
        server = await asyncio.start_server(self._connection, sock=self._sock, limit=HEAD_LIMIT)
        self._ready.set()
        async with server:
            await self._stopped.wait()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._tunnel(reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ValueError):
            pass  # the client went away or spoke nonsense: nothing to answer
        finally:
            writer.close()

    async def _tunnel(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT_S)
        method, _, rest = head.split(b"\r\n", 1)[0].decode("latin-1").partition(" ")
        target = rest.rpartition(" ")[0]
        host, _, port = target.rpartition(":")
        if method != "CONNECT":
            return await _answer(writer, 405, "this proxy only tunnels CONNECT to excel.<env>.coherent.global and "
                                 "keycloak.<env>.coherent.global (spark-tui serve --client-proxy)")
        served = SERVED_HOST.match(host)
        if served is None or port != "443":
            return await _answer(writer, 403, f"spark-tui serve --client-proxy does not reach {target!r}: it only serves "
                                 "excel.<env>.coherent.global:443 and keycloak.<env>.coherent.global:443 (not an open proxy)")
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await writer.start_tls(self.ca.context_for(host.lower()))
        await self._forward(reader, writer, token_only=served.group(1).lower() == "keycloak")

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, token_only: bool) -> None:
        """One request from the tunnel to serve's socket, and its answer back."""
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT_S)
        request_line, *lines = head[:-4].decode("latin-1").split("\r\n")
        method, path, _ = request_line.split(" ", 2)
        if token_only and not (method == "POST" and TOKEN_PATH.match(path)):
            return await _answer(writer, 404, "the keycloak host of spark-tui serve answers only "
                                 "POST /auth/realms/{tenant}/protocol/openid-connect/token")
        headers = [(name.strip(), value.strip()) for name, _, value in (line.partition(":") for line in lines)]
        kept = [(n, v) for n, v in headers if n.lower() not in _HOP_HEADERS]
        peer = writer.get_extra_info("peername")
        kept += [("X-Forwarded-Proto", "https"), ("X-Forwarded-For", peer[0] if peer else "127.0.0.1"),
                 (PROXY_HEADER, self.secret), ("Connection", "close")]
        length = next((int(v) for n, v in headers if n.lower() == "content-length"), 0)
        chunked = any(n.lower() == "transfer-encoding" and "chunked" in v.lower() for n, v in headers)
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        try:
            up_writer.write(f"{request_line}\r\n".encode("latin-1"))
            up_writer.write("".join(f"{n}: {v}\r\n" for n, v in kept).encode("latin-1") + b"\r\n")
            if chunked:
                await _copy_chunked(reader, up_writer)
            else:
                await _copy_exact(reader, up_writer, length)
            await up_writer.drain()
            while chunk := await up_reader.read(_COPY):  # serve closes after the answer (Connection: close)
                writer.write(chunk)
                await writer.drain()
        finally:
            up_writer.close()


async def _copy_exact(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, count: int) -> None:
    while count > 0:
        chunk = await reader.read(min(count, _COPY))
        if not chunk:
            raise asyncio.IncompleteReadError(b"", count)
        writer.write(chunk)
        await writer.drain()
        count -= len(chunk)


async def _copy_chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A `Transfer-Encoding: chunked` body, copied as is up to its last chunk and trailers."""
    while True:
        line = await reader.readuntil(b"\r\n")
        writer.write(line)
        size = int(line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while (trailer := await reader.readuntil(b"\r\n")) != b"\r\n":
                writer.write(trailer)
            writer.write(b"\r\n")
            return
        await _copy_exact(reader, writer, size + 2)


async def _answer(writer: asyncio.StreamWriter, status: int, message: str) -> None:
    reason = {403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed"}[status]
    body = (message + "\n").encode()
    writer.write(
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body
    )
    await writer.drain()


def start_client_proxy(sock: socket.socket, api: socket.socket, ca_dir: Path, tenant: str, secret: str) -> tuple[ClientProxy, list[str]]:
    """The proxy on the bound loopback `sock`, forwarding to serve's `api` socket, and the lines
    to print: the CA's birth (first use), then the client's environment and base URL."""
    ca = ClientCA(ca_dir)
    host, port = api.getsockname()[:2]
    upstream = ({"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host), port)
    sock.setblocking(False)
    proxy = ClientProxy(ca, sock, upstream, secret)
    proxy.start()
    lines = [f"# minted a certificate authority for --client-proxy: {ca.cert_path} (key {ca.key_path}, mode 0600)"] if ca.minted else []
    lines += [
        f"export HTTPS_PROXY=http://127.0.0.1:{proxy.port}",
        f"export SSL_CERT_FILE={ca.cert_path}",
        f"export CSPARK_BASE_URL={client_base_url(tenant)}",
    ]
    return proxy, lines
