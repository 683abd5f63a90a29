"""Resolve an export request into the versions to package (docs/architecture.md, "export semantics"), reporting every error at once.

`check_request` (spark.request_check) finds what is wrong with the request itself; `resolve` adds
what is wrong against the workspace: unknown objects, access, empty folders, versions without a
compiled module and the size limit. The catalog is read with a few set-based queries (folders,
services, versions, file sizes of the chosen versions), whatever the number of references.
"""

from __future__ import annotations

import gc
import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable, Iterator, NamedTuple

from spark_tui.engine.access import denied_message, may_access
from spark_tui.engine.selection import SelectedVersion, Selection
from spark_tui.engine.store import DEFAULT_SIZE_LIMIT, Workspace
from spark_tui.spark.errors import Code, ValidationFailed
from spark_tui.spark.export_wire import ApiError, ExportRequest
from spark_tui.spark.values import EngineType, VersionFilter
from spark_tui.spark.semver import matches_spec, precedence_key
from spark_tui.spark.request_check import ParsedInputs, api_error as _error, parse_request
from spark_tui.spark.uri import ServiceRef

MAX_LISTED_VERSIONS = 20


# --- catalog ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Folder:
    id: str
    name: str
    required_group: str | None
    has_services: bool


@dataclass(slots=True)
class _Service:
    id: str
    name: str
    folder: _Folder
    versions: list[_Version] = field(default_factory=list)  # ascending precedence once loaded


class _Version(NamedTuple):
    id: str
    version: str
    engine_type: str
    has_module: bool
    service: _Service

    @property
    def uri(self) -> str:
        return f"{self.service.folder.name}/{self.service.name}[{self.version}]"


def _json(values: Iterable[str]) -> str:
    return json.dumps(list(values))


@dataclass
class _Catalog:
    folders: dict[str, _Folder]  # by name
    services: dict[str, _Service]  # by id
    by_name: dict[tuple[str, str], _Service]
    by_folder: dict[str, list[_Service]]  # by folder id
    versions: dict[str, _Version]  # by id

    @classmethod
    def load(cls, db: sqlite3.Cursor, tenant: str, parsed: ParsedInputs) -> _Catalog:
        named = [r for r in parsed.services if r.folder is not None]
        folder_names = set(parsed.folders) | {r.folder for r in named}
        rows = db.execute(
            "SELECT f.id, f.name, f.required_group, EXISTS (SELECT 1 FROM services s WHERE s.folder_id = f.id) "
            "FROM folders f WHERE f.tenant = ? AND f.name IN (SELECT value FROM json_each(?))",
            (tenant, _json(folder_names)),
        )
        folders = {name: _Folder(fid, name, group, bool(has)) for fid, name, group, has in rows}
        service_ids = [r.service_id for r in parsed.services if r.service_id]
        version_ids = [r.version_id for r in parsed.services if r.version_id] + [v for _, v in parsed.version_ids]
        rows = db.execute(
            "SELECT s.id, s.name, f.id, f.name, f.required_group FROM services s JOIN folders f ON f.id = s.folder_id "
            "WHERE s.tenant = :tenant AND ("
            " f.name IN (SELECT value FROM json_each(:folders))"
            " OR f.name || '/' || s.name IN (SELECT value FROM json_each(:pairs))"
            " OR s.id IN (SELECT value FROM json_each(:service_ids))"
            " OR s.id IN (SELECT service_id FROM versions WHERE tenant = :tenant"
            "             AND id IN (SELECT value FROM json_each(:version_ids))))",
            {
                "tenant": tenant,
                "folders": _json(set(parsed.folders)),
                "pairs": _json({f"{r.folder}/{r.service}" for r in named}),
                "service_ids": _json(service_ids),
                "version_ids": _json(version_ids),
            },
        )
        services: dict[str, _Service] = {}
        for sid, name, fid, fname, group in rows:
            folder = folders.get(fname) or _Folder(fid, fname, group, True)
            services[sid] = _Service(sid, name, folder)
        versions: dict[str, _Version] = {}
        rows = db.execute(
            "SELECT id, service_id, version, engine_type, has_module FROM versions "
            "WHERE tenant = ? AND service_id IN (SELECT value FROM json_each(?))",
            (tenant, _json(services)),
        )
        for vid, sid, version, engine_type, has_module in rows:
            service = services[sid]
            v = _Version(vid, version, engine_type, bool(has_module), service)
            service.versions.append(v)
            versions[vid] = v
        for service in services.values():
            service.versions.sort(key=lambda v: precedence_key(v.version))
        by_name: dict[tuple[str, str], _Service] = {}
        by_folder: dict[str, list[_Service]] = {}
        for s in services.values():
            by_name[(s.folder.name, s.name)] = s
            by_folder.setdefault(s.folder.id, []).append(s)
        return cls(folders, services, by_name, by_folder, versions)


