"""Read and check a Spark export package: its manifest, versions, entries and kind.

Layout: `{tenant}/manifest.json` and `{tenant}/{folder}/{service}/{version}/{file}`. Every entry
is checked before anything is read (zip_bounds: hostile names, symlinks, encryption, per-entry and
total expansion; here: entries outside the manifest) and read only through a bounded stream; JSON
is parsed with a size and item cap (tighter for ModelMetaData.json) and refused cleanly when nested
too deeply. Messages name the package by its display name, never by a path
of the server that received it.
"""

from __future__ import annotations

import json
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from spark_tui.spark.zip_bounds import bad, check_archive, read_entry, shown
from spark_tui.spark.values import ONPREM_METADATA, EngineType
from spark_tui.spark.semver import InvalidVersion, SemVer
from spark_tui.spark.uri import InvalidReference, normalize_uuid, service_uri, validate_name

if TYPE_CHECKING:  # loaded when a package is read: the store imports this module's constants
    from spark_tui.spark.export_wire import PackageManifest

MAX_JSON_BYTES = 16 * 1024 * 1024
MAX_METADATA_BYTES = 2 * 1024 * 1024
# what a JSON text may hold, counted from its commas and brackets before it is parsed: Python
# objects cost ~25× the bytes of `{},` (a 16 MiB file of empty objects cost 460 MiB)
MAX_JSON_ITEMS = 250_000


class PackageKind(str, Enum):
    """Which `file_filter` produced the package: only `migrate` packages can be imported."""

    migrate = "migrate"
    onpremises = "onpremises"


@dataclass
class PackageVersion:
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
    def service_uri(self) -> str:
        return service_uri(self.folder, self.service)

    @property
    def uri(self) -> str:
        return service_uri(self.folder, self.service, self.version)

    @property
    def size(self) -> int:
        return sum(info.file_size for info in self.entries.values())

    @property
    def is_onpremises_only(self) -> bool:
        """Only the Hybrid Runner set (module + three metadata files): no workbook, nothing else."""
        return set(self.entries) <= {f"{self.version_id}.zip", *ONPREM_METADATA}


@dataclass
class PackageContents:
    """A checked package: the open archive, and its versions sorted by folder, service, version."""

    archive: zipfile.ZipFile
    name: str
    tenant: str
    export_id: str
    versions: list[PackageVersion]
    size: int

    @property
    def kind(self) -> PackageKind:
        return PackageKind.onpremises if all(v.is_onpremises_only for v in self.versions) else PackageKind.migrate

    @property
    def services(self) -> dict[str, list[PackageVersion]]:
        """`folder/service` -> its versions (ascending), in package order."""
        grouped: dict[str, list[PackageVersion]] = {}
        for v in self.versions:
            grouped.setdefault(v.service_uri, []).append(v)
        return grouped

    @property
    def uncompressed_bytes(self) -> int:
        return sum(v.size for v in self.versions)

    def read_json(self, info: zipfile.ZipInfo) -> object:
        return read_json_entry(self.archive, info)


@contextmanager
def open_package(path: Path, name: str | None = None) -> Iterator[PackageContents]:
    """Open and check the package at `path`; `name` is how messages call it (default: the file name)."""
    path = Path(path)
    name = name or path.name
    if not path.is_file():
        bad(f"package '{name}' does not exist or is not a file; give the path of an export ZIP", name)
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        bad(f"package '{name}' is not a ZIP file ({shown(str(exc))}); give an export package", name)
    except OSError as exc:
        bad(f"package '{name}' cannot be read ({exc.strerror or type(exc).__name__})", name)
    with archive:
        yield _read(archive, name, path.stat().st_size)


def parse_json(data: bytes, ref: str) -> object:
    """JSON from a package, refused cleanly when invalid, nested too deeply or holding too many items."""
    items = data.count(b",") + data.count(b"{") + data.count(b"[")
    if items > MAX_JSON_ITEMS:
        bad(f"{ref} holds about {items} JSON items (more than {MAX_JSON_ITEMS}); refusing it as package metadata", ref)
    try:
        return json.loads(data)
    except RecursionError:
        bad(f"{ref} is nested too deeply to be package metadata; refusing it", ref)
    except (ValueError, UnicodeDecodeError) as exc:
        bad(f"{ref} is not valid JSON ({exc})", ref)


def read_json_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int = MAX_JSON_BYTES) -> object:
    data = read_entry(archive, info, limit, "a metadata file")
    return parse_json(data, f"entry '{shown(info.filename)}'")


