"""Collect blobs no stored version references: what replaced versions leave in `blobs/`.

Safe against every user of a blob: it runs inside a write transaction (no import publishes and no
job starts meanwhile), does nothing while any job of the workspace is active (a running export may
still read a blob whose version was replaced after it was resolved), never looks at `tmp/` (staging
areas), and leaves blobs written in the last GRACE_S (stored before the catalog row that will
reference them, as `Workspace.put_blob` callers do).
"""

from __future__ import annotations

import time

from spark_tui.engine.jobs import ACTIVE
from spark_tui.engine.store import Workspace

GRACE_S = 3600


def collect_orphan_blobs(ws: Workspace, *, grace_s: float = GRACE_S) -> int:
    """Remove unreferenced blobs older than `grace_s`; how many were removed (0 while a job is active)."""
    removed = 0
    with ws.transaction() as db:
        if db.execute("SELECT 1 FROM jobs WHERE status IN (?,?) LIMIT 1", ACTIVE).fetchone():
            return 0
        used = {row[0] for row in db.execute("SELECT DISTINCT sha256 FROM version_files")}
        cutoff = time.time() - grace_s
        for shard in ws.blobs.iterdir():
            if not shard.is_dir() or shard.is_symlink():
                continue
            for blob in shard.iterdir():
                if blob.name not in used and blob.is_file() and blob.stat().st_mtime < cutoff:
                    blob.unlink()
                    removed += 1
    return removed