def _sizes(db: sqlite3.Cursor, tenant: str, version_ids: list[str]) -> dict[str, tuple[int, int]]:
    """(all files, on-premises files) byte counts of the given versions, by version id (one aggregate query)."""
    sizes = dict.fromkeys(version_ids, (0, 0))
    rows = db.execute(
        "SELECT version_id, SUM(size), SUM(size * onpremises) FROM version_files "
        "WHERE tenant = ? AND version_id IN (SELECT value FROM json_each(?)) GROUP BY version_id",
        (tenant, _json(version_ids)),
    )
    sizes.update((vid, (total, onprem)) for vid, total, onprem in rows)
    return sizes


# --- resolution -------------------------------------------------------------------------------


class _Resolution:
    """Walks the references in request order, collecting chosen versions and errors."""

    def __init__(self, tenant: str, catalog: _Catalog, groups: tuple[str, ...], version_filter: VersionFilter) -> None:
        self.tenant = tenant
        self.catalog = catalog
        self.groups = set(groups)
        self.latest_only = version_filter is VersionFilter.latest
        self.chosen: dict[str, tuple[_Version, str]] = {}  # version id -> (version, ref that chose it)
        self.errors: list[ApiError] = []
        self._seen: set[tuple[str, str, str | None]] = set()

    def fail(self, code: Code, message: str, ref: str | None) -> None:
        if (code.value, message, ref) not in self._seen:
            self._seen.add((code.value, message, ref))
            self.errors.append(_error(code, message, ref))

    def choose(self, version: _Version, ref: str) -> None:
        self.chosen.setdefault(version.id, (version, ref))

    def accessible(self, folder: _Folder, ref: str) -> bool:
        if may_access(folder.required_group, self.groups):
            return True
        assert folder.required_group is not None
        self.fail(Code.ACCESS_DENIED, denied_message(folder.name, folder.required_group), ref)
        return False

    def whole_service(self, service: _Service, ref: str) -> None:
        for v in service.versions[-1:] if self.latest_only else service.versions:
            self.choose(v, ref)

    def folder(self, name: str) -> None:
        folder = self.catalog.folders.get(name)
        if folder is None:
            self.fail(Code.FOLDER_NOT_FOUND, f"folder '{name}' not found in tenant '{self.tenant}'", name)
        elif not folder.has_services:
            if self.accessible(folder, name):
                self.fail(Code.FOLDER_EMPTY, f"folder '{name}' contains no service; remove it from inputs.folders", name)
        elif self.accessible(folder, name):
            for service in self.catalog.by_folder.get(folder.id, []):
                self.whole_service(service, name)

    def service(self, ref: ServiceRef) -> None:
        if ref.version_id is not None:
            self.version_id(ref.text, ref.version_id)
            return
        if ref.service_id is not None:
            service = self.catalog.services.get(ref.service_id)
            if service is None:
                self.fail(Code.SERVICE_NOT_FOUND, f"service id '{ref.service_id}' not found in tenant '{self.tenant}'", ref.text)
                return
        else:
            folder = self.catalog.folders.get(ref.folder)
            if folder is None:
                self.fail(Code.FOLDER_NOT_FOUND, f"folder '{ref.folder}' of '{ref.text}' not found in tenant '{self.tenant}'", ref.text)
                return
            if not self.accessible(folder, ref.text):
                return
            service = self.catalog.by_name.get((ref.folder, ref.service))
            if service is None:
                self.fail(
                    Code.SERVICE_NOT_FOUND,
                    f"service '{ref.folder}/{ref.service}' not found in tenant '{self.tenant}'",
                    ref.text,
                )
                return
        if not self.accessible(service.folder, ref.text):
            return
        if ref.version_spec is None:
            self.whole_service(service, ref.text)
            return
        matching = [v for v in service.versions if matches_spec(ref.version_spec, v.version)]
        if matching:
            self.choose(matching[-1], ref.text)
            return
        available = [v.version for v in reversed(service.versions)]
        listed = ", ".join(available[:MAX_LISTED_VERSIONS]) or "none"
        if len(available) > MAX_LISTED_VERSIONS:
            listed += f", … ({len(available)} in all)"
        self.fail(
            Code.VERSION_SPEC_NO_MATCH,
            f"no version of '{service.folder.name}/{service.name}' starts with '{ref.version_spec}' "
            f"(available: {listed})",
            ref.text,
        )

    def version_id(self, text: str, version_id: str) -> None:
        version = self.catalog.versions.get(version_id)
        if version is None:
            self.fail(Code.VERSION_NOT_FOUND, f"version id '{version_id}' not found in tenant '{self.tenant}'", text)
        elif self.accessible(version.service.folder, text):
            self.choose(version, text)

    def check_modules(self) -> None:
        neuron = EngineType.neuron.value
        for version, ref in self.chosen.values():
            if version.engine_type != neuron or not version.has_module:
                why = "is not compiled" if version.engine_type == neuron else "cannot be compiled"
                self.fail(
                    Code.NO_COMPILED_MODULE,
                    f"'{version.uri}' (engine {version.engine_type}) has no compiled Neuron WebAssembly module and "
                    f"{why}; only compiled Neuron versions can be exported",
                    ref,
                )


