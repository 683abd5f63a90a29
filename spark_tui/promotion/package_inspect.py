"""`--inspect PKG`: what a package holds, and its integrity.

Every entry is read to its end through a bounded stream (zipfile checks each CRC-32); each inner
module `{version_id}.zip` is checked like a package (zip_bounds) and every file its
`checksums.md5` names is checked once against its MD5, within one budget for all modules. The
package's SHA-256 is computed in the same pass, to compare with the export job's `file_hash`.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import BinaryIO

from spark_tui.spark.package_format import PackageContents, open_package
from spark_tui.spark.zip_bounds import (
    CORRUPT,
    MAX_ENTRIES,
    MAX_TOTAL_BYTES,
    BoundedEntry,
    bad,
    check_archive,
    read_entry,
    shown,
)
from spark_tui.spark.errors import BadPackage, Code
from spark_tui.spark.export_wire import ApiError
from spark_tui.spark.promotion_wire import InspectedVersion, PackageInspection
from spark_tui.spark.uri import service_uri

CHUNK = 1024 * 1024
SPOOL_BYTES = 32 * 1024 * 1024
CHECKSUMS = "checksums.md5"
MAX_CHECKSUMS_BYTES = 1024 * 1024


def inspect_package(path: Path) -> PackageInspection:
    """Read and check the package at `path`; problems are collected in `errors`, never raised."""
    path = Path(path)
    result = PackageInspection(path=str(path), bytes=path.stat().st_size if path.is_file() else 0, sha256=_sha256(path))
    try:
        with open_package(path) as pkg:
            result.kind, result.tenant, result.export_job_id = pkg.kind.value, pkg.tenant, pkg.export_id
            result.service_versions = [
                InspectedVersion(
                    service_uri_source=service_uri(v.folder, v.service, v.version), service_id_source=v.service_id,
                    version_id_source=v.version_id, bytes=v.size, files=len(v.entries),
                )
                for v in pkg.versions
            ]
            _check_entries(pkg, result)
    except BadPackage as exc:
        result.errors += exc.errors or [_problem(exc.message, str(path))]
    return result


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    if path.is_file():
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def _problem(message: str, ref: str) -> ApiError:
    return ApiError(code=Code.BAD_PACKAGE.value, message=message, ref=ref)


def _check_entries(pkg: PackageContents, result: PackageInspection) -> None:
    modules = {v.entries[f"{v.version_id}.zip"].filename for v in pkg.versions if v.has_module}
    budget = Budget(MAX_TOTAL_BYTES)
    for info in pkg.archive.infolist():
        if info.is_dir():
            continue
        result.checked_entries += 1
        try:
            with BoundedEntry(pkg.archive, info) as src, tempfile.SpooledTemporaryFile(SPOOL_BYTES) as copy:
                if info.filename in modules:
                    shutil.copyfileobj(src, copy, CHUNK)
                    copy.seek(0)
                    result.errors += _check_module(copy, info.filename, info.file_size, budget)
                    result.checked_modules += 1
                else:
                    while src.read(CHUNK):
                        pass
        except BadPackage as exc:
            result.errors += exc.errors or [_problem(exc.message, info.filename)]


class Budget:
    """Bytes every inner module together may still expand to: each is bounded by itself, and all
    of them by the same total as the package, so nesting cannot multiply the work."""

    def __init__(self, left: int) -> None:
        self.left = left

    def spend(self, n: int, name: str) -> None:
        self.left -= n
        if self.left < 0:
            bad(f"module '{shown(name)}': the package's modules expand to more than {MAX_TOTAL_BYTES} bytes in all; "
                "refusing a likely zip bomb", name)


def _checksum_lines(module: zipfile.ZipFile, name: str) -> dict[str, set[str]]:
    """`checksums.md5` as file -> the MD5s it is given (bounded in bytes and lines, duplicates merged)."""
    try:
        info = module.getinfo(CHECKSUMS)
    except KeyError:
        bad(f"module '{shown(name)}' has no {CHECKSUMS}", name)
    try:
        listing = read_entry(module, info, MAX_CHECKSUMS_BYTES, CHECKSUMS).decode("utf-8")
    except UnicodeDecodeError as exc:
        bad(f"module '{shown(name)}': {CHECKSUMS} is not UTF-8 text ({exc.reason} at byte {exc.start})", name)
    lines = [raw.strip() for raw in listing.splitlines() if raw.strip()]
    if len(lines) > MAX_ENTRIES:
        bad(f"module '{shown(name)}': {CHECKSUMS} has {len(lines)} lines (more than {MAX_ENTRIES}); refusing it", name)
    listed: dict[str, set[str]] = {}
    for line in lines:
        expected, _, file = line.partition("  ")
        if not file or len(expected) != 32:
            bad(f"module '{shown(name)}': {CHECKSUMS} line '{shown(line)}' is not '<md5>  <file>'", name)
        listed.setdefault(file.lstrip("*"), set()).add(expected.lower())
    return listed


def _within(module: str, exc: BadPackage) -> list[ApiError]:
    """The errors of a refused module entry, each naming the module (once) and referring to it."""
    prefix = f"module '{shown(module)}'"
    messages = [e.message for e in exc.errors] or [exc.message]
    return [_problem(m if m.startswith(prefix) else f"{prefix}: {m}", module) for m in messages]


def _check_module(data: BinaryIO, name: str, size: int, budget: Budget) -> list[ApiError]:
    """Every file `checksums.md5` names exists in the module and has that MD5 (each file read once, bounded)."""
    try:
        module = zipfile.ZipFile(data)
    except (zipfile.BadZipFile, *CORRUPT) as exc:
        return [_problem(f"module '{shown(name)}' is not a ZIP file ({shown(str(exc))})", name)]
    with module:
        try:
            infos = {info.filename: info for info in check_archive(module, f"module '{shown(name)}'", name, size)}
            listed = _checksum_lines(module, name)
        except BadPackage as exc:
            return _within(name, exc)
        problems = []
        for file, expected in listed.items():
            if file not in infos:
                problems.append(_problem(f"module '{shown(name)}': '{shown(file)}' is listed in {CHECKSUMS} but missing", name))
                continue
            digest = hashlib.md5()
            try:
                budget.spend(infos[file].file_size, name)
                with BoundedEntry(module, infos[file]) as f:
                    while chunk := f.read(CHUNK):
                        digest.update(chunk)
            except BadPackage as exc:
                problems += _within(name, exc)
                if budget.left < 0:
                    break
                continue
            if wrong := sorted(expected - {digest.hexdigest()}):
                problems.append(_problem(
                    f"module '{shown(name)}': '{shown(file)}' has MD5 {digest.hexdigest()}, "
                    f"{CHECKSUMS} says {' and '.join(wrong[:2])}", name))
        return problems
