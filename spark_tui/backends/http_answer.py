"""What every HTTP exchange with Spark carries and how an answer is read: the `x-request-id` sent
with each request (quoted in errors, so a user can give it to support) and the server's own words
from an error body of any shape (JSON of any layout, HTML or plain text)."""

from __future__ import annotations

import re
import uuid

import httpx
from pydantic import ValidationError

from spark_tui.spark.export_wire import ApiError, ErrorBody

REQUEST_ID_HEADER = "x-request-id"
SNIPPET_CHARS = 300


def new_request_id() -> str:
    """A fresh `x-request-id` (uuid4) for one HTTP request."""
    return str(uuid.uuid4())


def request_id_of(response: httpx.Response) -> str | None:
    """The `x-request-id` the request behind `response` carried."""
    return response.request.headers.get(REQUEST_ID_HEADER)


def text_snippet(response: httpx.Response) -> str:
    """A one-line excerpt of a non-JSON body: an HTML page's title, else its text without tags."""
    text = response.text
    if title := re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL):
        text = title.group(1)
    elif "<" in text and ">" in text:
        text = re.sub(r"<[^>]+>", " ", text)
    text = " ".join(text.split())
    return text[:SNIPPET_CHARS] + ("…" if len(text) > SNIPPET_CHARS else "")


def server_message(response: httpx.Response) -> tuple[str, list[ApiError]]:
    """(message, errors) of an error answer: the server's own words, whatever the body's shape."""
    try:
        body = ErrorBody.model_validate(response.json())
    except (ValueError, ValidationError):
        return text_snippet(response) or response.reason_phrase or f"HTTP {response.status_code}", []
    return body.message, body.errors
