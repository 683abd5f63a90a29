"""A scripted Spark for RemoteBackend tests: an httpx.MockTransport answering from a function."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import httpx

from spark_tui.backends.remote.retry import RetryPolicy
from spark_tui.backends.remote import RemoteBackend
from spark_tui.config import Profile

BASE = "https://excel.uat.us.coherent.global/acme"


class Recorder:
    """A scripted server: `handler(request, n)` answers the n-th request (0-based)."""

    def __init__(self, handler: Callable[[httpx.Request, int], httpx.Response]) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request, len(self.requests) - 1)

    def backend(self, attempts: int = 4, **profile: object) -> RemoteBackend:
        values = {"name": "uat", "backend": "spark", "base_url": BASE, "tenant": "acme", "user": "me@example.com",
                  "token": "s3cret-token"}
        values.update(profile)
        policy = RetryPolicy(attempts=attempts, base_s=0.001, cap_s=0.004, sleep=self.sleeps.append)
        return RemoteBackend(Profile(**values), transport=httpx.MockTransport(self), retry=policy)


SAMPLES = Path(__file__).resolve().parent / "samples"


def sample(name: str, **replace: str) -> Any:
    """A recorded answer of tests/remote/samples/NAME.json, with `@KEY@` placeholders filled in."""
    text = (SAMPLES / f"{name}.json").read_text()
    for key, value in replace.items():
        text = text.replace(f"@{key}@", value)
    return json.loads(text)


class Spark(Recorder):
    """A scripted server answering by route: `{"GET /api/v4/export/ID/status": (status, body), …}`
    (path relative to the tenant URL, or from the origin when it starts with `/api/v1`). A body of
    bytes is sent as is; anything else as JSON. A list of answers is used in order (the last repeats)."""

    def __init__(self, routes: dict[str, Any]) -> None:
        self.routes = {key: list(value) if isinstance(value, list) else [value] for key, value in routes.items()}
        super().__init__(self._answer)

    def _answer(self, request: httpx.Request, n: int) -> httpx.Response:
        path = request.url.path
        key = f"{request.method} {path.removeprefix('/acme') if not path.startswith('/api/v1') else path}"
        answers = self.routes.get(key)
        if answers is None:
            return httpx.Response(404, json={"message": f"no route {key}"})
        status, body = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(body, bytes):
            return httpx.Response(status, content=body, headers={"content-type": "text/html"})
        return httpx.Response(status, json=body)
