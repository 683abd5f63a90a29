"""The import upload, streamed: `multipart/form-data` parsed by python-multipart as it arrives.

Starlette's own `request.form()` spools file parts to the system temp directory and cannot know a
tenant's size limit, so the import route feeds the request stream to python-multipart itself: the
`file` part goes chunk by chunk into a temporary file in the workspace's `tmp/`, its size is
checked against the limit while reading, small fields are kept in memory (capped), and the file is
removed when `receive_import_form` ends, whatever happened.
"""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator, BinaryIO

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request

from spark_tui.server.limits import MAX_JSON_BODY
from spark_tui.spark.errors import BadPackage, Code, DiskFull, SparkTuiError, ValidationFailed
from spark_tui.spark.export_wire import ApiError

ENTITY_FIELD = "importRequestEntity"
FILE_FIELD = "file"
MAX_FIELD_BYTES = MAX_JSON_BODY  # a form field holds what a JSON body may
MAX_BOUNDARY = 70  # RFC 2046; python-multipart itself raises (outside any handler) over 256
FORM_OVERHEAD = MAX_FIELD_BYTES + 64 * 1024  # what Content-Length may add to the package (fields, part headers)


class FieldTooLarge(SparkTuiError):
    """A form field over MAX_FIELD_BYTES: 413, as a JSON body over the limit is."""

    http_status = 413

    def __init__(self, name: str) -> None:
        message = f"the {name} form field is over {MAX_FIELD_BYTES} bytes; send a smaller request"
        super().__init__(message, [ApiError(code="HTTP_413", message=message, ref=name)])


class UploadTooLarge(SparkTuiError):
    """The uploaded package exceeds the tenant's size limit (HTTP 413)."""

    http_status = 413

    def __init__(self, size: int, limit: int, *, declared: bool = False) -> None:
        what = f"declares {size} bytes" if declared else f"reached {size} bytes"
        message = f"the package upload {what}, over the tenant's limit of {limit} bytes; nothing was imported"
        super().__init__(message, [ApiError(code=Code.PACKAGE_TOO_LARGE.value, message=message, ref=FILE_FIELD)])


def invalid_form(message: str, ref: str) -> ValidationFailed:
    return ValidationFailed.of([ApiError(code=Code.INVALID_VALUE.value, message=message, ref=ref)])


@dataclass
class ImportForm:
    """The received form: raw field values, and the package's temp file (None when no `file` part came)."""

    fields: dict[str, bytes] = field(default_factory=dict)
    package: Path | None = None
    package_bytes: int = 0


class _FormReader:
    """python-multipart callbacks: package data is queued for writing, field values accumulated."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.fields: dict[str, bytearray] = {}
        self.package_bytes = 0
        self.pending: list[bytes] = []  # package data parsed from the last chunk, not written yet
        self.seen_file = False
        self.ended = False
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._disposition = b""
        self._target: str | None = None  # FILE_FIELD, a field name, or None (an ignored part)

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda data, start, end: self._header_name.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._header_value.extend(data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self._disposition = b""
        self._target = None

    def _header_end(self) -> None:
        if bytes(self._header_name).lower() == b"content-disposition":
            self._disposition = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        name = parse_options_header(self._disposition)[1].get(b"name", b"").decode("utf-8", "replace")
        if name == FILE_FIELD:
            if self.seen_file:
                raise invalid_form("the file form field appears twice; send one package per import", FILE_FIELD)
            self.seen_file = True
        elif name == ENTITY_FIELD:
            if name in self.fields:
                raise invalid_form(f"the {ENTITY_FIELD} form field appears twice; send it once", ENTITY_FIELD)
            self.fields[name] = bytearray()
        else:
            name = None
        self._target = name

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._target == FILE_FIELD:
            self.package_bytes += end - start
            if self.package_bytes > self.limit:
                raise UploadTooLarge(self.package_bytes, self.limit)
            self.pending.append(data[start:end])
        elif self._target is not None:
            value = self.fields[self._target]
            if len(value) + end - start > MAX_FIELD_BYTES:
                raise FieldTooLarge(self._target)
            value.extend(data[start:end])

    def _end(self) -> None:
        self.ended = True


def _boundary(content_type: str) -> bytes:
    kind, params = parse_options_header(content_type)
    if kind != b"multipart/form-data":
        raise invalid_form(
            f"import needs multipart/form-data with {ENTITY_FIELD} and {FILE_FIELD}, not '{content_type}'", "content-type",
        )
    boundary = params.get(b"boundary")
    if not boundary:
        raise invalid_form("the multipart/form-data Content-Type has no boundary parameter", "content-type")
    if len(boundary) > MAX_BOUNDARY:
        raise invalid_form(
            f"the multipart boundary is {len(boundary)} characters; RFC 2046 allows at most {MAX_BOUNDARY}", "content-type",
        )
    return boundary


async def _drain_into(request: Request, reader: _FormReader, parser: MultipartParser, out: BinaryIO) -> None:
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            if reader.pending:
                await run_in_threadpool(out.writelines, reader.pending)
                reader.pending.clear()
        parser.finalize()
    except FormParserError as exc:
        raise invalid_form(f"the upload is not valid multipart/form-data ({exc})", "body") from None
    except ClientDisconnect:
        raise BadPackage("the client disconnected during the upload; nothing was imported") from None
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFull("receiving the import upload") from None
        raise
    if not reader.ended:
        raise invalid_form("the upload ended before the multipart closing boundary; send the whole form", "body")


@asynccontextmanager
async def receive_import_form(request: Request, tmp_dir: Path, limit: int) -> AsyncIterator[ImportForm]:
    """Read the import form of `request`; the package (at most `limit` bytes) lives in `tmp_dir` until exit."""
    boundary = _boundary(request.headers.get("content-type", ""))
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit + FORM_OVERHEAD:
        raise UploadTooLarge(declared, limit, declared=True)
    reader = _FormReader(limit)
    parser = MultipartParser(boundary, reader.callbacks())
    fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-", suffix=".zip")
    try:
        with os.fdopen(fd, "wb") as out:
            await _drain_into(request, reader, parser, out)
        yield ImportForm(
            fields={k: bytes(v) for k, v in reader.fields.items()},
            package=Path(name) if reader.seen_file else None,
            package_bytes=reader.package_bytes,
        )
    finally:
        if os.path.exists(name):  # an import job may have taken the file
            os.unlink(name)
