"""The UNMODIFIED `cspark` CLI (0.3.3, the test extra) against `spark-tui serve --client-proxy`,
configured only from what serve printed: export, import with -d mappings, import status, folders
create/exists, with a bearer token, with client credentials (`cspark auth login`) and with an
OAuth file (a profile's oauth_path; the SDK's CSPARK_OAUTH_PATH). One serve for the module."""

from __future__ import annotations

import json
import os
import queue
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from spark_tui.server.client_ca import ClientCA

TOKEN = "ci-token-0123456789abcdef"
CLIENT_ID, CLIENT_SECRET = "ci-robot", "robot-secret-0123456789"
CONFIG = f"""
[[serve.users]]
name = "ci@example.com"
groups = ["supervisor:pf"]
token = "{TOKEN}"

[[serve.users]]
name = "robot@example.com"
groups = ["supervisor:pf"]
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
"""
CSPARK = shutil.which("cspark", path=str(Path(sys.executable).parent))
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """serve's printed lines and an environment for the cspark CLI built from them alone."""

    def __init__(self, root: Path, printed: list[str]) -> None:
        self.printed = printed
        exports = dict(line.removeprefix("export ").split("=", 1) for line in printed if line.startswith("export "))
        self.base_url = exports["CSPARK_BASE_URL"]
        self.ca_file = Path(exports["SSL_CERT_FILE"])
        self.proxy = exports["HTTPS_PROXY"]
        self.home = root / "cspark-home"
        self.home.mkdir()
        self.env = {"PATH": os.environ["PATH"], "HOME": str(self.home), **exports}

    def cspark(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        assert CSPARK, "the cspark CLI is missing; install the test extra: pip install -e '.[test]'"
        return subprocess.run([CSPARK, *args], env={**self.env, **(env or {})}, cwd=self.home,
                              capture_output=True, text=True, timeout=120)

    def profile(self, name: str, **auth: str) -> None:
        config = {"name": name, "base_url": self.base_url, "retry_interval": 1, **auth}  # the SDK's shortest poll
        done = self.cspark("init", "--config", json.dumps(config))
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("client-proxy")
    home = root / "spark-tui-home"
    home.mkdir()
    (home / "config.toml").write_text(CONFIG)
    (home / "config.toml").chmod(0o600)
    env = {**os.environ, "SPARK_TUI_HOME": str(home)}
    for var in ("HTTPS_PROXY", "https_proxy", "SSL_CERT_FILE"):
        env.pop(var, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "spark_tui", "serve", "--port", str(free_port()), "--client-proxy", str(free_port())],
        env=env, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=lambda: [*map(lines.put, proc.stdout), lines.put(None)], daemon=True).start()
    printed: list[str] = []
    try:
        while not any(line.startswith("export CSPARK_BASE_URL=") for line in printed):
            line = lines.get(timeout=START_TIMEOUT_S)
            assert line is not None, "serve ended before printing the client's environment:\n" + "\n".join(printed)
            printed.append(line.rstrip("\n"))
        yield Served(root, printed)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_prints_the_clients_environment(served: Served) -> None:
    exports = [line for line in served.printed if line.startswith("export ")]
    assert [line.split("=", 1)[0] for line in exports] == [
        "export HTTPS_PROXY", "export SSL_CERT_FILE", "export CSPARK_BASE_URL",
    ]
    assert served.proxy.startswith("http://127.0.0.1:") and served.base_url == "https://excel.local.coherent.global/demo"
    key = served.ca_file.with_name("ca-key.pem")
    assert f"minted a certificate authority for --client-proxy: {served.ca_file}" in "\n".join(served.printed)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and served.ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")


