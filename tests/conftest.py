"""Shared fixtures: every test runs with its own SPARK_TUI_HOME so nothing touches the user's files."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURE_ZIP = SHARED / "fixtures" / "volume-cylinder.zip"


@pytest.fixture(autouse=True)
def spark_tui_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("SPARK_TUI_HOME", str(home))
    for var in ("CSPARK_BASE_URL", "CSPARK_BEARER_TOKEN", "CSPARK_API_KEY", "CSPARK_CLIENT_ID", "CSPARK_CLIENT_SECRET"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def fixture_zip() -> Path:
    if not FIXTURE_ZIP.exists():
        pytest.skip(f"fixture {FIXTURE_ZIP} not present")
    return FIXTURE_ZIP
