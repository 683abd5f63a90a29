"""A download target that is hashed while written and appears only complete and verified."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from spark_tui.atomic_file import AtomicFile
from spark_tui.backends.base import Backend, ProgressCallback
from spark_tui.backends.package_stream import PackageStream
from spark_tui.spark.errors import Code, ValidationFailed, api_error

if TYPE_CHECKING:
    from spark_tui.spark.export_wire import Download, ExportJob


class TargetExists(ValidationFailed):
    """The destination already exists; nothing is overwritten (exit 2, like other bad input)."""

    def __init__(self, dest: Path) -> None:
        message = f"{dest} already exists; remove it, or choose another file name or output directory"
        super().__init__(message, [api_error(Code.FILE_EXISTS.value, message, str(dest))])
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


class VerifiedFile:
    """Write chunks to a temp name beside `dest`; `commit(sha256)` checks, fsyncs and names it.

    Leaving the `with` block without a successful commit removes the temp file, so a failed,
    cancelled or corrupt transfer leaves nothing behind, and an existing `dest` is never replaced
    (TargetExists). Raises InterruptedError when `cancel` is set. With `tee`, each stored chunk is
    flushed and announced to that PackageStream, so an upload can follow the download. `md5=False`
    skips the MD5 when the expected digest is known to be a SHA-256 (one hash less per byte).
    """

    def __init__(
        self,
        dest: Path,
        total: int = 0,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
        tee: PackageStream | None = None,
        md5: bool = True,
    ) -> None:
        self.dest = Path(dest)
        if self.dest.exists():
            raise TargetExists(self.dest)
        self.total = total
        self.progress = progress
        self.cancel = cancel
        self.size = 0
        self._digest = hashlib.sha256()
        self._md5 = hashlib.md5(usedforsecurity=False) if md5 else None  # False: the expected digest is a SHA-256
        self._target = AtomicFile(self.dest, replace=False)
        self._out = self._target.file
        self._stored = 0
        self.tee = tee
        if tee is not None:
            tee.begin(Path(self._target.tmp), total)

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
        if self._md5 is not None:
            self._md5.update(chunk)
        if self.tee is not None:
            self._stored += len(chunk)
            self._out.flush()  # the upload reads the file through another handle
            self.tee.grew(self._stored, self.total)

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def commit(self, expected: str | None) -> str:
        """Verify against `expected` (a SHA-256 or MD5 hex digest, see `hash_algorithm`; None: nothing
        to check), make durable and rename into place; returns the SHA-256 digest."""
        digest = self.sha256
        if expected is not None:
            algorithm = hash_algorithm(expected)
            if algorithm == "md5" and self._md5 is None:
                raise HashMismatch(f"an MD5 {expected} was expected after the file was hashed with SHA-256 only")
            got = digest if algorithm == "sha256" else self._md5.hexdigest()  # type: ignore[union-attr]
            if got != expected.strip().lower():
                raise HashMismatch(f"{'SHA-256' if algorithm == 'sha256' else 'MD5'} mismatch: got {got}, expected {expected}")
        try:
            self._target.commit()
        except FileExistsError:
            raise TargetExists(self.dest) from None
        if self.tee is not None:
            self.tee.completed()
        return digest

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._target.discard()
        if self.tee is not None and not self._target.committed:
            self.tee.attempt_failed()


def download_replacing(
    backend: Backend, job: ExportJob, dest_dir: Path, *,
    progress: ProgressCallback | None = None, cancel: threading.Event | None = None, tee: PackageStream | None = None,
) -> list[Download]:
    """`backend.download` that replaces files of the same name (`--if-exists overwrite`).

    The files go to a staging directory inside `dest_dir` first and each verified one is renamed
    over its namesake: an old package stays whole until its replacement is complete and verified."""
    stage = Path(tempfile.mkdtemp(prefix=".spark-tui-download-", dir=dest_dir))
    try:
        placed = []
        for d in backend.download(job, stage, progress=progress, cancel=cancel, tee=tee):
            if d.verified:
                target = Path(dest_dir) / Path(d.path).name
                os.replace(d.path, target)
                d = d.model_copy(update={"path": str(target)})
            placed.append(d)
        return placed
    finally:
        shutil.rmtree(stage, ignore_errors=True)
