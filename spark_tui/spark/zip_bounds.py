"""Bounded reading of ZIP entries: the one way every package reader gets at an entry's bytes.

`ZipFile.read()` inflates a whole entry before anything can check it, so an entry that declares
2,000 bytes but inflates to 1 GiB costs 1 GiB. Here an archive's entries are checked from their
directory records first (names, links, encryption, compression method, per-entry and total
expansion), then each is read as a stream that stops at its declared size and at the ratio
bound, whichever comes first. The same checks serve export packages and the module ZIPs inside
them. Every refusal is a BadPackage whose message quotes names bounded and escaped.
"""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from typing import NoReturn

from spark_tui.spark.errors import BadPackage, Code, api_error, excerpt

CHUNK = 1024 * 1024
MAX_ENTRIES = 10_000
MAX_TOTAL_BYTES = 4 * 209_715_200  # four times Spark's default package size limit of a tenant (200 MiB)
MAX_RATIO = 200
RATIO_MIN_BYTES = 1024 * 1024
MAX_TOTAL_RATIO = 20
TOTAL_RATIO_MIN_BYTES = 64 * 1024 * 1024
NAME_CHARS = 200
# bzip2 and LZMA inflate a whole input block at once, whatever is asked for: only these two stream in bounded steps
METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
CORRUPT = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError)
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def bad(message: str, ref: str) -> NoReturn:
    raise BadPackage(message, [api_error(Code.BAD_PACKAGE.value, message, excerpt(ref, NAME_CHARS))])


def shown(name: str) -> str:
    """A name from an archive as a message may quote it: bounded, controls escaped."""
    return excerpt(name, NAME_CHARS)


def check_entry(info: zipfile.ZipInfo) -> None:
    """Refuse entry names that could escape the archive root, symlinks, encryption, unbounded methods and zip bombs."""
    name = info.filename
    parts = name.rstrip("/").split("/")
    if "\\" in name or name.startswith("/") or _DRIVE.match(name) or _CONTROL.search(name):
        bad(f"entry '{shown(name)}' has an absolute, drive-letter, backslash or control-character path", name)
    if any(p in ("", ".", "..") for p in parts):
        bad(f"entry '{shown(name)}' has an empty, '.' or '..' path component and could escape the package root", name)
    if stat.S_ISLNK(info.external_attr >> 16):
        bad(f"entry '{shown(name)}' is a symbolic link; packages hold only files and folders", name)
    if info.flag_bits & 0x1:
        bad(f"entry '{shown(name)}' is encrypted; export packages are not", name)
    if info.compress_type not in METHODS and not info.is_dir():
        bad(f"entry '{shown(name)}' uses compression method {info.compress_type}; export packages are stored or deflated", name)
    if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        bad(
            f"entry '{shown(name)}' expands {info.compress_size} bytes to {info.file_size} "
            f"(more than {MAX_RATIO}:1); refusing a likely zip bomb", name,
        )


def check_archive(archive: zipfile.ZipFile, what: str, ref: str, archive_bytes: int) -> list[zipfile.ZipInfo]:
    """The entries of `archive` (`archive_bytes` long; messages call it `what`), each checked, and what they expand to in all."""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        bad(f"{what} has {len(infos)} entries (more than {MAX_ENTRIES}); refusing it", ref)
    for info in infos:
        check_entry(info)
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_BYTES:
        bad(f"{what} declares {total} bytes uncompressed (more than {MAX_TOTAL_BYTES}); refusing it", ref)
    if total > TOTAL_RATIO_MIN_BYTES and total > MAX_TOTAL_RATIO * max(archive_bytes, 1):
        bad(
            f"{what} expands {archive_bytes} bytes to {total} (more than {MAX_TOTAL_RATIO}:1 overall); "
            "refusing a likely zip bomb", ref,
        )
    return infos


def entry_bound(info: zipfile.ZipInfo) -> int:
    """The most bytes an entry may yield: its declared size, and never beyond the ratio bound."""
    return min(info.file_size, max(RATIO_MIN_BYTES, MAX_RATIO * info.compress_size))


class BoundedEntry:
    """A checked entry opened as a stream: `read` never inflates more than `entry_bound` in all,
    nor more than one chunk per call, and a corrupt or overlong entry is a BadPackage."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        check_entry(info)
        self.info = info
        self.left = entry_bound(info)
        try:
            self._src = archive.open(info)
        except CORRUPT as exc:
            self._corrupt(exc)

    def _corrupt(self, exc: BaseException) -> NoReturn:
        name = self.info.filename
        bad(f"entry '{shown(name)}' is corrupt or is not what its ZIP record declares ({excerpt(str(exc), 120)})", name)

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            return b"".join(iter(lambda: self.read(CHUNK), b""))
        try:
            data = self._src.read(min(n, CHUNK, self.left + 1))
        except CORRUPT as exc:
            self._corrupt(exc)
        if len(data) > self.left:
            name = self.info.filename
            bad(f"entry '{shown(name)}' expands beyond {entry_bound(self.info)} bytes; refusing a likely zip bomb", name)
        self.left -= len(data)
        return data

    def close(self) -> None:
        self._src.close()

    def __enter__(self) -> BoundedEntry:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, what: str) -> bytes:
    """The whole of a small entry (refused when it declares more than `limit` bytes, `what` says what it is)."""
    if info.file_size > limit:
        bad(f"entry '{shown(info.filename)}' is {info.file_size} bytes, more than {limit} for {what}", info.filename)
    with BoundedEntry(archive, info) as entry:
        return entry.read()
