"""Hostile export packages, made from the real fixture: each is small on disk and costs a careless
reader gigabytes or minutes (issue 18). Every package reader is tested against the same set.

The ZIPs are written by hand so an entry can declare a size its data does not have, and deflated
gigabytes are built from one repeated fully-flushed block (milliseconds, not seconds).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import zipfile
import zlib
from functools import lru_cache
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "volume-cylinder.zip"
ROOT = "fieldengineering/my-folder/volume-cylinder/0.1.0/"
MODULE = ROOT + "91299a5d-9328-4435-911b-4e5f7783f5d4.zip"
METADATA = ROOT + "ModelMetaData.json"
WORKBOOK = ROOT + "workbook.xlsx"  # makes the package a `migrate` one, so imports read it all
GIB = 1 << 30
STORED, DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED


@lru_cache(maxsize=None)
def deflated_zeros(size: int) -> bytes:
    """Raw deflate of `size` zero bytes (a multiple of 16 MiB): one fully-flushed block repeated."""
    block = 16 << 20
    assert size % block == 0
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(b"\0" * block) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(b"\0" * block) + c.flush(zlib.Z_FULL_FLUSH)
    return first + again * (size // block - 1) + c.flush()


class Entry:
    """One entry as written: its compressed bytes, and the size and CRC it declares (truthful unless told)."""

    def __init__(self, name: str, data: bytes = b"", *, method: int = DEFLATED, raw: bytes | None = None,
                 declared: int | None = None, crc: int | None = None) -> None:
        self.name = name
        if raw is None:
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            raw = data if method == STORED else c.compress(data) + c.flush()
        self.raw, self.method = raw, method
        self.size = len(data) if declared is None else declared
        self.crc = zlib.crc32(data) if crc is None else crc


def write_zip(entries: list[Entry]) -> bytes:
    """A ZIP of `entries` exactly as they declare themselves."""
    out, central = io.BytesIO(), io.BytesIO()
    for e in entries:
        name = e.name.encode()
        offset = out.tell()
        out.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, e.method, 0, 0x21, e.crc, len(e.raw), e.size, len(name), 0))
        out.write(name + e.raw)
        central.write(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, e.method, 0, 0x21, e.crc, len(e.raw), e.size,
                                  len(name), 0, 0, 0, 0, 0o644 << 16, offset))
        central.write(name)
    start = out.tell()
    out.write(central.getvalue())
    out.write(struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central.getvalue()), start, 0))
    return out.getvalue()


def _fixture_files() -> dict[str, bytes]:
    with zipfile.ZipFile(FIXTURE) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}


def _package(replace: dict[str, Entry]) -> bytes:
    files = _fixture_files()
    files[WORKBOOK] = b"PK workbook " * 100
    entries = [replace.get(name) or Entry(name, data) for name, data in files.items()]
    return write_zip(entries)


def _module(entries: list[Entry]) -> Entry:
    return Entry(MODULE, write_zip(entries), method=STORED)


def _empty_objects(size: int) -> bytes:
    head, tail = b'{"EngineInformation":{"DefaultEngineType":"Neuron"},"x":[', b"{}]}"
    return head + b"{}," * ((size - len(head) - len(tail)) // 3) + tail


def hostile_set() -> dict[str, bytes]:
    """name -> package bytes: lying sizes, inner bombs, duplicate checksum lines, metadata of empty objects."""
    random_data = os.urandom(4 << 20)
    listed = f"{hashlib.md5(random_data).hexdigest()}  data.bin\n".encode()
    gib_of_zeros = deflated_zeros(GIB)
    return {
        # declares 2,000 bytes, inflates to 1 GiB
        "lying-metadata": _package({METADATA: Entry(METADATA, raw=gib_of_zeros, declared=2000, crc=0)}),
        "lying-workbook": _package({WORKBOOK: Entry(WORKBOOK, raw=gib_of_zeros, declared=4096, crc=0)}),
        # the module's checksums.md5 is 1 GiB of zeros: truthfully declared, and lying
        "inner-bomb": _package({MODULE: _module([Entry("checksums.md5", raw=gib_of_zeros, declared=GIB, crc=0)])}),
        "inner-lying": _package({MODULE: _module([Entry("checksums.md5", raw=gib_of_zeros, declared=100, crc=0)])}),
        # one 4 MiB file listed 300 times
        "duplicate-lines": _package({MODULE: _module([
            Entry("data.bin", random_data, method=STORED), Entry("checksums.md5", listed * 300),
        ])}),
        # ModelMetaData.json of empty objects: 16 MiB, and just under the metadata bound
        "empty-objects-16mib": _package({METADATA: Entry(METADATA, _empty_objects(16 << 20), method=STORED)}),
        "empty-objects-2mib": _package({METADATA: Entry(METADATA, _empty_objects((2 << 20) - 64), method=STORED)}),
        # a control sequence and a long name in checksums.md5: quoted bounded and escaped
        "escape-lines": _package({MODULE: _module([
            Entry("checksums.md5", b"\x1b[2J\x1b]0;pwned\x07" + b"A" * 5000 + b"\n"),
        ])}),
    }


def write_hostile_set(directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, data in hostile_set().items():
        paths[name] = directory / f"{name}.zip"
        paths[name].write_bytes(data)
    return paths


if __name__ == "__main__":  # write the set into a directory: python tests/hostile_packages.py DIR
    import sys

    print(json.dumps({k: str(v) for k, v in write_hostile_set(Path(sys.argv[1])).items()}, indent=1))
