"""Files that appear complete or not at all, for every layer (config, receipts, packages, downloads).

A file is written under a unique temporary name in its target's directory (so two writers never
share one, and the rename stays on one file system), flushed to disk, then renamed onto the
target and the directory synced. A failure or a crash before the rename leaves the target as it
was and no temporary file behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from types import TracebackType


def default_mode() -> int:
    """The permissions a plain `open()` would give a new file under the current umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


class AtomicFile:
    """A binary file (`.file`) that becomes `path` on `commit()`; `discard()` removes it instead.

    As a context manager it commits when the block ends cleanly and discards on an exception.
    `mode` sets the permissions (0o600 for secrets; default: as the umask gives). With
    `replace=False` an existing `path` is never overwritten: `commit()` raises FileExistsError.
    """

    def __init__(self, path: Path | str, *, mode: int | None = None, replace: bool = True) -> None:
        self.path = Path(path)
        self.mode = default_mode() if mode is None else mode
        self.replace = replace
        self.committed = False
        fd, self.tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".part")
        self.file = os.fdopen(fd, "wb")

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc is None and not self.committed:
            self.commit()
        self.discard()

    def commit(self) -> None:
        """Make the content durable, then give it the target's name (and sync the directory)."""
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            os.fchmod(self.file.fileno(), self.mode)
            self.file.close()
            self._publish()
        except BaseException:
            self.discard()
            raise
        self.committed = True
        _fsync_dir(self.path.parent)

    def discard(self) -> None:
        """Close and remove the temporary file (nothing to do after a commit)."""
        if not self.file.closed:
            self.file.close()
        if not self.committed:
            Path(self.tmp).unlink(missing_ok=True)

    def _publish(self) -> None:
        if self.replace:
            os.replace(self.tmp, self.path)
            return
        try:
            os.link(self.tmp, self.path)  # fails, rather than replaces, when the target exists
        except FileExistsError:
            raise FileExistsError(f"{self.path} already exists") from None
        except OSError:  # a file system without hard links: check, then rename
            if self.path.exists():
                raise FileExistsError(f"{self.path} already exists") from None
            os.replace(self.tmp, self.path)
            return
        os.unlink(self.tmp)


def atomic_write(path: Path | str, data: str | bytes, *, mode: int | None = None) -> None:
    """Replace `path` with `data` (text as UTF-8) atomically; `mode` as for AtomicFile."""
    with AtomicFile(path, mode=mode) as target:
        target.file.write(data.encode("utf-8") if isinstance(data, str) else data)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
