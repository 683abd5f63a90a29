"""Spark's own shapes on the v4 routes (Coherent-Partners/spark-openapi), unless a client asks for
spark-tui's extensions with the request header `x-spark-tui-extensions` (spark-tui's remote
backend does; the official SDKs do not):

- `errors`: an error answer is the spec's `ApiV4ResponseError {type, code, message}` instead of
  `{message, errors: [{code, message, ref}]}` (every item and `ref` the TUI and --batch use).
  Spark's names and status codes are used where its spec documents them: an unknown job on the
  job routes is `INVALID_JOB_ID`, a corrupt import package `INVALID_IMPORT_ZIP` and an oversize
  one `EXCEEDED_FILE_SIZE` on the import POST, each with HTTP 500; other codes keep their status.
- `progress`: a job answer carries spark-tui's `progress` object (bytes done, file name, who
  created it), which Spark does not send.

An ASGI middleware, so every error of these routes (route handlers, body limit, validation) is
reshaped in one place; answers are small JSON bodies, buffered only when they need rewriting.
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spark_tui.spark.errors import Code
from spark_tui.spark.extensions import EXTENSIONS_HEADER

_V4 = re.compile(r"^/[^/]+/api/v4/(export|import)(/|$)")
_JOB = re.compile(r"^/[^/]+/api/v4/(export|import)(/[^/]+(/status)?)?/?$")
_TENANT_STATUS = re.compile(r"^/[^/]+/api/v4/(export|import)/status/?$")  # its jobs carry no `progress`
_IMPORT_POST = re.compile(r"^/[^/]+/api/v4/import/?$")
_SPARK_CODES = {  # spark-tui's code -> (where Spark answers it, its code there, its HTTP status)
    Code.JOB_NOT_FOUND.value: (_JOB, "INVALID_JOB_ID", 500),
    Code.BAD_PACKAGE.value: (_IMPORT_POST, "INVALID_IMPORT_ZIP", 500),
    Code.PACKAGE_TOO_LARGE.value: (_IMPORT_POST, "EXCEEDED_FILE_SIZE", 500),
}
_TYPES = {401: "unauthorized", 403: "forbidden", 500: "invalid_input"}


def wanted_extensions(scope: Scope) -> set[str]:
    for name, value in scope["headers"]:
        if name == EXTENSIONS_HEADER.encode():
            return {part.strip().lower() for part in value.decode("latin-1").split(",")}
    return set()


def spark_error(path: str, status: int, body: dict) -> tuple[int, dict]:
    """(status, body) of a `{message, errors}` answer to `path` in Spark's v4 shape."""
    errors = body.get("errors") or [{}]
    first = errors[0] if isinstance(errors[0], dict) else {}
    code = str(first.get("code") or f"HTTP_{status}")
    where, spark_code, spark_status = _SPARK_CODES.get(code, (None, code, status))
    if where is not None and where.match(path):
        code, status = spark_code, spark_status
    kind = _TYPES.get(status, "invalid_input" if status < 500 else "server_error")
    return status, {"type": kind, "code": code, "message": body.get("message")}


class V4Shapes:
    """ASGI middleware: Spark's shapes on the v4 export/import routes (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _V4.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        wanted = wanted_extensions(scope)
        path = scope["path"]
        strip_progress = "progress" not in wanted and bool(_JOB.match(path)) and not _TENANT_STATUS.match(path)
        reshape_errors = "errors" not in wanted
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                status = message["status"]
                if (status >= 400 and reshape_errors) or (status < 300 and strip_progress):
                    start = message
                    return
                await send(message)
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                await self._rewritten(path, start, b"".join(chunks), send)

        await self.app(scope, receive, buffered)

    async def _rewritten(self, path: str, start: Message, raw: bytes, send: Send) -> None:
        status = start["status"]
        if status < 300 and b'"progress"' not in raw:  # nothing to strip: the answer goes as it is
            await send(start)
            await send({"type": "http.response.body", "body": raw})
            return
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if isinstance(body, dict):
            if status >= 400 and "errors" in body:
                status, body = spark_error(path, status, body)
            elif status < 300:
                body.pop("progress", None)
            raw = json.dumps(body, separators=(",", ":")).encode()
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(raw)).encode()))
        await send({**start, "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": raw})
