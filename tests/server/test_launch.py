"""`serve()` as a process: prints one generated token when no users are configured; busy port → exit 3."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import small_workspace  # noqa: E402

from spark_tui.config import AppConfig, Profile
from spark_tui.server.launch import public_url, serve
from spark_tui.spark.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import sys
from pathlib import Path
from spark_tui.config import AppConfig, Profile
from spark_tui.server import serve
profile = Profile(name="p", workspace=Path(sys.argv[1]), tenant="acme", user="me@example.com")
public = sys.argv[3] if len(sys.argv) > 3 else None
sys.exit(serve(AppConfig(path=Path("none.toml"), default_profile="p", profiles={"p": profile}), profile, port=int(sys.argv[2]), public=public))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_generated_token_is_printed_once_and_works(tmp_path: Path) -> None:
    small_workspace(tmp_path / "ws").close()
    port = free_port()
    with subprocess.Popen(  # the with block closes its pipes
        [sys.executable, "-c", SCRIPT, str(tmp_path / "ws"), str(port)], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    ) as proc:
        try:
            banner = proc.stdout.readline()
            token_line = proc.stdout.readline()
            assert f"http://127.0.0.1:{port}/acme" in banner
            assert "'me@example.com'" in token_line
            token = token_line.rsplit(": ", 1)[1].strip()
            deadline = time.monotonic() + 20
            while True:
                try:
                    response = httpx.get(f"http://127.0.0.1:{port}/acme/api/v4/export/status", headers={"Authorization": f"Bearer {token}"})
                    break
                except httpx.ConnectError:
                    assert time.monotonic() < deadline, "server did not come up"
                    time.sleep(0.05)
            assert response.status_code == 200
            assert httpx.get(f"http://127.0.0.1:{port}/acme/api/v4/export/status").status_code == 401
        finally:
            proc.terminate()
            proc.wait(10)
        assert token not in proc.stderr.read()


def test_busy_port_is_a_clear_error(tmp_path: Path, capsys) -> None:
    small_workspace(tmp_path / "ws").close()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        profile = Profile(name="p", workspace=tmp_path / "ws", tenant="acme")
        code = serve(AppConfig(path=tmp_path / "c.toml", default_profile="p", profiles={"p": profile}), profile, port=port)
    assert code == 3
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


@pytest.mark.parametrize("given, host, port, expected", [
    (None, "127.0.0.1", 8080, "http://127.0.0.1:8080"),
    (None, "::1", 9000, "http://[::1]:9000"),
    ("https://spark.example.com/", "127.0.0.1", 8080, "https://spark.example.com"),
    ("https://spark.example.com:8443/api", "0.0.0.0", 80, "https://spark.example.com:8443/api"),
])
def test_links_come_from_the_public_url_or_the_bound_address(given: str | None, host: str, port: int, expected: str) -> None:
    assert public_url(given, host, port) == expected


@pytest.mark.parametrize("bad", ["spark.example.com", "ftp://x", "https://", "https://x/?a=1", "https://x/#f",
                                 "https://u:p@x", "https://x:99999", "javascript:alert(1)"])
def test_a_bad_public_url_is_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match="--public-url .* is not an http\\(s\\) URL of this server"):
        public_url(bad, "127.0.0.1", 8080)


@pytest.mark.parametrize("public", [None, "https://spark.example.com/base"])
def test_links_ignore_the_host_and_forwarded_headers(tmp_path: Path, public: str | None) -> None:
    small_workspace(tmp_path / "ws").close()
    port = free_port()
    argv = [sys.executable, "-c", SCRIPT, str(tmp_path / "ws"), str(port), *([public] if public else [])]
    with subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            proc.stdout.readline()
            token = proc.stdout.readline().rsplit(": ", 1)[1].strip()
            headers = {"Authorization": f"Bearer {token}", "x-tenant-name": "acme", "Host": "evil.example",
                       "X-Forwarded-Proto": "gopher", "X-Forwarded-Host": "evil.example", "X-Forwarded-For": "10.0.0.1"}
            deadline = time.monotonic() + 20
            while True:
                try:
                    response = httpx.post(f"http://127.0.0.1:{port}/api/v1/product/create", data={"Name": "linked"}, headers=headers)
                    break
                except httpx.ConnectError:
                    assert time.monotonic() < deadline, "server did not come up"
                    time.sleep(0.05)
        finally:
            proc.terminate()
            proc.wait(10)
    link = response.json()["data"]["get_product_url"]
    assert link.startswith(f"{public or f'http://127.0.0.1:{port}'}/api/v1/product/get/"), link


async def test_served_connections_send_at_once_not_after_the_peers_delayed_ack() -> None:
    """TCP_NODELAY on every accepted connection (asyncio sets it only on sockets that say they are TCP): without
    it each answer on a kept-alive connection waited ~40 ms for the client's delayed ACK."""
    import asyncio

    from spark_tui.server.launch import bind

    sock = bind("127.0.0.1", 0)
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(handle, sock=sock)
    async with server:
        _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        assert await accepted == 1
        writer.close()
