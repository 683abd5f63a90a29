from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from serve_live import Served, serve_workspace


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    ws, server = serve_workspace(tmp_path / "ws")
    with server:
        yield Served(ws=ws, url=server.url)
    ws.close()
