"""A download target that is hashed while written and appears only complete and verified."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from types import TracebackType

from spark_tui.atomic_file import AtomicFile
from spark_tui.backends.base import ProgressCallback
from spark_tui.spark.errors import Code, ValidationFailed
from spark_tui.spark.export_wire import ApiError


class TargetExists(ValidationFailed):
    """The destination already exists; nothing is overwritten (exit 2, like other bad input)."""

    def __init__(self, dest: Path) -> None:
        message = f"{dest} already exists; remove it, or choose another file name or output directory"
        super().__init__(message, [ApiError(code=Code.FILE_EXISTS.value, message=message, ref=str(dest))])
        self.dest = dest


class HashMismatch(Exception):
    """The bytes written do not hash to the expected SHA-256 (the temp file is already removed)."""


class VerifiedFile:
    """Write chunks to a temp name beside `dest`; `commit(sha256)` checks, fsyncs and names it.

    Leaving the `with` block without a successful commit removes the temp file, so a failed,
    cancelled or corrupt transfer leaves nothing behind, and an existing `dest` is never replaced
    (TargetExists). Raises InterruptedError when `cancel` is set.
    """

    def __init__(
        self,
        dest: Path,
        total: int = 0,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        self.dest = Path(dest)
        if self.dest.exists():
            raise TargetExists(self.dest)
        self.total = total
        self.progress = progress
        self.cancel = cancel
        self.size = 0
        self._digest = hashlib.sha256()
        self._target = AtomicFile(self.dest, replace=False)
        self._out = self._target.file

    def __enter__(self) -> VerifiedFile:
        return self

    def write(self, chunk: bytes) -> None:
        self.admit(chunk)
        self.store(chunk)

    def admit(self, chunk: bytes) -> None:
        """Count a chunk and report progress (InterruptedError when cancelled), in the caller's thread."""
        if self.cancel is not None and self.cancel.is_set():
            raise InterruptedError(f"download of {self.dest.name} cancelled; nothing was kept")
        self.size += len(chunk)
        if self.progress is not None:
            self.progress(self.size, self.total or self.size)

    def store(self, chunk: bytes) -> None:
        """Write and hash an admitted chunk; may run in one helper thread (see backends/pump.py)."""
        self._out.write(chunk)
        self._digest.update(chunk)

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def commit(self, expected_sha256: str) -> str:
        """Verify against `expected_sha256`, make durable and rename into place; returns the digest."""
        digest = self.sha256
        if digest != expected_sha256.lower():
            raise HashMismatch(f"SHA-256 mismatch: got {digest}, expected {expected_sha256}")
        try:
            self._target.commit()
        except FileExistsError:
            raise TargetExists(self.dest) from None
        return digest

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._target.discard()
