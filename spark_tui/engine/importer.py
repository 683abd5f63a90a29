"""Import a Spark export package (the real `onpremises` fixture or our own `migrate` packages).

Layout: `{tenant}/manifest.json` and `{tenant}/{folder}/{service}/{version}/{file}`. The package's
tenant folder is read from the ZIP; the destination tenant is the caller's. Every entry is checked
before anything is written (hostile names, symlinks, sizes, ratios, entries outside the manifest);
file contents are then streamed into blobs (CRC-checked) and the catalog is written in ONE
transaction, so a failed import leaves the catalog untouched. A version stored under another id
(its id was taken) or version (`add_version`) gets its module renamed and the id and revision in
its `ModelMetaData.json`/`WASMMetaData.json` rewritten, so exporting it again gives a consistent package.
"""

from __future__ import annotations

import json
import re
import sqlite3
import stat
import uuid
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NoReturn

from pydantic import ValidationError

from spark_tui.engine.store import DEFAULT_SIZE_LIMIT, Workspace
from spark_tui.spark.errors import BadPackage, Code, ServiceExists, ValidationFailed
from spark_tui.spark.models import (
    ApiError,
    EngineType,
    IfPresent,
    ImportedVersion,
    ImportResult,
    PackageManifest,
    VersionBump,
    iso,
    utc_now,
)
from spark_tui.spark.semver import InvalidVersion, SemVer
from spark_tui.spark.uri import InvalidReference, normalize_uuid, service_uri, validate_name

MAX_ENTRIES = 10_000
MAX_TOTAL_BYTES = 4 * DEFAULT_SIZE_LIMIT
MAX_RATIO = 200
RATIO_MIN_BYTES = 1024 * 1024
MAX_JSON_BYTES = 16 * 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class SourceVersion:
    """One version of the package, as its manifest and files describe it."""

    folder: str
    service: str
    service_id: str
    version: str
    version_id: str
    entries: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    engine_type: EngineType = EngineType.neuron
    created: str | None = None
    author: str | None = None
    release_note: str | None = None
    original_file_name: str | None = None

    @property
    def has_module(self) -> bool:
        return f"{self.version_id}.zip" in self.entries

    @property
    def uri(self) -> str:
        return service_uri(self.folder, self.service, self.version)


def import_package(
    ws: Workspace,
    path: Path,
    tenant: str,
    *,
    if_present: IfPresent = IfPresent.abort,
    bump: VersionBump = VersionBump.minor,
) -> ImportResult:
    """Load the package at `path` into `tenant` (created with its folders as needed); all or nothing."""
    try:
        validate_name("tenant", tenant)
    except InvalidReference as exc:
        raise ValidationFailed.of([ApiError(code=Code.INVALID_VALUE.value, message=str(exc), ref=tenant)]) from None
    if_present, bump = IfPresent(if_present), VersionBump(bump)
    path = Path(path)
    if not path.is_file():
        _bad(f"package '{path}' does not exist or is not a file; give the path of an export ZIP", str(path))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        _bad(f"package '{path}' is not a ZIP file ({exc}); give an export package", str(path))
    with archive:
        versions = read_package(archive, path)
        if if_present is IfPresent.abort:
            _refuse_existing(ws.connect(), tenant, versions)
        blobs = {v.version_id: _store_files(ws, archive, v) for v in versions}
        with ws.transaction() as conn:
            return _write_catalog(ws, conn, tenant, versions, blobs, if_present, bump)


def _bad(message: str, ref: str) -> NoReturn:
    raise BadPackage(message, [ApiError(code=Code.BAD_PACKAGE.value, message=message, ref=ref)])


# --- reading and checking -------------------------------------------------------------------------


