"""The real backends are `Backend`s: the protocol is checked, not assumed (the TUI's stand-in: tests/tui)."""

from __future__ import annotations

from pathlib import Path

from spark_tui.backends.base import Backend
from spark_tui.backends.embedded import EmbeddedBackend
from spark_tui.backends.remote import RemoteBackend
from spark_tui.config import Profile


def test_the_real_backends_are_backends(tmp_path: Path) -> None:
    embedded = EmbeddedBackend(tmp_path / "ws", "demo", "me@example.com", (), spawn=False)
    remote = RemoteBackend(Profile(name="uat", backend="spark", base_url="https://excel.uat.example/acme", token="t" * 20))
    try:
        assert isinstance(embedded, Backend) and isinstance(remote, Backend)
    finally:
        embedded.close()
        remote.close()
