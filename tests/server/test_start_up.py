"""What `serve` says when it starts (URLs and users, never a secret), `--access-log`, and every
start-up problem refused at once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import small_workspace  # noqa: E402

from spark_tui.config import AppConfig, Profile, ServeUser
from spark_tui.server.launch import LINK_KEY_ENV, serve, start_line
from spark_tui.spark.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
ALICE = ServeUser(name="alice@example.com", groups=("supervisor:pf", "team:a"), token="alice-token-0123456789")
CI = ServeUser(name="ci@example.com", api_key="ci-api-key-0123456789", tenants=("acme", "beta"))


def test_the_start_line_names_urls_and_users_without_secrets(tmp_path: Path) -> None:
    line = start_line("127.0.0.1", 8123, "acme", tmp_path, [ALICE, CI])
    assert line == (
        f"spark-tui serve: http://127.0.0.1:8123/acme (workspace {tmp_path}; API http://127.0.0.1:8123/acme/api/v4, "
        "OpenAPI http://127.0.0.1:8123/openapi.json, health http://127.0.0.1:8123/health); "
        "users: alice@example.com (groups: supervisor:pf, team:a); ci@example.com (groups: none; tenants: acme, beta)"
    )
    assert start_line("::1", 80, "acme", tmp_path, [ALICE]).startswith("spark-tui serve: http://[::1]:80/acme ")


def test_serve_prints_the_bound_port_and_the_users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import uvicorn

    ports = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: ports.append(sockets[0].getsockname()[1]))
    profile = Profile(name="p", workspace=tmp_path / "ws", tenant="acme")
    config = AppConfig(path=tmp_path / "c.toml", default_profile="p", profiles={"p": profile}, serve_users=[ALICE, CI])
    assert serve(config, profile, port=0) == 0
    out = capsys.readouterr().out
    assert out == start_line("127.0.0.1", ports[0], "acme", tmp_path / "ws", [ALICE, CI]) + "\n"
    assert ports[0] != 0 and ALICE.token not in out and CI.api_key not in out


def test_every_start_up_problem_is_reported_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LINK_KEY_ENV, "short")
    users = [
        ServeUser(name="a", problem="environment variable A_TOKEN (serve.users[0].token_env) is not set; export it"),
        ServeUser(name="b", token="tiny"),
        ServeUser(name="c", token="shared-secret-0123456789"), ServeUser(name="d", api_key="shared-secret-0123456789"),
    ]
    profile = Profile(name="p", workspace=tmp_path / "ws", tenant="acme")
    with pytest.raises(ConfigError) as info:
        serve(AppConfig(path=tmp_path / "c.toml", default_profile="p", profiles={"p": profile}, serve_users=users), profile)
    messages = [e.message for e in info.value.errors]
    assert len(messages) == 4, messages
    assert "A_TOKEN" in messages[0] and "'b': the token has 4 characters" in messages[1]
    assert "serve users 'c' and 'd' share the same api key" in messages[2] and LINK_KEY_ENV in messages[3]
    assert "(and 3 more problem(s))" in info.value.message
    assert not any(secret in str(messages) for secret in ("tiny", "shared-secret-0123456789", "short"))
    assert not (tmp_path / "ws").exists()  # refused before anything was opened


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_access_log_shows_each_request_without_its_query(tmp_path: Path) -> None:
    small_workspace(tmp_path / "ws").close()
    config = tmp_path / "c.toml"
    config.write_text(f'[profiles.p]\nworkspace = "{tmp_path / "ws"}"\ntenant = "acme"\n'
                      '[[serve.users]]\nname = "alice@example.com"\ntoken_env = "ALICE_TOKEN"\n')
    env = {**os.environ, "ALICE_TOKEN": ALICE.token, "SPARK_TUI_HOME": str(tmp_path / "home"),
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "spark_tui", "serve", "--port", str(free_port()), "--profile", "p", "--config", str(config), "--access-log"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        banner = proc.stdout.readline()
        assert "users: alice@example.com (groups: none)" in banner, banner + proc.stderr.read()
        root = banner.split()[2].rsplit("/", 1)[0]
        with httpx.Client(base_url=root, timeout=10) as client:
            for _ in range(200):  # the socket listens before uvicorn accepts: wait for the first answer
                try:
                    assert client.get("/health").status_code == 200
                    break
                except httpx.TransportError:
                    proc.poll()
                    assert proc.returncode is None, proc.stderr.read()
            else:
                raise AssertionError("serve did not answer")
            client.get("/acme/api/v4/export/j1/download/p.zip?token=signed-link-secret&expires=1")
            logged = [proc.stdout.readline() for _ in range(2)]
    finally:
        proc.terminate()
        proc.wait(10)
    assert '"GET /health HTTP/1.1" 200' in logged[0]
    assert '"GET /acme/api/v4/export/j1/download/p.zip?… HTTP/1.1" 40' in logged[1]
    assert "signed-link-secret" not in "".join(logged)
