"""`serve()` as a process: prints one generated token when no users are configured; busy port → exit 3."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import small_workspace  # noqa: E402

from spark_tui.config import AppConfig, Profile
from spark_tui.server.launch import serve

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import sys
from pathlib import Path
from spark_tui.config import AppConfig, Profile
from spark_tui.server import serve
profile = Profile(name="p", workspace=Path(sys.argv[1]), tenant="acme", user="me@example.com")
sys.exit(serve(AppConfig(path=Path("none.toml"), default_profile="p", profiles={"p": profile}), profile, port=int(sys.argv[2])))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_generated_token_is_printed_once_and_works(tmp_path: Path) -> None:
    small_workspace(tmp_path / "ws").close()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "ws"), str(port)], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
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
