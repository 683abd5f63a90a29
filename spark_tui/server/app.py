"""The FastAPI application: the embedded engine on Spark's own paths.

On the v4 export/import routes, answers take Spark's own shapes unless the client asks for
spark-tui's extensions (server/v4_shapes.py); with them, and on every other route, every error answers `{"message": "<one line>", "errors": [{"code", "message", "ref"}]}` with
400 (a bad import package), 401 (no or unknown credentials), 403 (refused, e.g. an expired
download link), 404 (unknown tenant, job, folder or service), 409 (job slot busy, naming the
running job; cancelling a finished job), 413 (a body over 1 MiB, or an import upload over the
tenant's size limit), 422 (malformed request: the engine's error list, or the invalid field; the
reply quotes at most a short prefix of the bad value) or 507 (disk full). Import prerequisites are
not HTTP errors: as on Spark, they end the import job `failed`.

The OpenAPI document is served at `/openapi.json`; the Swagger and ReDoc pages are off (they
load their scripts from a CDN, so they would not work offline).
"""

from __future__ import annotations

from typing import Sequence

from fastapi import FastAPI

from spark_tui import __version__
from spark_tui.engine.jobs import JobManager
from spark_tui.engine.store import Workspace
from spark_tui.server import oauth_token, routes_browse, routes_export, routes_folders, routes_import, routes_whoami, runner_double
from spark_tui.server.auth import Authenticator, UserEntry
from spark_tui.server.context import ServerContext
from spark_tui.server.errors import install_error_handlers
from spark_tui.server.limits import BodyLimit
from spark_tui.server.signing import LinkSigner
from spark_tui.server.v4_shapes import V4Shapes


def create_app(
    ws: Workspace,
    users: Sequence[UserEntry],
    *,
    base_url: str = "",
    default_user: UserEntry | None = None,
    link_key: bytes | None = None,
    link_ttl_s: int = 3600,
    jobs: JobManager | None = None,
    proxy_secret: str | None = None,
) -> FastAPI:
    """The app over workspace `ws`.

    `users` are the `[[serve.users]]`; `default_user` is added to them (the generated user when
    none are configured). `base_url` is the server's external URL for links ("" = the URL each
    request came in on). `link_key` signs download links (random when None). `proxy_secret` is the
    header value by which `--client-proxy` vouches for a request it forwarded (links then point at
    the https host the client asked for).
    """
    app = FastAPI(
        title="spark-tui serve",
        version=__version__,
        description="The Coherent Spark Export API over a local spark-tui workspace. "
        "Routes marked 'spark-tui extension' do not exist on real Spark.",
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(BodyLimit)
    app.add_middleware(V4Shapes)  # outermost: it also reshapes BodyLimit's refusals
    all_users = [*users, *([default_user] if default_user else [])]
    app.state.ctx = ServerContext(
        ws=ws,
        jobs=jobs or JobManager(ws),
        auth=Authenticator(all_users),
        signer=LinkSigner(link_key, ttl_s=link_ttl_s),
        base_url=base_url.rstrip("/"),
        proxy_secret=proxy_secret,
    )
    install_error_handlers(app)

    @app.get("/health", tags=["health"], summary="Liveness")
    def health() -> dict:
        return {"status": "UP"}

    app.include_router(routes_export.router)
    app.include_router(routes_import.router)
    app.include_router(routes_browse.router)
    app.include_router(routes_folders.router)
    app.include_router(routes_whoami.router)
    app.include_router(oauth_token.router)
    app.include_router(runner_double.router)
    return app
