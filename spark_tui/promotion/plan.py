"""The plan: what importing a set of source versions into a target will do, before anything is written.

Read-only: it lists the target's folders, the services of each destination folder and the
versions of each existing destination service (the Backend browse operations), and decides per
service and version what the import (docs/architecture.md, "Import and promotion semantics") will do — new service, version added with its
new number (SemVer.bump, as the importer), replaced, or refused with the reason.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable, Iterable, Iterator

from spark_tui.backends.base import Backend, BackendInfo, redact
from spark_tui.spark.errors import Code, SparkTuiError, ValidationFailed
from spark_tui.spark.import_wire import ServiceMapping
from spark_tui.spark.export_wire import ApiError, ExportInputs, ExportRequest, ServiceVersionOutput
from spark_tui.spark.values import FolderInfo, IfPresent, Page, ServiceInfo, VersionBump, VersionInfo
from spark_tui.spark.promotion_wire import Endpoint, Plan, PlannedService, PlannedVersion, ServiceAction
from spark_tui.spark.semver import SemVer
from spark_tui.spark.uri import service_uri


def endpoint(info: BackendInfo) -> Endpoint:
    """The receipt/plan description of a backend (a URL without query or user info)."""
    location = redact(info.location) if info.kind != "embedded" else info.location
    return Endpoint(profile=info.profile, kind=info.kind, location=location, tenant=info.tenant, user=info.user)


def all_pages(fetch: Callable[[int], Page]) -> Iterator:
    """Every item of a paged listing."""
    page = 1
    while True:
        result = fetch(page)
        yield from result.items
        if not result.has_more or not result.items:
            return
        page += 1


class TargetCatalog:
    """The target's folders, services and versions, each listed at most once."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._folders: dict[str, FolderInfo] | None = None
        self._services: dict[str, dict[str, ServiceInfo]] = {}
        self._versions: dict[tuple[str, str], list[VersionInfo]] = {}

    def folder(self, name: str) -> FolderInfo | None:
        if self._folders is None:
            self._folders = {f.name: f for f in all_pages(lambda p: self.backend.list_folders(page=p, page_size=500))}
        return self._folders.get(name)

    def service(self, folder: str, name: str) -> ServiceInfo | None:
        if folder not in self._services:
            items = all_pages(lambda p: self.backend.list_services(folder, page=p, page_size=500))
            self._services[folder] = {s.name: s for s in items}
        return self._services[folder].get(name)

    def versions(self, folder: str, service: str) -> list[VersionInfo]:
        key = (folder, service)
        if key not in self._versions:
            self._versions[key] = self.backend.list_versions(folder, service)
        return self._versions[key]


def make_plan(
    target: Backend,
    source: Endpoint,
    versions: Iterable[ServiceVersionOutput],
    mappings: list[ServiceMapping],
    if_present: IfPresent = IfPresent.abort,
    *,
    create_folders: bool = False,
    sizes: dict[str, int] | None = None,
) -> Plan:
    """The plan of importing `versions` (each mapped by `mappings`) into `target`.

    Every source service must have a mapping (see mappings.service_mappings); refusals are
    collected in `Plan.errors`, all of them, with the service they concern marked `refused`.
    """
    plan = Plan(source=source, target=endpoint(target.info), services_existing=if_present)
    by_service: dict[str, list[ServiceVersionOutput]] = defaultdict(list)
    for v in versions:
        by_service[service_uri(v.folder_source, v.service_source)].append(v)
    mapping_of = {m.service_uri_source: m for m in mappings}
    if missing := sorted(set(by_service) - set(mapping_of)):
        raise ValueError(f"no mapping for {', '.join(missing)}")  # a caller bug: service_mappings maps all
    destinations = defaultdict(list)
    for uri in by_service:
        destinations[mapping_of[uri].service_uri_destination or uri].append(uri)
    catalog = TargetCatalog(target)
    held = held_version_ids(target, [v.version_id_source for vs in by_service.values() for v in vs])
    tenant = plan.target.tenant
    for uri in sorted(by_service, key=lambda u: tuple(u.split("/", 1))):
        mapping = mapping_of[uri]
        source_versions = sorted(by_service[uri], key=lambda v: SemVer.parse(v.version_source))
        first = source_versions[0]
        dest = mapping.service_uri_destination or uri
        folder, _, name = dest.partition("/")
        service = PlannedService(
            service_uri_source=uri, folder_source=first.folder_source, service_source=first.service_source,
            service_id_source=first.service_id_source, service_uri_destination=dest, folder_destination=folder,
            service_destination=name, update_version_type=mapping.update_version_type, action=ServiceAction.new,
        )
        if len(destinations[dest]) > 1:
            others = ", ".join(u for u in destinations[dest] if u != uri)
            service.errors.append(_error(Code.INVALID_VALUE, dest, (
                f"name clash: '{uri}' and {others} are all mapped to '{dest}'; map each to its own destination")))
        existing = _destination(catalog, service, tenant, create_folders, plan.folders_to_create)
        if existing is not None:
            service.service_id_destination = existing.id
            service.latest_destination = existing.latest_version
            if if_present is IfPresent.abort:
                service.errors.append(_error(Code.SERVICE_EXISTS, dest, (
                    f"destination service '{dest}' already exists in tenant '{tenant}' and services_existing is abort; "
                    "import with replace or add_version, or map the service elsewhere")))
            else:
                service.action = ServiceAction(if_present.value)
        service.versions = _versions(catalog, service, source_versions, existing, held, sizes or {})
        if service.errors:
            service.action = ServiceAction.refused
            for v in service.versions:
                v.status = "refused"
            plan.errors += service.errors
        plan.services.append(service)
    return plan


