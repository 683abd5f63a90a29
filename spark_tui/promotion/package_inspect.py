"""`--inspect PKG`: what a package holds, and its integrity.

Every entry is read to its end (zipfile checks each CRC-32); each inner module `{version_id}.zip`
is opened and every file its `checksums.md5` names is checked against its MD5. The package's
SHA-256 is computed in the same pass, to compare with the export job's `file_hash`.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path

from spark_tui.spark.package_format import PackageContents, open_package
from spark_tui.spark.errors import BadPackage, Code
from spark_tui.spark.export_wire import ApiError
from spark_tui.spark.promotion_wire import InspectedVersion, PackageInspection
from spark_tui.spark.uri import service_uri

CHUNK = 1024 * 1024
SPOOL_BYTES = 32 * 1024 * 1024
CORRUPT = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError)


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
    for info in pkg.archive.infolist():
        if info.is_dir():
            continue
        result.checked_entries += 1
        try:
            with pkg.archive.open(info) as src, tempfile.SpooledTemporaryFile(SPOOL_BYTES) as copy:
                if info.filename in modules:
                    shutil.copyfileobj(src, copy, CHUNK)
                else:
                    while src.read(CHUNK):
                        pass
                if info.filename in modules:
                    copy.seek(0)
                    result.errors += _check_module(copy, info.filename)
                    result.checked_modules += 1
        except CORRUPT as exc:
            result.errors.append(_problem(f"entry '{info.filename}' is corrupt ({exc})", info.filename))


def _check_module(data, name: str) -> list[ApiError]:
    """Every file `checksums.md5` names exists in the module and has that MD5."""
    try:
        module = zipfile.ZipFile(data)
    except zipfile.BadZipFile as exc:
        return [_problem(f"module '{name}' is not a ZIP file ({exc})", name)]
    with module:
        try:
            listing = module.read("checksums.md5").decode("utf-8")
        except KeyError:
            return [_problem(f"module '{name}' has no checksums.md5", name)]
        except (*CORRUPT, UnicodeDecodeError) as exc:
            return [_problem(f"module '{name}': checksums.md5 cannot be read ({exc})", name)]
        problems = []
        for line in filter(None, (raw.strip() for raw in listing.splitlines())):
            expected, _, file = line.partition("  ")
            if not file or len(expected) != 32:
                problems.append(_problem(f"module '{name}': checksums.md5 line {line!r} is not '<md5>  <file>'", name))
                continue
            try:
                digest = hashlib.md5()
                with module.open(file.lstrip("*")) as f:
                    while chunk := f.read(CHUNK):
                        digest.update(chunk)
            except KeyError:
                problems.append(_problem(f"module '{name}': '{file}' is listed in checksums.md5 but missing", name))
                continue
            except CORRUPT as exc:
                problems.append(_problem(f"module '{name}': '{file}' is corrupt ({exc})", name))
                continue
            if digest.hexdigest() != expected.lower():
                problems.append(_problem(
                    f"module '{name}': '{file}' has MD5 {digest.hexdigest()}, checksums.md5 says {expected}", name))
        return problems
