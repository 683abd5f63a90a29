"""A package uploaded while it is still being downloaded.

The download (VerifiedFile) writes the package to its temp file and tells the stream how far it
got; an upload reads the same file behind it (`chunks`) but never its last HOLD bytes until the
owner calls `release()` — after the SHA-256 and the plan check passed. A failed download attempt,
`abort()` or a cancelled run makes the reader raise, so an upload body built on it stops before
the target has received a complete package (the ZIP's central directory is at its end).

    stream = PackageStream()
    VerifiedFile(dest, tee=stream) ...        # download side: begin / grew / completed / attempt_failed
    target.submit_import(stream, entity)     # upload side, in another thread: wait_started + chunks
    stream.release(verified_path)            # the owner, once everything is checked (or abort(reason))
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import BinaryIO, Iterator

HOLD = 64 * 1024  # bytes kept back until release: more than a ZIP's end-of-central-directory record
CHUNK = 256 * 1024


class StreamAborted(Exception):
    """The package will not be released (the download failed, or the run stopped): stop the upload."""


class AttemptFailed(StreamAborted):
    """The download attempt being read failed; the download may try again from its first byte."""


class PackageStream:
    """Shared between one download (writer) and one upload (reader); thread-safe."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._handle: BinaryIO | None = None  # read handle of the current attempt's temp file
        self._attempt = 0
        self._failed_attempt = 0  # the latest attempt that failed
        self._written = 0
        self._total = 0  # size the download announced (0: unknown)
        self._complete = False  # the current attempt is whole and its hash checked
        self._released: Path | None = None
        self._aborted: str | None = None

    # --- the download's side ---------------------------------------------------------------------

    def begin(self, temp: Path, total: int) -> None:
        """A download attempt starts writing `temp` (opened here for reading, so renames don't matter)."""
        handle = open(temp, "rb")
        with self._cond:
            if self._handle is not None:
                self._handle.close()
            self._handle, self._attempt = handle, self._attempt + 1
            self._written, self._total, self._complete = 0, total, False
            self._cond.notify_all()

    def grew(self, written: int, total: int) -> None:
        """`written` bytes of the current attempt are on disk (flushed)."""
        with self._cond:
            self._written, self._total = written, total
            self._cond.notify_all()

    def completed(self) -> None:
        """The current attempt is whole and matched its file_hash; the tail still waits for release()."""
        with self._cond:
            self._complete = True
            self._cond.notify_all()

    def attempt_failed(self) -> None:
        with self._cond:
            if not self._complete:
                self._failed_attempt = self._attempt
                self._cond.notify_all()

    # --- the owner's side ------------------------------------------------------------------------

    def release(self, path: Path) -> None:
        """Everything is checked: the reader may send the tail. `path` is the verified package."""
        with self._cond:
            if not self._complete or self._aborted is not None:
                raise StreamAborted(self._aborted or "release() before the download completed")
            self._released = Path(path)
            self._cond.notify_all()

    def abort(self, reason: str) -> None:
        """Stop the reader (no-op once released)."""
        with self._cond:
            if self._released is None and self._aborted is None:
                self._aborted = reason
                self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            if self._handle is not None:
                self._handle.close()
                self._handle = None

    # --- the upload's side -----------------------------------------------------------------------

    def wait_started(self) -> tuple[int, int]:
        """(attempt, announced size or 0) of the first attempt not known to have failed, once it has
        bytes; raises StreamAborted."""
        with self._cond:
            self._cond.wait_for(lambda: self._aborted is not None or (
                self._attempt > self._failed_attempt and (self._written > 0 or self._complete)))
            if self._aborted is not None:
                raise StreamAborted(self._aborted)
            return self._attempt, self._total

    def chunks(self, attempt: int) -> Iterator[bytes]:
        """The bytes of `attempt` from its start, as they arrive; the last HOLD only after release()."""
        offset = 0
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._readable(attempt) > offset or self._ended(attempt, offset))
                self._check(attempt)
                limit = self._readable(attempt)
                if limit <= offset:
                    return  # released and all sent
                fd = self._handle.fileno()  # type: ignore[union-attr]
                n = min(CHUNK, limit - offset)
                chunk = os.pread(fd, n, offset)  # the handle stays open while the lock is held
            if len(chunk) != n:
                raise AttemptFailed(f"the package file is shorter than reported ({offset + len(chunk)} bytes)")
            offset += n
            yield chunk

    def released_path(self) -> Path:
        """Block until release() (the verified package's path); raises StreamAborted."""
        with self._cond:
            self._cond.wait_for(lambda: self._released is not None or self._aborted is not None)
            if self._released is None:
                raise StreamAborted(self._aborted or "aborted")
            return self._released

    def _readable(self, attempt: int) -> int:
        if attempt != self._attempt:
            return 0
        if self._released is not None:
            return self._written
        return max(0, self._written - HOLD)

    def _ended(self, attempt: int, offset: int) -> bool:
        released_and_sent = self._released is not None and attempt == self._attempt and offset >= self._written
        return (self._aborted is not None or attempt != self._attempt or self._failed_attempt >= attempt
                or released_and_sent)

    def _check(self, attempt: int) -> None:
        if self._aborted is not None:
            raise StreamAborted(self._aborted)
        if attempt != self._attempt or self._failed_attempt >= attempt:
            raise AttemptFailed(f"download attempt {attempt} failed; the upload starts again with the next one")