def _error(code: Code, ref: str, message: str) -> ApiError:
    return ApiError(code=code.value, message=message, ref=ref)


def _destination(
    catalog: TargetCatalog, service: PlannedService, tenant: str, create_folders: bool, to_create: list[str]
) -> ServiceInfo | None:
    """The existing destination service (None when it is new); folder problems go to `service.errors`."""
    name = service.folder_destination
    folder = catalog.folder(name)
    if folder is None:
        if create_folders:
            if name not in to_create:
                to_create.append(name)
        else:
            service.errors.append(_error(Code.FOLDER_NOT_FOUND, name, (
                f"destination folder '{name}' does not exist in tenant '{tenant}'; create it first "
                "(or let the promotion create missing folders) or map the service to an existing folder")))
        return None
    if not folder.accessible:
        service.errors.append(_error(Code.ACCESS_DENIED, name, (
            f"destination folder '{name}' is restricted to group '{folder.required_group}'; "
            "the target profile's user cannot import into it")))
        return None
    return catalog.service(name, service.service_destination)


def held_version_ids(target: Backend, ids: list[str]) -> set[str] | None:
    """Which of `ids` the target tenant holds anywhere (None: it cannot say, e.g. Spark has no dry run).

    The import keeps a source version id only where the whole tenant does not hold it, so the
    plan asks the tenant's resolver (a dry run of exporting those ids), not one service.
    """
    if not ids:
        return set()
    try:
        errors = target.preview(ExportRequest(inputs=ExportInputs(version_ids=ids))).errors
    except ValidationFailed as exc:
        errors = exc.errors
    except SparkTuiError:
        return None
    free = {(e.ref or "").lower() for e in errors if e.code == Code.VERSION_NOT_FOUND.value}
    return {i for i in ids if i.lower() not in free}


def _versions(
    catalog: TargetCatalog,
    service: PlannedService,
    source_versions: list[ServiceVersionOutput],
    existing: ServiceInfo | None,
    held: set[str] | None,
    sizes: dict[str, int],
) -> list[PlannedVersion]:
    """Destination number, id and status of each source version (in semver order, as imported).

    An id is predicted only where Spark keeps it: the tenant does not hold it, or only the service
    this import replaces does (replace removes those versions first).
    """
    action = service.action
    freed: set[str] = set()
    latest: SemVer | None = None
    if existing is not None and action in (ServiceAction.add_version, ServiceAction.replace):
        current = catalog.versions(service.folder_destination, service.service_destination)
        if action is ServiceAction.add_version:
            latest = max((SemVer.parse(v.version) for v in current), default=SemVer(0, 0, 0))
        else:
            freed = {v.id for v in current}
    result = []
    for v in source_versions:
        number = v.version_source
        if latest is not None:
            latest = latest.bump(VersionBump(service.update_version_type).value)
            number = str(latest)
        kept = held is not None and (v.version_id_source not in held or v.version_id_source in freed)
        result.append(PlannedVersion(
            service_uri_source=service_uri(v.folder_source, v.service_source, v.version_source),
            version_source=v.version_source, version_id_source=v.version_id_source,
            service_uri_destination=service_uri(service.folder_destination, service.service_destination, number),
            version_destination=number,
            version_id_destination=v.version_id_source if kept else None,
            status="replaced" if action is ServiceAction.replace else "added",
            bytes=sizes.get(v.version_id_source, 0),
        ))
    return result


def version_sizes(files: Iterable[tuple[str, int]], versions: Iterable[ServiceVersionOutput]) -> dict[str, int]:
    """Bytes per version id from package paths `{tenant}/{folder}/{service}/{version}/{file}`."""
    ids = {(v.folder_source, v.service_source, v.version_source): v.version_id_source for v in versions}
    sizes: dict[str, int] = defaultdict(int)
    for path, size in files:
        parts = path.split("/")
        if len(parts) == 5 and (vid := ids.get((parts[1], parts[2], parts[3]))):
            sizes[vid] += size
    return dict(sizes)

