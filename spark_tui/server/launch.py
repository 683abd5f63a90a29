"""`spark-tui serve`: run the app with uvicorn on a socket bound here (so a busy port is a clear error)."""

from __future__ import annotations

import ipaddress
import os
import secrets
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from spark_tui.config import AppConfig, Profile

LINK_KEY_ENV = "SPARK_TUI_SERVE_LINK_KEY"


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port; OSError names the address and the fix."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port or --host") from None
    return sock


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or `localhost`) only accepts connections from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def public_url(url: str | None, host: str, port: int) -> str:
    """The base of every link the server hands out (status_url, signed downloads, get_product_url):
    `--public-url` when given, else the bound address. Never a request's Host or X-Forwarded-* headers,
    which a client chooses. Raises ConfigError for a URL that is not http(s)://host[:port][/path]."""
    from spark_tui.spark.errors import ConfigError, excerpt

    if url is None:
        return f"http://{f'[{host}]' if ':' in host else host}:{port}"
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 (a bad port raises here)
    except ValueError:
        parts = parts._replace(netloc="")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(
            f"--public-url '{excerpt(url)}' is not an http(s) URL of this server; give e.g. https://spark.example.com "
            "(scheme, host, optional port and path; no query, fragment or credentials)"
        )
    return url.rstrip("/")


def serve(
    config: AppConfig, profile: Profile, *, host: str = "127.0.0.1", port: int = 8080, workspace: Path | None = None,
    public: str | None = None,
) -> int:
    """Serve the profile's workspace until interrupted; returns the exit code."""
    import uvicorn

    from spark_tui import paths
    from spark_tui.config import ServeUser
    from spark_tui.engine.demo import DEMO_TENANT, ensure_demo
    from spark_tui.engine.jobs import JobManager
    from spark_tui.engine.store import open_workspace
    from spark_tui.server.app import create_app
    from spark_tui.server.auth import check_users, check_link_key
    from spark_tui.spark.errors import ConfigError

    if problems := [u.problem for u in config.serve_users if u.problem]:
        raise ConfigError(problems[0])
    check_users(config.serve_users)
    base_url = public_url(public, host, port)
    key = check_link_key(os.environ[LINK_KEY_ENV], LINK_KEY_ENV) if os.environ.get(LINK_KEY_ENV) else None
    ws = open_workspace(workspace or profile.workspace or paths.default_workspace())
    if profile.tenant == DEMO_TENANT:
        ensure_demo(ws, profile.tenant)
    default_user = None
    if not config.serve_users:
        default_user = ServeUser(name=profile.user, groups=tuple(profile.groups), token=secrets.token_urlsafe(24), api_key=None)
    jobs = JobManager(ws, standby=True)  # a worker started ahead: a job does not wait for a Python start-up
    app = create_app(ws, config.serve_users, base_url=base_url, default_user=default_user, link_key=key, jobs=jobs)
    try:
        sock = bind(host, port)
    except OSError as exc:
        print(f"spark-tui serve: {exc}", file=sys.stderr)
        return 3
    shown_host = f"[{host}]" if ":" in host else host
    print(f"spark-tui serve: http://{shown_host}:{port}/{profile.tenant} (workspace {ws.root}); OpenAPI at /openapi.json; "
          f"links point at {base_url}", flush=True)
    if not is_loopback(host):
        print(
            f"warning: serving on {host} without TLS: tokens, API keys and packages cross the network in clear text; "
            "put spark-tui serve behind a TLS-terminating reverse proxy and keep --host 127.0.0.1",
            file=sys.stderr, flush=True,
        )
    if default_user is not None:
        print(
            f"no [[serve.users]] configured; for this run, user '{default_user.name}' has the bearer token: {default_user.token}",
            flush=True,
        )
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", proxy_headers=False))
    jobs.warm_standby()
    try:
        server.run(sockets=[sock])
    finally:
        jobs.close_standby()
        sock.close()
        ws.close()
    return 0
