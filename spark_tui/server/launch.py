"""`spark-tui serve`: run the app with uvicorn on a socket bound here (so a busy port is a clear error)."""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Sequence
from urllib.parse import urlsplit

from spark_tui.spark.exit_codes import ExitCode

if TYPE_CHECKING:
    from spark_tui.config import AppConfig, Profile
    from spark_tui.server.auth import UserEntry

LINK_KEY_ENV = "SPARK_TUI_SERVE_LINK_KEY"


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port; OSError names the address and the fix."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and without it every
    # answer on a kept-alive connection waited ~40 ms for the client's delayed ACK (Nagle)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
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
    access_log: bool = False, client_proxy: int | None = None, public: str | None = None,
) -> int:
    """Serve the profile's workspace until interrupted (and, with `client_proxy`, the HTTPS proxy
    of server/client_proxy.py on that loopback port); returns the exit code.

    Every problem of the users, the link key and `public` (--public-url) is refused at once, before
    anything is opened."""
    import uvicorn

    from spark_tui import paths
    from spark_tui.config import ServeUser
    from spark_tui.engine.demo import DEMO_TENANT, ensure_demo
    from spark_tui.engine.jobs import JobManager
    from spark_tui.engine.store import open_workspace
    from spark_tui.server.app import create_app
    from spark_tui.server.auth import check_link_key, user_problems
    from spark_tui.spark.errors import ConfigError

    problems = [ConfigError(u.problem) for u in config.serve_users if u.problem] + user_problems(config.serve_users)
    key = None
    if os.environ.get(LINK_KEY_ENV):
        try:
            key = check_link_key(os.environ[LINK_KEY_ENV], LINK_KEY_ENV)
        except ConfigError as exc:
            problems.append(exc)
    base_url = None
    try:
        base_url = public_url(public, host, port)
    except ConfigError as exc:
        problems.append(exc)
    ConfigError.raise_all(problems)
    ws = open_workspace(workspace or profile.workspace or paths.default_workspace())
    if profile.tenant == DEMO_TENANT:
        ensure_demo(ws, profile.tenant)
    default_user = None
    if not config.serve_users:
        default_user = ServeUser(name=profile.user, groups=tuple(profile.groups), token=secrets.token_urlsafe(24), api_key=None)
    jobs = JobManager(ws, standby=True)  # a worker started ahead: a job does not wait for a Python start-up
    proxy_secret = secrets.token_urlsafe(32) if client_proxy is not None else None
    app = create_app(ws, config.serve_users, base_url=base_url, default_user=default_user, link_key=key, jobs=jobs,
                     proxy_secret=proxy_secret)
    try:
        sock = bind(host, port)
        proxy_sock = bind("127.0.0.1", client_proxy) if client_proxy is not None else None
    except OSError as exc:
        print(f"spark-tui serve: {exc}", file=sys.stderr)
        return ExitCode.BACKEND
    print(start_line(host, sock.getsockname()[1], profile.tenant, ws.root, config.serve_users or [default_user],
                     links=base_url if public is not None else None), flush=True)
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
    proxy = None
    if proxy_sock is not None:
        from spark_tui.server.client_proxy import start_client_proxy

        proxy, lines = start_client_proxy(proxy_sock, sock, paths.data_dir() / "client-proxy", profile.tenant, proxy_secret)
        print("\n".join(lines), flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=access_log,
                                           proxy_headers=False))
    if access_log:
        show_access_log()
    jobs.warm_standby()
    try:
        server.run(sockets=[sock])
    finally:
        if proxy is not None:
            proxy.stop()
        jobs.close_standby()
        sock.close()
        ws.close()
    return ExitCode.OK


def start_line(host: str, port: int, tenant: str, workspace: Path, users: Sequence[UserEntry], links: str | None = None) -> str:
    """What serve prints first: where (the tenant's API, OpenAPI, health, and where links point when
    --public-url is set), what, and who may call (names, groups and tenants of the users; never a secret)."""
    root = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    who = "; ".join(
        f"{u.name} (groups: {', '.join(u.groups) or 'none'}"
        + (f"; tenants: {', '.join(u.tenants)}" if u.tenants else "") + ")"
        for u in users
    )
    return (f"spark-tui serve: {root}/{tenant} (workspace {workspace}; API {root}/{tenant}/api/v4, "
            f"OpenAPI {root}/openapi.json, health {root}/health{f'; links point at {links}' if links else ''}); users: {who}")


class _NoQuery(logging.Filter):
    """Access-log lines without query strings: a download link's `?token=` signs access to a package."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5 and isinstance(record.args[2], str):
            path, mark, _ = record.args[2].partition("?")
            record.args = (*record.args[:2], path + ("?…" if mark else ""), *record.args[3:])
        return True


def show_access_log() -> None:
    """One line per request on stdout (uvicorn's access log), query strings cut."""
    logger = logging.getLogger("uvicorn.access")
    logger.setLevel(logging.INFO)
    if not any(isinstance(f, _NoQuery) for f in logger.filters):
        logger.addFilter(_NoQuery())
