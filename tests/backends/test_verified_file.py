"""VerifiedFile: a download appears only complete and verified, with ordinary permissions."""

from __future__ import annotations

import hashlib
import os
import stat
import threading

import pytest

from spark_tui.backends.verified_file import HashMismatch, VerifiedFile


def test_commit_renames_with_umask_permissions(tmp_path):
    data = b"package bytes" * 1000
    seen = []
    with VerifiedFile(tmp_path / "p.zip", total=len(data), progress=lambda d, t: seen.append((d, t))) as sink:
        sink.write(data[:5000])
        sink.write(data[5000:])
        sink.commit(hashlib.sha256(data).hexdigest())
    target = tmp_path / "p.zip"
    assert target.read_bytes() == data
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert seen[-1] == (len(data), len(data))
    assert os.listdir(tmp_path) == ["p.zip"]


def test_hash_mismatch_leaves_nothing(tmp_path):
    with pytest.raises(HashMismatch):
        with VerifiedFile(tmp_path / "p.zip") as sink:
            sink.write(b"abc")
            sink.commit("0" * 64)
    assert os.listdir(tmp_path) == []


def test_cancel_leaves_nothing(tmp_path):
    cancel = threading.Event()
    with pytest.raises(InterruptedError):
        with VerifiedFile(tmp_path / "p.zip", cancel=cancel) as sink:
            sink.write(b"abc")
            cancel.set()
            sink.write(b"def")
    assert os.listdir(tmp_path) == []


def test_an_existing_file_is_never_replaced(tmp_path):
    from spark_tui.backends.verified_file import TargetExists

    precious = tmp_path / "p.zip"
    precious.write_bytes(b"precious")
    with pytest.raises(TargetExists, match=r"p\.zip already exists; remove it"):
        VerifiedFile(precious)
    assert precious.read_bytes() == b"precious" and os.listdir(tmp_path) == ["p.zip"]


def test_a_file_appearing_while_writing_is_not_replaced(tmp_path):
    from spark_tui.backends.verified_file import TargetExists

    data = b"new"
    with pytest.raises(TargetExists):
        with VerifiedFile(tmp_path / "p.zip") as sink:
            sink.write(data)
            (tmp_path / "p.zip").write_bytes(b"precious")  # another process got there first
            sink.commit(hashlib.sha256(data).hexdigest())
    assert (tmp_path / "p.zip").read_bytes() == b"precious" and os.listdir(tmp_path) == ["p.zip"]
