"""Helpers of the promotion tests: rewrite a package ZIP with one entry changed."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Callable


def rewrite(source: Path, dest: Path, change: Callable[[str, bytes], bytes]) -> Path:
    """Copy the ZIP at `source` to `dest`, passing every file's bytes through `change(name, data)`."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        seen = set()
        for info in src.infolist():
            if info.filename not in seen:  # real packages repeat directory entries
                seen.add(info.filename)
                out.writestr(info, b"" if info.is_dir() else change(info.filename, src.read(info)))
    return dest


def rewrite_module(data: bytes, change: Callable[[str, bytes], bytes]) -> bytes:
    """The inner module ZIP `data` with every file passed through `change` (checksums.md5 untouched unless changed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info, change(info.filename, src.read(info)))
    return buffer.getvalue()


def corrupt_entry_bytes(path: Path, entry: str) -> None:
    """Flip one byte inside the stored data of `entry` (its CRC no longer matches)."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(entry)
    raw = bytearray(path.read_bytes())
    header = info.header_offset
    name_len = int.from_bytes(raw[header + 26:header + 28], "little")
    extra_len = int.from_bytes(raw[header + 28:header + 30], "little")
    start = header + 30 + name_len + extra_len
    raw[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