def _read(archive: zipfile.ZipFile, name: str, package_bytes: int) -> PackageContents:
    infos = check_archive(archive, f"package '{shown(name)}'", name, package_bytes)
    roots = {info.filename.split("/", 1)[0] for info in infos}
    if len(roots) != 1:
        bad(f"package '{name}' must hold one tenant folder at its root, found {shown(str(sorted(roots)[:5])) if roots else 'none'}", name)
    root = roots.pop()
    manifest_name = f"{root}/manifest.json"
    try:
        manifest_info = archive.getinfo(manifest_name)
    except KeyError:
        bad(f"package '{name}' has no {manifest_name}; it is not a Spark export package", manifest_name)
    manifest = _read_manifest(archive, manifest_info)
    versions = _manifest_versions(manifest, manifest_name)

    by_dir = {(v.folder, v.service, v.version): v for v in versions}
    for info in infos:
        if info.is_dir() or info.filename == manifest_name:
            continue
        parts = info.filename.split("/")
        version = by_dir.get(tuple(parts[1:4])) if len(parts) == 5 else None
        if version is None:
            bad(f"entry '{info.filename}' is not a file of a version listed in {manifest_name}", info.filename)
        if parts[4] in version.entries:
            bad(f"entry '{info.filename}' appears twice in the package", info.filename)
        version.entries[parts[4]] = info
    for v in versions:
        if not v.entries:
            bad(f"{manifest_name} lists {v.uri} but the package holds no files for it", v.uri)
        if "ModelMetaData.json" in v.entries:
            _apply_metadata(v, read_json_entry(archive, v.entries["ModelMetaData.json"], MAX_METADATA_BYTES))
    versions.sort(key=lambda v: (v.folder, v.service, SemVer.parse(v.version)))
    return PackageContents(archive, name, root, manifest.id, versions, package_bytes)


def _read_manifest(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> PackageManifest:
    from pydantic import ValidationError

    from spark_tui.spark.export_wire import PackageManifest

    data = read_json_entry(archive, info)
    try:
        return PackageManifest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        bad(f"{info.filename} is malformed: {where}: {first['msg']}", info.filename)


def _manifest_versions(manifest: PackageManifest, manifest_name: str) -> list[PackageVersion]:
    versions: dict[tuple[str, str, str], PackageVersion] = {}
    service_ids: dict[tuple[str, str], str] = {}
    if not manifest.outputs.service_versions:
        bad(f"{manifest_name} lists no service versions; nothing to import", manifest_name)
    for sv in manifest.outputs.service_versions:
        ref = sv.service_uri_source
        try:
            validate_name("folder", sv.folder_source)
            validate_name("service", sv.service_source)
            SemVer.parse(sv.version_source)
        except (InvalidReference, InvalidVersion) as exc:
            bad(f"{manifest_name} entry '{ref}': {exc}", ref)
        service_id, version_id = normalize_uuid(sv.service_id_source), normalize_uuid(sv.version_id_source)
        if service_id is None or version_id is None:
            bad(f"{manifest_name} entry '{ref}' has a service or version id that is not a UUID", ref)
        key = (sv.folder_source, sv.service_source, sv.version_source)
        if key in versions:
            bad(f"{manifest_name} lists '{ref}' twice", ref)
        if service_ids.setdefault(key[:2], service_id) != service_id:
            bad(f"{manifest_name} gives '{key[0]}/{key[1]}' two different service ids", ref)
        versions[key] = PackageVersion(sv.folder_source, sv.service_source, service_id, sv.version_source, version_id)
    ids = [v.version_id for v in versions.values()]
    if len(set(ids)) != len(ids):
        bad(f"{manifest_name} gives two versions the same version id", manifest_name)
    return list(versions.values())


def _apply_metadata(version: PackageVersion, meta: object) -> None:
    name = f"{version.uri} ModelMetaData.json"
    info = meta.get("EngineInformation") if isinstance(meta, dict) else None
    if not isinstance(info, dict):
        bad(f"{name} has no EngineInformation object", name)
    engine = info.get("DefaultEngineType") or EngineType.neuron.value
    try:
        version.engine_type = EngineType(engine)
    except ValueError:
        bad(f"{name}: unknown DefaultEngineType '{engine}'; expected Neuron or XConnector", name)

    def text(key: str) -> str | None:
        value = info.get(key)
        return value if isinstance(value, str) and value else None

    version.created = text("ReleaseDate")
    version.author = text("Author") or text("UploaderEmail")
    version.release_note = text("ReleaseNote")
    version.original_file_name = text("OriginalFileName")