def test_bearer_token_export_import_status_and_folders(served: Served) -> None:
    served.profile("bearer", token=TOKEN)
    assert served.cspark("folders", "exists", "insurance-pricing").stdout.strip() == "true"
    assert served.cspark("folders", "exists", "ci-target").stdout.strip() == "false"
    created = served.cspark("folders", "create", "ci-target", "--description", "CI rehearsal", "--category", "Testing")
    assert created.returncode == 0, created.stderr
    folder = json.loads(created.stdout)["data"]
    assert (folder["name"], folder["description"], folder["category"], folder["createdBy"]) == (
        "ci-target", "CI rehearsal", "Testing", "ci@example.com")
    assert folder["status"] == "Design" and folder["startDate"] and folder["lastModifiedDate"] == folder["createdAt"]
    assert served.cspark("folders", "exists", "ci-target").stdout.strip() == "true"

    exported = served.cspark("export", "run", "--service", "insurance-pricing/motor-premium", "-o", "pkg.zip")
    assert exported.returncode == 0, exported.stdout + exported.stderr
    with zipfile.ZipFile(served.home / "pkg.zip") as package:
        manifest = json.loads(package.read("demo/manifest.json"))
        assert package.testzip() is None
    assert [s["service_uri_source"] for s in manifest["outputs"]["services"]] == ["insurance-pricing/motor-premium"]

    imported = served.cspark("import", "run", "pkg.zip", "-d", "insurance-pricing/motor-premium=ci-target/motor-premium")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    job = json.loads(imported.stdout[imported.stdout.index("{"):])
    assert job["status"] == "closed" and job["status_url"].startswith(f"{served.base_url}/api/v4/import/")
    destinations = {s["service_uri_destination"] for s in job["outputs"]["services"]}
    assert destinations == {"ci-target/motor-premium"}

    status = served.cspark("import", "status", job["id"])
    assert status.returncode == 0 and json.loads(status.stdout)["id"] == job["id"]


def test_client_credentials_through_auth_login(served: Served) -> None:
    served.profile("robot", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    login = served.cspark("auth", "login")
    assert login.returncode == 0 and "Logged in to demo" in login.stdout, login.stdout + login.stderr
    assert served.cspark("folders", "exists", "insurance-pricing").stdout.strip() == "true"
    created = served.cspark("folders", "create", "robot-made")
    assert created.returncode == 0, created.stderr
    folder = json.loads(created.stdout)["data"]
    assert (folder["name"], folder["createdBy"]) == ("robot-made", "robot@example.com")


def test_client_credentials_from_an_oauth_file(served: Served) -> None:
    oauth = served.home / "oauth.json"
    oauth.write_text(json.dumps({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}))
    served.profile("robot-file", oauth_path=str(oauth))
    exported = served.cspark("export", "run", "--folder", "insurance-pricing", "-o", "robot.zip")
    assert exported.returncode == 0, exported.stdout + exported.stderr
    with zipfile.ZipFile(served.home / "robot.zip") as package:
        assert package.testzip() is None
    sdk = f"import cspark.sdk as Spark; print(Spark.Client(base_url={served.base_url!r}).folders.find('insurance-pricing').data)"
    found = subprocess.run([sys.executable, "-c", sdk], env={**served.env, "CSPARK_OAUTH_PATH": str(oauth)},
                           capture_output=True, text=True, timeout=60)
    assert found.returncode == 0 and "insurance-pricing" in found.stdout, found.stderr


def test_the_proxy_is_not_open(served: Served) -> None:
    port = int(served.proxy.rsplit(":", 1)[1])
    for request, answer in [
        (b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", b"HTTP/1.1 403"),
        (b"CONNECT excel.local.coherent.global:80 HTTP/1.1\r\n\r\n", b"HTTP/1.1 403"),
        (b"CONNECT mcp.local.coherent.global:443 HTTP/1.1\r\n\r\n", b"HTTP/1.1 403"),
        (b"GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n", b"HTTP/1.1 405"),
    ]:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(request)
            assert sock.recv(200).startswith(answer), request
    with httpx.Client(proxy=served.proxy, verify=ssl.create_default_context(cafile=served.ca_file)) as client:
        other = client.get("https://keycloak.local.coherent.global/demo/api/v4/export/status")
        assert other.status_code == 404 and "answers only POST /auth/realms" in other.text
        whoami = client.get(f"{served.base_url}/api/v4/whoami", headers={"Authorization": f"Bearer {TOKEN}"})
        assert whoami.json() == {"user": "ci@example.com", "groups": ["supervisor:pf"]}


def test_the_ca_is_minted_once_and_reused(tmp_path: Path) -> None:
    first = ClientCA(tmp_path / "ca")
    again = ClientCA(tmp_path / "ca")
    assert first.minted and not again.minted
    assert again.cert_path.read_bytes() == first.cert_path.read_bytes()
    assert stat.S_IMODE(first.key_path.stat().st_mode) == 0o600
