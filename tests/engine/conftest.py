"""Shared engine fixtures: fresh workspaces, the demo workspace, ZIP building and catalog counts."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Callable

import pytest

from spark_tui.engine.demo import ensure_demo
from spark_tui.engine.store import Workspace

MakeZip = Callable[..., Path]


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """An empty workspace of its own."""
    workspace = Workspace(tmp_path / "workspace")
    yield workspace
    workspace.close()


@pytest.fixture
def demo_ws(ws: Workspace) -> Workspace:
    """A workspace holding the demo tenant."""
    ensure_demo(ws)
    return ws


@pytest.fixture(scope="session")
def shared_demo_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """One demo workspace for the whole session: READ-ONLY, never change it in a test."""
    workspace = Workspace(tmp_path_factory.mktemp("shared-demo") / "workspace")
    ensure_demo(workspace)
    return workspace


@pytest.fixture
def catalog_counts() -> Callable[[Workspace], dict[str, int]]:
    """Rows per catalog table (a failed import must leave them unchanged)."""

    def counts(ws: Workspace) -> dict[str, int]:
        db = ws.connect()
        tables = ("tenants", "folders", "services", "versions", "version_files")
        return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}

    return counts


@pytest.fixture
def make_zip(tmp_path: Path) -> MakeZip:
    """Write a ZIP of `entries` (name -> bytes, or a ZipInfo -> bytes) and return its path."""

    def make(entries: dict[str | zipfile.ZipInfo, bytes], name: str = "package.zip", method: int = zipfile.ZIP_DEFLATED) -> Path:
        path = tmp_path / name
        with zipfile.ZipFile(path, "w", method) as zf:
            for entry, data in entries.items():
                zf.writestr(entry, data)
        return path

    return make
