"""The package of an import upload: a file reporting progress as httpx's multipart encoder reads
it, or the multipart body over a package still being downloaded (StreamedForm)."""

from __future__ import annotations

import secrets
from typing import BinaryIO, Iterator

from spark_tui.backends.base import ProgressCallback
from spark_tui.backends.package_stream import PackageStream


class ProgressReader:
    """A file for httpx's multipart upload that reports (bytes sent, total) as it is read."""

    def __init__(self, handle: BinaryIO, total: int, progress: ProgressCallback | None) -> None:
        self.handle, self.total, self.progress, self.done = handle, total, progress, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.done += len(chunk)
        if self.progress is not None:
            self.progress(self.done, self.total)
        return chunk

    def fileno(self) -> int:
        return self.handle.fileno()

    def tell(self) -> int:
        return self.handle.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.handle.seek(offset, whence)


class StreamedForm:
    """The import's multipart body over one download attempt of a PackageStream, for httpx `content=`.

    Iterable (not an iterator): every retry of the POST starts again from the package's first byte.
    The closing boundary goes out only after the stream's released tail; when the stream fails,
    iteration raises and httpx drops the connection, so the server never sees a complete form.
    """

    def __init__(self, stream: PackageStream, attempt: int, total: int, fields: dict[str, str],
                 progress: ProgressCallback | None) -> None:
        self.stream, self.attempt, self.total, self.progress = stream, attempt, total, progress
        boundary = secrets.token_hex(16)
        self.content_type = f"multipart/form-data; boundary={boundary}"
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                 for name, value in fields.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="package.zip"\r\n'
                     f"Content-Type: application/zip\r\n\r\n".encode())
        self.head = b"".join(parts)
        self.end = f"\r\n--{boundary}--\r\n".encode()

    @property
    def length(self) -> int | None:
        """The body's size when the download announced the package's (else it is sent chunked)."""
        return len(self.head) + self.total + len(self.end) if self.total else None

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        done = 0
        for chunk in self.stream.chunks(self.attempt):
            done += len(chunk)
            if self.progress is not None:
                self.progress(done, max(self.total, done))
            yield chunk
        yield self.end