def resolve(ws: Workspace, tenant: str, request: ExportRequest, groups: tuple[str, ...]) -> Selection:
    """The versions `request` exports from `tenant` for a caller in `groups`.

    Raises ValidationFailed carrying every error: syntax, resolution, access, modules, size limit.
    """
    with _gc_paused(), ws.snapshot():
        return _resolve(ws, tenant, request, groups)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause cyclic garbage collection while building a large selection (several objects per
    version): its passes over the growing heap would cost a good part of the time. Reference
    counting still frees everything; the objects built here hold no cycles that matter."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _resolve(ws: Workspace, tenant: str, request: ExportRequest, groups: tuple[str, ...]) -> Selection:
    parsed, errors = parse_request(request)
    db = ws.connect().cursor()
    db.row_factory = None  # plain tuples: fast, and sortable
    catalog = _Catalog.load(db, tenant, parsed)
    work = _Resolution(tenant, catalog, groups, request.version_filter)
    for name in parsed.folders:
        work.folder(name)
    for ref in parsed.services:
        work.service(ref)
    for text, version_id in parsed.version_ids:
        work.version_id(text, version_id)
    work.check_modules()

    ordered = sorted(
        (v for v, _ in work.chosen.values()),
        key=lambda v: (v.service.folder.name, v.service.name, precedence_key(v.version)),
    )
    sizes = _sizes(db, tenant, [v.id for v in ordered])
    selection = Selection(
        tenant=tenant,
        file_filter=request.file_filter,
        versions=[
            SelectedVersion(v.service.folder.name, v.service.name, v.service.id, v.version, v.id, *sizes[v.id])
            for v in ordered
        ],
    )
    size_limit = ws.tenant_config(tenant).size_limit if ws.has_tenant(tenant) else DEFAULT_SIZE_LIMIT
    projected = selection.projected_bytes
    if projected > size_limit:
        work.fail(
            Code.PACKAGE_TOO_LARGE,
            f"the package would hold {projected} bytes, over the tenant's size limit of {size_limit} bytes; "
            "export fewer versions or use file_filter 'onpremises'",
            None,
        )
    errors += work.errors
    if errors:
        raise ValidationFailed.of(errors)
    return selection