def check_entry(info: zipfile.ZipInfo) -> None:
    """Refuse entry names that could escape the package root, symlinks and zip bombs."""
    name = info.filename
    parts = name.rstrip("/").split("/")
    if "\\" in name or name.startswith("/") or _DRIVE.match(name) or _CONTROL.search(name):
        _bad(f"entry {name!r} has an absolute, drive-letter, backslash or control-character path", name)
    if any(p in ("", ".", "..") for p in parts):
        _bad(f"entry '{name}' has an empty, '.' or '..' path component and could escape the package root", name)
    if stat.S_ISLNK(info.external_attr >> 16):
        _bad(f"entry '{name}' is a symbolic link; packages hold only files and folders", name)
    if info.flag_bits & 0x1:
        _bad(f"entry '{name}' is encrypted; export packages are not", name)
    if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        _bad(
            f"entry '{name}' expands {info.compress_size} bytes to {info.file_size} "
            f"(more than {MAX_RATIO}:1); refusing a likely zip bomb", name,
        )


def read_package(archive: zipfile.ZipFile, path: Path) -> list[SourceVersion]:
    """Check every entry and the manifest; the versions to import, sorted by folder, service, version."""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        _bad(f"package '{path}' has {len(infos)} entries (more than {MAX_ENTRIES}); refusing it", str(path))
    total = 0
    for info in infos:
        check_entry(info)
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        _bad(f"package '{path}' declares {total} bytes uncompressed (more than {MAX_TOTAL_BYTES}); refusing it", str(path))
    roots = {info.filename.split("/", 1)[0] for info in infos}
    if len(roots) != 1:
        _bad(f"package '{path}' must hold one tenant folder at its root, found {sorted(roots) or 'none'}", str(path))
    root = roots.pop()
    manifest_name = f"{root}/manifest.json"
    try:
        manifest_info = archive.getinfo(manifest_name)
    except KeyError:
        _bad(f"package '{path}' has no {manifest_name}; it is not a Spark export package", manifest_name)
    manifest = _read_manifest(archive, manifest_info)
    versions = _manifest_versions(manifest, manifest_name)

    by_dir = {(v.folder, v.service, v.version): v for v in versions}
    for info in infos:
        if info.is_dir() or info.filename == manifest_name:
            continue
        parts = info.filename.split("/")
        version = by_dir.get(tuple(parts[1:4])) if len(parts) == 5 else None
        if version is None:
            _bad(f"entry '{info.filename}' is not a file of a version listed in {manifest_name}", info.filename)
        if parts[4] in version.entries:
            _bad(f"entry '{info.filename}' appears twice in the package", info.filename)
        version.entries[parts[4]] = info
    for v in versions:
        if not v.entries:
            _bad(f"{manifest_name} lists {v.uri} but the package holds no files for it", v.uri)
        if "ModelMetaData.json" in v.entries:
            _apply_metadata(v, _read_json(archive, v.entries["ModelMetaData.json"]))
    return sorted(versions, key=lambda v: (v.folder, v.service, SemVer.parse(v.version)))


