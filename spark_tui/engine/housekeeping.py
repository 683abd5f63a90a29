"""What opening a workspace takes care of: private permissions, the liveness lock, leftovers.

- Directories are 0700 and `workspace.db` with its `-wal`/`-shm` 0600, also in workspaces made
  by older versions: packages and models are the tenants' data.
- Every process holding the workspace open holds a shared `flock` on `.workspace.lock`. The
  process that can take it exclusively knows no other process uses the workspace, so what lies in
  `tmp/` and the half-written `*.part` files and empty directories under `packages/` are
  leftovers of killed processes: it removes them, then keeps a shared lock like everyone else.
  The lock dies with its process, so a killed process never blocks the sweep.
- `disk_full` tells a full disk apart from a damaged workspace.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import weakref
from contextlib import suppress
from pathlib import Path
from typing import Callable

try:
    import fcntl
except ImportError:  # Windows: no flock, no sweep (leftovers stay in tmp/)
    fcntl = None  # type: ignore[assignment]

DIR_MODE = 0o700
FILE_MODE = 0o600
LOCK_NAME = ".workspace.lock"
SQLITE_FULL = 13


def private_dir(path: Path) -> None:
    """Create `path` (and parents) and make it 0700; a directory of another owner is left as is."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _chmod(path, DIR_MODE)


def _chmod(path: Path, mode: int) -> None:
    try:
        if os.stat(path).st_mode & 0o777 != mode:
            os.chmod(path, mode)
    except PermissionError:
        pass


def tighten(db_path: Path, blobs: Path) -> None:
    """0600 for the database files, 0700 for the blob fan-out directories (older versions made
    them world-readable; blobs and packages themselves were always written 0600). By path only:
    opening and closing the database file here would drop SQLite's locks of this process."""
    for suffix in ("", "-wal", "-shm"):
        p = db_path.with_name(db_path.name + suffix)
        if p.exists():
            _chmod(p, FILE_MODE)
    with os.scandir(blobs) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                _chmod(Path(entry.path), DIR_MODE)


def hold_lock(owner: object, root: Path, when_alone: Callable[[], object]) -> None:
    """Take the workspace's liveness lock for as long as `owner` lives. When no other process
    holds it, run `when_alone` (the sweep) under the exclusive lock first."""
    if fcntl is None:
        return
    fd = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT, FILE_MODE)
    weakref.finalize(owner, os.close, fd)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while another opener sweeps
        return
    try:
        when_alone()
    finally:
        fcntl.flock(fd, fcntl.LOCK_SH)


def sweep(tmp: Path, packages: Path) -> None:
    """Remove leftovers of killed processes; only call while holding the lock exclusively.

    Everything in `tmp/` goes; under `packages/`, half-written `*.part` files and directories
    left empty.
    """
    for entry in list(tmp.iterdir()):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    for job_dir in list(packages.iterdir()):
        if not job_dir.is_dir() or job_dir.is_symlink():
            continue
        for part in job_dir.glob(".*.part"):
            part.unlink(missing_ok=True)
        with suppress(OSError):
            job_dir.rmdir()  # only when empty


def disk_full(exc: BaseException, root: Path) -> bool:
    """Whether `exc` (an OSError or sqlite3 error met opening or writing the workspace at `root`)
    comes from a full disk or exhausted quota."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if isinstance(exc, sqlite3.Error):
        if (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF == SQLITE_FULL or "disk is full" in str(exc):
            return True
        existing = next((p for p in (root, *root.parents) if p.exists()), None)
        try:
            return existing is not None and shutil.disk_usage(existing).free == 0
        except OSError:
            return False
    return False
