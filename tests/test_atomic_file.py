"""Files appear complete or not at all: unique temp names beside the target, fsync, rename, permissions."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from spark_tui.atomic_file import AtomicFile, atomic_write, default_mode


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_write_replaces_the_target_with_umask_permissions_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    target.write_text("old")
    atomic_write(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓" and mode(target) == default_mode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]


def test_a_private_write_is_0600(tmp_path: Path) -> None:
    atomic_write(tmp_path / "config.toml", b"token = 'x'", mode=0o600)
    assert mode(tmp_path / "config.toml") == 0o600


def test_a_failure_inside_the_block_keeps_the_old_content_and_removes_the_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "receipt.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), AtomicFile(target) as new:
        new.file.write(b"half")
        assert Path(new.tmp).exists() and Path(new.tmp).parent == tmp_path
        raise RuntimeError("disk went away")
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["receipt.json"]


def test_two_writers_of_one_target_never_share_a_temp_name(tmp_path: Path) -> None:
    target = tmp_path / "pending-saves.json"
    first, second = AtomicFile(target), AtomicFile(target)
    assert first.tmp != second.tmp
    first.file.write(b"first")
    second.file.write(b"second")
    first.commit()
    second.commit()
    assert target.read_bytes() == b"second" and sorted(p.name for p in tmp_path.iterdir()) == ["pending-saves.json"]


def test_without_replace_an_existing_target_is_never_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "package.zip"
    new = AtomicFile(target, replace=False)
    new.file.write(b"new")
    target.write_bytes(b"someone else's")
    with pytest.raises(FileExistsError, match="package.zip already exists"):
        new.commit()
    assert target.read_bytes() == b"someone else's" and sorted(p.name for p in tmp_path.iterdir()) == ["package.zip"]