def _read_json(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> object:
    if info.file_size > MAX_JSON_BYTES:
        _bad(f"entry '{info.filename}' is {info.file_size} bytes, too large for a metadata file", info.filename)
    try:
        return json.loads(archive.read(info))
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        _bad(f"entry '{info.filename}' is corrupt ({exc})", info.filename)
    except (ValueError, UnicodeDecodeError) as exc:
        _bad(f"entry '{info.filename}' is not valid JSON ({exc})", info.filename)


def _read_manifest(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> PackageManifest:
    data = _read_json(archive, info)
    try:
        return PackageManifest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        _bad(f"{info.filename} is malformed: {where}: {first['msg']}", info.filename)


def _manifest_versions(manifest: PackageManifest, manifest_name: str) -> list[SourceVersion]:
    versions: dict[tuple[str, str, str], SourceVersion] = {}
    service_ids: dict[tuple[str, str], str] = {}
    if not manifest.outputs.service_versions:
        _bad(f"{manifest_name} lists no service versions; nothing to import", manifest_name)
    for sv in manifest.outputs.service_versions:
        ref = sv.service_uri_source
        try:
            validate_name("folder", sv.folder_source)
            validate_name("service", sv.service_source)
            SemVer.parse(sv.version_source)
        except (InvalidReference, InvalidVersion) as exc:
            _bad(f"{manifest_name} entry '{ref}': {exc}", ref)
        service_id, version_id = normalize_uuid(sv.service_id_source), normalize_uuid(sv.version_id_source)
        if service_id is None or version_id is None:
            _bad(f"{manifest_name} entry '{ref}' has a service or version id that is not a UUID", ref)
        key = (sv.folder_source, sv.service_source, sv.version_source)
        if key in versions:
            _bad(f"{manifest_name} lists '{ref}' twice", ref)
        if service_ids.setdefault(key[:2], service_id) != service_id:
            _bad(f"{manifest_name} gives '{key[0]}/{key[1]}' two different service ids", ref)
        versions[key] = SourceVersion(sv.folder_source, sv.service_source, service_id, sv.version_source, version_id)
    ids = [v.version_id for v in versions.values()]
    if len(set(ids)) != len(ids):
        _bad(f"{manifest_name} gives two versions the same version id", manifest_name)
    return list(versions.values())


def _apply_metadata(version: SourceVersion, meta: object) -> None:
    name = f"{version.uri} ModelMetaData.json"
    info = meta.get("EngineInformation") if isinstance(meta, dict) else None
    if not isinstance(info, dict):
        _bad(f"{name} has no EngineInformation object", name)
    engine = info.get("DefaultEngineType") or EngineType.neuron.value
    try:
        version.engine_type = EngineType(engine)
    except ValueError:
        _bad(f"{name}: unknown DefaultEngineType '{engine}'; expected Neuron or XConnector", name)

    def text(key: str) -> str | None:
        value = info.get(key)
        return value if isinstance(value, str) and value else None

    version.created = text("ReleaseDate")
    version.author = text("Author") or text("UploaderEmail")
    version.release_note = text("ReleaseNote")
    version.original_file_name = text("OriginalFileName")


# --- writing --------------------------------------------------------------------------------------


def _store_files(ws: Workspace, archive: zipfile.ZipFile, version: SourceVersion) -> dict[str, tuple[str, int]]:
    """Stream every file of a version into blobs; a CRC or stream error refuses the package."""
    files = {}
    for name, info in version.entries.items():
        try:
            with archive.open(info) as source:
                files[name] = ws.put_blob(source)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            _bad(f"entry '{info.filename}' is corrupt ({exc}); nothing was imported", info.filename)
    return files


def _service_row(conn: sqlite3.Connection, tenant: str, folder: str, service: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT s.id FROM services s JOIN folders f ON f.id=s.folder_id WHERE f.tenant=? AND f.name=? AND s.name=?",
        (tenant, folder, service),
    ).fetchone()


def _refuse_existing(conn: sqlite3.Connection, tenant: str, versions: list[SourceVersion]) -> None:
    existing = sorted({
        service_uri(v.folder, v.service) for v in versions if _service_row(conn, tenant, v.folder, v.service)
    })
    if existing:
        message = (
            f"service(s) {', '.join(existing)} already exist in tenant '{tenant}'; "
            "import with if_present=replace or add_version"
        )
        raise ServiceExists(message, [ApiError(code=Code.SERVICE_EXISTS.value, message=message, ref=uri) for uri in existing])


def _free_id(conn: sqlite3.Connection, table: str, tenant: str, wanted: str) -> str:
    """`wanted` unless that id is already taken in the tenant, else a new UUID."""
    taken = conn.execute(f"SELECT 1 FROM {table} WHERE tenant=? AND id=?", (tenant, wanted)).fetchone()
    return str(uuid.uuid4()) if taken else wanted


def _write_catalog(
    ws: Workspace,
    conn: sqlite3.Connection,
    tenant: str,
    versions: list[SourceVersion],
    blobs: dict[str, dict[str, tuple[str, int]]],
    if_present: IfPresent,
    bump: VersionBump,
) -> ImportResult:
    if if_present is IfPresent.abort:
        _refuse_existing(conn, tenant, versions)
    ws.ensure_tenant(tenant, db=conn)
    now = iso(utc_now())
    result = ImportResult(tenant=tenant)
    services: dict[tuple[str, str], tuple[str, SemVer | None]] = {}
    for v in versions:
        key = (v.folder, v.service)
        status = "added"
        if key not in services:
            services[key] = _prepare_service(ws, conn, tenant, v, if_present, now)
            result.services.append(service_uri(*key))
        service_id, latest = services[key]
        if if_present is IfPresent.replace and latest is not None:
            status = "replaced"
        version = v.version
        if if_present is IfPresent.add_version and latest is not None:
            version = str(latest.bump(bump.value))
            services[key] = (service_id, SemVer.parse(version))
        version_id = _free_id(conn, "versions", tenant, v.version_id)
        files = _restamped(ws, v, blobs[v.version_id], version, version_id)
        ws.add_version(
            tenant, service_id, version, files, version_id=version_id, engine_type=v.engine_type,
            has_module=v.has_module, created=v.created, author=v.author, release_note=v.release_note,
            original_file_name=v.original_file_name, db=conn,
        )
        result.service_versions.append(
            ImportedVersion(
                service_uri_source=service_uri(v.folder, v.service), service_uri_destination=service_uri(*key),
                version_source=v.version, version_destination=version, version_id_source=v.version_id,
                version_id_destination=version_id, status=status,
            )
        )
    return result


def _restamped(
    ws: Workspace, v: SourceVersion, files: dict[str, tuple[str, int]], version: str, version_id: str
) -> dict[str, tuple[str, int]]:
    """The files of `v` as stored under a destination `version`/`version_id` that may differ from the source's.

    The module `{id}.zip` is renamed, and the ids and revision inside `ModelMetaData.json` and
    `WASMMetaData.json` are rewritten (as new blobs), so a later export of the version agrees with itself.
    """
    if (version, version_id) == (v.version, v.version_id):
        return files
    files = {(f"{version_id}.zip" if name == f"{v.version_id}.zip" else name): blob for name, blob in files.items()}

    def model(meta: dict) -> None:
        meta["VersionId"] = version_id
        meta["EngineInformation"].update(ServiceVersionGuid=version_id, Revision=version)

    def wasm(meta: dict) -> None:
        meta["Revision"] = version

    for name, update in (("ModelMetaData.json", model), ("WASMMetaData.json", wasm)):
        if name in files:
            files[name] = _rewrite_json(ws, files[name], f"{v.uri} {name}", update)
    return files


def _rewrite_json(ws: Workspace, blob: tuple[str, int], ref: str, update: Callable[[dict], None]) -> tuple[str, int]:
    """A new blob of the JSON object in `blob` changed by `update` (compact, key order kept)."""
    sha, size = blob
    if size > MAX_JSON_BYTES:
        _bad(f"{ref} is {size} bytes, too large for a metadata file", ref)
    try:
        data = json.loads(ws.blob_path(sha).read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        _bad(f"{ref} is not valid JSON ({exc}); it cannot take the imported version's id", ref)
    if not isinstance(data, dict):
        _bad(f"{ref} is not a JSON object; it cannot take the imported version's id", ref)
    update(data)
    return ws.put_blob(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())


def _prepare_service(
    ws: Workspace, conn: sqlite3.Connection, tenant: str, v: SourceVersion, if_present: IfPresent, now: str
) -> tuple[str, SemVer | None]:
    """The destination service id, and (for an existing service) its latest version before the import.

    `replace` drops the existing versions here; `abort` was refused before.
    """
    if not conn.execute("SELECT 1 FROM folders WHERE tenant=? AND name=?", (tenant, v.folder)).fetchone():
        ws.add_folder(tenant, v.folder, created=now, db=conn)
    existing = _service_row(conn, tenant, v.folder, v.service)
    if existing is None:
        service_id = _free_id(conn, "services", tenant, v.service_id)
        return ws.add_service(tenant, v.folder, v.service, service_id, created=now, db=conn), None
    rows = conn.execute("SELECT version FROM versions WHERE tenant=? AND service_id=?", (tenant, existing["id"])).fetchall()
    latest = max((SemVer.parse(r["version"]) for r in rows), default=SemVer(0, 0, 0))
    if if_present is IfPresent.replace:
        conn.execute("DELETE FROM versions WHERE tenant=? AND service_id=?", (tenant, existing["id"]))
    return existing["id"], latest
