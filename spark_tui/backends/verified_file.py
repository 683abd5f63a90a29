"""A download target that is hashed while written and appears only complete and verified."""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path
from types import TracebackType

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
    """The bytes written do not hash to the expected digest (the temp file is already removed)."""


class UnknownHash(ValueError):
    """An expected digest that is neither a SHA-256 nor an MD5 hex string."""


def hash_algorithm(expected: str) -> str:
    """`sha256` or `md5`, told apart by the length of the hex digest (Spark does not say which it sends)."""
    text = expected.strip().lower()
    if all(c in "0123456789abcdef" for c in text) and len(text) in (64, 32):
        return "sha256" if len(text) == 64 else "md5"
    raise UnknownHash(f"file_hash '{expected[:80]}' is neither a SHA-256 (64 hex digits) nor an MD5 (32 hex digits)")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
        self._md5 = hashlib.md5(usedforsecurity=False)
        fd, self._tmp = tempfile.mkstemp(dir=self.dest.parent, prefix=f".{self.dest.name}.", suffix=".part")
        self._out = os.fdopen(fd, "wb")

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
        self._md5.update(chunk)

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def commit(self, expected: str | None) -> str:
        """Verify against `expected` (a SHA-256 or MD5 hex digest, see `hash_algorithm`; None: nothing
        to check), make durable and rename into place; returns the SHA-256 digest."""
        digest = self.sha256
        if expected is not None:
            algorithm = hash_algorithm(expected)
            got = digest if algorithm == "sha256" else self._md5.hexdigest()
            if got != expected.strip().lower():
                raise HashMismatch(f"{'SHA-256' if algorithm == 'sha256' else 'MD5'} mismatch: got {got}, expected {expected}")
        self._out.flush()
        os.fsync(self._out.fileno())
        os.fchmod(self._out.fileno(), 0o666 & ~_umask())
        self._out.close()
        _publish(self._tmp, self.dest)
        return digest

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if not self._out.closed:
            self._out.close()
        if os.path.exists(self._tmp):
            os.unlink(self._tmp)


def _publish(tmp: str, dest: Path) -> None:
    """Give the finished temp file its name without replacing an existing file (link, unlink)."""
    try:
        os.link(tmp, dest)
    except FileExistsError:
        raise TargetExists(dest) from None
    except OSError:  # a file system without hard links: check, then rename
        if dest.exists():
            raise TargetExists(dest) from None
        os.replace(tmp, dest)
        return
    os.unlink(tmp)
