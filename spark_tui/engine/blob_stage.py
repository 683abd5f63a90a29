"""Blobs of one import, kept apart until the catalog commits: all or nothing, stored bytes included.

Files are streamed into a staging directory in the workspace's `tmp/` (named by content hash)
outside the workspace lock; the sweep of `tmp/` removes it after a killed process, never while its
process holds the workspace open. Inside the catalog transaction `publish` moves each staged blob
referenced by the catalog into the store — over a stored copy too, like `Workspace.put_blob`, so freshly hashed content
repairs a damaged blob — and returns the blobs it added; if the transaction then fails,
`unpublish` removes exactly those. Whatever happens, `close` (or leaving the `with` block) removes
the staging directory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

from spark_tui.engine import housekeeping
from spark_tui.engine.store import Workspace, write_hashed


class BlobStage:
    """Staged blobs for workspace `ws`, in a new directory of its `tmp/` named `prefix…` (removed by `close`)."""

    def __init__(self, ws: Workspace, prefix: str) -> None:
        self.ws = ws
        self.dir = Path(tempfile.mkdtemp(prefix=prefix, dir=ws.tmp))
        self.staged: dict[str, Path] = {}

    def put(self, source: BinaryIO | bytes, progress: Callable[[int], None] | None = None) -> tuple[str, int]:
        """Stage content; returns (sha256, size) as Workspace.put_blob does."""
        tmp_name, sha, size = write_hashed(source, self.dir, progress)
        if sha in self.staged:  # content already in the store is still staged: it may vanish before publish
            os.unlink(tmp_name)
        else:
            target = self.dir / sha
            os.replace(tmp_name, target)
            self.staged[sha] = target
        return sha, size

    def read(self, sha: str) -> bytes:
        return self.staged[sha].read_bytes()

    def publish(self, used: set[str]) -> list[Path]:
        """Move the staged blobs the catalog now references (`used`) into the store (call inside the
        catalog transaction); the blobs added. The rest (e.g. a metadata file's original, staged before
        it was rewritten) goes with the staging directory."""
        added = []
        try:
            for sha, staged in self.staged.items():
                if sha not in used:
                    continue
                final = self.ws.blob_path(sha)
                final.parent.mkdir(mode=housekeeping.DIR_MODE, exist_ok=True)
                existed = final.exists()
                os.replace(staged, final)  # always: content just hashed replaces a damaged copy
                if not existed:
                    added.append(final)
        except BaseException:
            self.unpublish(added)
            raise
        return added

    @staticmethod
    def unpublish(added: list[Path]) -> None:
        """Remove blobs `publish` added (the catalog transaction that would reference them failed)."""
        for path in added:
            path.unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> BlobStage:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
