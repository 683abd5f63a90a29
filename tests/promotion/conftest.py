"""Fixtures of the promotion tests: a source tenant `dev` and a target tenant `uat` (one or two workspaces)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from promokit import Pair, Result, make_pair


@pytest.fixture
def one_workspace(tmp_path: Path) -> Iterator[Pair]:
    """Two tenants of one workspace."""
    pair = make_pair(tmp_path / "ws", tmp_path / "ws")
    yield pair
    pair.source.close()
    pair.target.close()


@pytest.fixture(params=["one workspace", "two workspaces"])
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pair]:
    second = "ws" if request.param == "one workspace" else "ws2"
    pair = make_pair(tmp_path / "ws", tmp_path / second)
    yield pair
    pair.source.close()
    pair.target.close()


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    path = tmp_path / "out"
    path.mkdir()
    return path


@pytest.fixture
def profiles(spark_tui_home: Path, tmp_path: Path) -> Pair:
    """Profiles `dev` and `uat` in the config file, two tenants of one workspace (seeded as `pair`)."""
    root = tmp_path / "ws"
    pair = make_pair(root, root)
    (spark_tui_home / "config.toml").write_text(
        'default_profile = "dev"\n'
        f'[profiles.dev]\nbackend = "embedded"\nworkspace = "{root}"\ntenant = "dev"\nuser = "dev@example.com"\n'
        f'[profiles.uat]\nbackend = "embedded"\nworkspace = "{root}"\ntenant = "uat"\nuser = "uat@example.com"\n'
    )
    yield pair
    pair.source.close()
    pair.target.close()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Run `main(["--batch", *argv])` in an empty current directory; what it printed and its exit code."""
    from spark_tui.cli import main

    cwd = tmp_path_factory.mktemp("cwd")
    monkeypatch.chdir(cwd)

    def run(*argv: str) -> Result:
        capsys.readouterr()
        code = main(["--batch", *argv])
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return Result(code, captured.out, captured.err)

    run.cwd = cwd
    return run
