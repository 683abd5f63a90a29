"""The package file of an import upload, reporting progress as httpx's multipart encoder reads it."""

from __future__ import annotations

from typing import BinaryIO

from spark_tui.backends.base import ProgressCallback


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
