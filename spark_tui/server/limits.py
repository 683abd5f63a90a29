"""Request body size limit of every route (JSON bodies and the v1 folder-create form): 413 once a
body passes MAX_JSON_BODY bytes.

A declared `Content-Length` over the limit is refused before anything is read; a body sent
without one (chunked) is counted as it arrives and refused as soon as it passes the limit. The
import upload and the runner double's upload are exempt: their routes stream the package to disk under the tenant's own limit.
"""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spark_tui.server.errors import error_response

MAX_JSON_BODY = 1024 * 1024
_IMPORT_PATH = re.compile(r"^(/[^/]+/api/v4/import|/api/v3/upload)/?$")  # the import and the runner double's upload


def too_large_message(limit: int) -> str:
    return f"the request body is over {limit} bytes; send a smaller request (fewer references, shorter texts)"


class BodyLimit:
    """ASGI middleware enforcing `limit` on the body of every request but the package uploads."""

    def __init__(self, app: ASGIApp, limit: int = MAX_JSON_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"] == "POST" and _IMPORT_PATH.match(scope["path"])):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await error_response(413, too_large_message(self.limit))(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:  # FastAPI passes an HTTPException raised while reading through
                    raise HTTPException(413, too_large_message(self.limit))
            return message

        await self.app(scope, counted, send)
