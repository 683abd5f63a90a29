"""The import's upload run beside the package's download, so the two transfers overlap.

A helper thread calls `target.submit_import(stream, …)` on a PackageStream the download writes
(backends/package_stream.py): a remote target receives the bytes as they arrive, all but the last
HOLD, which `finish()` releases once the package is verified; an embedded target waits for the
release and copies the file as before. Leaving the `with` block without `finish()` aborts the
stream, so the target never receives a complete unverified package.
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType

from spark_tui.backends.base import Backend
from spark_tui.backends.package_stream import PackageStream
from spark_tui.spark.import_wire import ImportJob, ImportRequestEntity


class Upload:
    """`target.submit_import` of a PackageStream in a helper thread (see the module docstring)."""

    def __init__(self, target: Backend, entity: ImportRequestEntity) -> None:
        self.target, self.entity = target, entity
        self.stream = PackageStream()
        self._job: ImportJob | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="package-upload", daemon=True)

    def _run(self) -> None:
        try:
            self._job = self.target.submit_import(self.stream, self.entity)
        except BaseException as exc:  # re-raised by finish() or failure in the caller's thread
            self._error = exc

    def __enter__(self) -> Upload:
        self._thread.start()
        return self

    @property
    def failure(self) -> BaseException | None:
        """Why the upload already ended without a job (e.g. the target refused it), else None."""
        return self._error if not self._thread.is_alive() else None

    def finish(self, package: Path) -> ImportJob:
        """Release the verified package's tail and wait for the import job the target created."""
        self.stream.release(package)
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._job is not None
        return self._job

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stream.abort("the promotion stopped before the package was verified; nothing was imported")
        self._thread.join()
        self.stream.close()
