"""`zip_bounds`: an entry is never inflated beyond what it declares nor beyond the ratio bound."""

from __future__ import annotations

import io
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hostile_packages import Entry, deflated_zeros, write_zip  # noqa: E402

from spark_tui.spark import zip_bounds
from spark_tui.spark.zip_bounds import BoundedEntry, check_archive, read_entry
from spark_tui.spark.errors import BadPackage

MIB = 1 << 20


def archive(*entries: Entry) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(write_zip(list(entries))))


@pytest.mark.parametrize("declared", [1, 2000, 4096, MIB])
def test_an_entry_that_inflates_past_its_declared_size_yields_at_most_that_size(declared: int) -> None:
    zf = archive(Entry("x.json", raw=deflated_zeros(64 * MIB), declared=declared, crc=0))
    got = 0
    with pytest.raises(BadPackage, match="'x.json' is corrupt or is not what its ZIP record declares"):
        with BoundedEntry(zf, zf.getinfo("x.json")) as entry:
            while chunk := entry.read(7 * MIB):  # more than a chunk asked: one chunk given
                assert len(chunk) <= zip_bounds.CHUNK
                got += len(chunk)
    assert got <= declared


def test_an_entry_declared_empty_yields_nothing() -> None:
    zf = archive(Entry("x.json", raw=deflated_zeros(64 * MIB), declared=0, crc=0))
    with BoundedEntry(zf, zf.getinfo("x.json")) as entry:
        assert entry.read() == b""


@pytest.mark.parametrize("declared", [16 * MIB, 64 * MIB])
def test_a_truthful_bomb_is_refused_before_a_byte_is_inflated(declared: int) -> None:
    zf = archive(Entry("bomb.bin", raw=deflated_zeros(64 * MIB), declared=declared, crc=0))
    with pytest.raises(BadPackage, match=r"expands \d+ bytes to \d+ \(more than 200:1\)"):
        BoundedEntry(zf, zf.getinfo("bomb.bin"))


def test_the_ratio_bound_stops_a_stream_even_when_the_declared_size_is_larger(monkeypatch: pytest.MonkeyPatch) -> None:
    data = bytes(3 * MIB)
    zf = archive(Entry("z.bin", data))
    info = zf.getinfo("z.bin")
    monkeypatch.setattr(zip_bounds, "check_entry", lambda info: None)  # as if the directory check were lenient
    with pytest.raises(BadPackage, match=f"expands beyond {MIB} bytes"):
        with BoundedEntry(zf, info) as entry:
            entry.read()


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_methods_that_inflate_unbounded_blocks_are_refused(method: int) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        zf.writestr("a.txt", b"a" * 1000)
    with zipfile.ZipFile(buffer) as zf, pytest.raises(BadPackage, match=f"compression method {method}"):
        check_archive(zf, "package 'p.zip'", "p.zip", len(buffer.getvalue()))


@pytest.mark.parametrize("size,limit,ok", [(10, 10, True), (11, 10, False), (0, 0, True)])
def test_read_entry_refuses_what_declares_more_than_its_limit(size: int, limit: int, ok: bool) -> None:
    zf = archive(Entry("m.json", b"x" * size))
    if ok:
        assert read_entry(zf, zf.getinfo("m.json"), limit, "a metadata file") == b"x" * size
    else:
        with pytest.raises(BadPackage, match=f"is {size} bytes, more than {limit} for a metadata file"):
            read_entry(zf, zf.getinfo("m.json"), limit, "a metadata file")


def test_names_are_quoted_bounded_and_escaped() -> None:
    name = "\x1b]0;pwned\x07" + "a" * 5000
    zf = archive(Entry(name, raw=zlib.compress(b"x")[2:-4], declared=1, crc=0))
    with pytest.raises(BadPackage) as caught:
        check_archive(zf, "package 'p.zip'", "p.zip", 100)
    message = caught.value.errors[0].message
    assert "\x1b" not in message and "\\x1b]0;pwned\\x07" in message and len(message) < 400
