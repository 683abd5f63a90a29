"""Compare environments (docs/architecture.md, "Environments"): what differs between a source profile and one or more targets.

    comparison = compare(source, [uat, prod], scope=Scope(folders=("claims",)), mappings=maps)

Reads the catalogs through the Backend browse operations only (catalog_reader: concurrent, every
page, nothing twice) and writes nothing — but `deep=True`, which exports the versions nothing else
can decide (one `migrate` job per backend), fingerprints the packages and deletes them.
Source services pair with target services by the promotion mapping rules (`mappings.service_mappings`:
a service mapping, else its folder's, else the same name). Per pair, versions match:

1. the same version number with the same content → `same`;
2. the same content under another number (an `add_version` copy) → `same`, the target's number shown;
3. the same number, other content → `differs`; content not comparable → `unknown`;
4. the rest → `missing` (source only) or `extra` (target only).

Content is the same when both fingerprints are known and equal (`fingerprint`, or `deep` when one
came from an exported package), or — with a fingerprint missing — when the version ids are equal
(`id`: import keeps ids where it can). A folder the caller may not open makes its services
`not_accessible`, never missing or extra.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from spark_tui.backends.base import Backend
from spark_tui.backends.polling import DEFAULT_DEADLINE_S, wait_for_job
from spark_tui.spark.package_format import open_package
from spark_tui.spark.zip_bounds import BoundedEntry
from spark_tui.promotion.catalog_reader import (
    DEFAULT_LIMIT,
    DEFAULT_PAGE_SIZE,
    CatalogReader,
    CompareCancelled,
    ConcurrentReads,
    Progress,
    Restricted,
)
from spark_tui.promotion.mappings import Mapping, service_mappings
from spark_tui.promotion.plan import endpoint
from spark_tui.spark.compare_wire import (
    Comparison,
    CompareScope,
    DecidedBy,
    DeepExport,
    InaccessibleFolder,
    ServiceRow,
    ServiceState,
    TargetComparison,
    VersionRow,
    VersionState,
)
from spark_tui.spark.errors import Code, SparkTuiError, ValidationFailed
from spark_tui.spark.export_wire import ApiError, ExportInputs, ExportRequest
from spark_tui.spark.values import FileFilter, JobStatus, VersionInfo
from spark_tui.spark.fingerprint import fingerprint
from spark_tui.spark.semver import SemVer
from spark_tui.spark.uri import InvalidReference, service_uri, validate_name

__all__ = [
    "CompareCancelled", "DeepExportFailed", "Scope", "compare", "drift_version_ids", "matrix", "MatrixCell", "MatrixRow",
]


@dataclass(frozen=True)
class Scope:
    """Source folders and services (`folder/service`) to compare; neither: the whole tenant."""

    folders: tuple[str, ...] = ()
    services: tuple[str, ...] = ()

    @property
    def whole_tenant(self) -> bool:
        return not (self.folders or self.services)


class DeepExportFailed(SparkTuiError):
    """A `--deep` export job did not close (exit 3); the comparison is not printed."""


@lru_cache(maxsize=4096)
def _order(number: str) -> tuple:
    """The SemVer precedence key of a version number (a catalog repeats a few numbers thousands of times)."""
    return SemVer.parse(number).sort_key()


def _invalid(message: str, ref: str) -> ApiError:
    return ApiError(code=Code.INVALID_VALUE.value, message=message, ref=ref)


def _split_service(text: str) -> tuple[str, str]:
    folder, sep, service = text.strip().partition("/")
    if not sep or "/" in service:
        raise InvalidReference(f"'{text}' is not folder/service; a comparison takes --service FOLDER/SERVICE")
    return validate_name("folder", folder), validate_name("service", service)


# --- the comparison ------------------------------------------------------------------------------


@dataclass
class _Source:
    """The source side in scope: its services, restricted folders, and where each pairs in the targets."""

    services: list[tuple[str, str]] = field(default_factory=list)
    restricted: dict[str, str] = field(default_factory=dict)  # folder -> message
    destination: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    folder_destination: dict[str, str] = field(default_factory=dict)  # scoped folder -> target folder
    scope_folders: set[str] = field(default_factory=set)  # folders compared whole
    whole_tenant: bool = True


def compare(
    source: Backend,
    targets: Sequence[Backend],
    *,
    scope: Scope = Scope(),
    mappings: Sequence[Mapping] = (),
    deep: bool = False,
    limit: int = DEFAULT_LIMIT,
    page_size: int = DEFAULT_PAGE_SIZE,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    deadline_s: float = DEFAULT_DEADLINE_S,
) -> Comparison:
    """Compare `source` with each of `targets` over `scope` (see the module docstring).

    Raises ValidationFailed (every problem at once) for a scope or mapping naming what the source
    lacks, CompareCancelled when `cancel` is set, DeepExportFailed when a `deep` export does not
    close, and the backends' own errors. `limit`: calls in flight per backend.
    """
    if not targets:
        raise ValueError("compare needs at least one target")
    readers = [CatalogReader(b, limit, page_size) for b in (source, *targets)]
    src, tgts = readers[0], readers[1:]
    reads = ConcurrentReads(progress, cancel)
    try:
        reads.read_folders(readers)
        side = _source_side(reads, src, scope, mappings)
        needed = {f for f, _ in side.destination.values()} | set(side.folder_destination.values())
        reads.read_services(
            (r, f) for r in tgts for f in sorted(r.folders or {}) if scope.whole_tenant or f in needed
        )
        reads.read_versions(_versions_wanted(src, tgts, side))
        prints: dict[int, Prints] = {id(r): {} for r in readers}
        result = _comparison(source, src, tgts, side, scope, deep, prints)
        if deep:
            result.deep_exports = _settle_deep(result, src, tgts, prints, cancel, deadline_s, progress)
            result = _comparison(source, src, tgts, side, scope, deep, prints).model_copy(
                update={"deep_exports": result.deep_exports})
        return result
    finally:
        for reader in readers:
            reader.close()


def _source_side(reads: ConcurrentReads, src: CatalogReader, scope: Scope, mappings: Sequence[Mapping]) -> _Source:
    """The source's folders and services in scope, and their destinations; ValidationFailed names every bad name."""
    folders = src.folders or {}
    errors: list[ApiError] = []
    picked: list[tuple[str, str]] = []
    for text in scope.services:
        try:
            picked.append(_split_service(text))
        except InvalidReference as exc:
            errors.append(_invalid(str(exc), text))
    scoped = list(folders) if scope.whole_tenant else list(dict.fromkeys([*scope.folders, *(f for f, _ in picked)]))
    for name in scoped:
        if name not in folders:
            known = ", ".join(list(folders)[:8]) + (", …" if len(folders) > 8 else "")
            errors.append(_invalid(f"folder '{name}' is not in the source tenant (it has: {known or 'no folders'})", name))
    if errors:
        raise ValidationFailed.of(errors)
    reads.read_services((src, f) for f in scoped)
    whole_folders = set(scoped) if scope.whole_tenant else set(scope.folders)
    side = _Source(scope_folders=whole_folders, whole_tenant=scope.whole_tenant)
    for name in scoped:
        listing = src.services[name]
        if isinstance(listing, Restricted):
            side.restricted[name] = str(listing)
            continue
        for service in sorted(listing):
            if name in whole_folders or (name, service) in picked:
                side.services.append((name, service))
    for folder, service in picked:
        listing = src.services.get(folder)
        if isinstance(listing, dict) and service not in listing:
            errors.append(_invalid(f"service '{folder}/{service}' is not in the source tenant; "
                                   f"see spark-tui --batch --list-services {folder}", f"{folder}/{service}"))
    relevant = _relevant_mappings(mappings, folders, src.services, scope, scoped, errors)
    if errors:
        raise ValidationFailed.of(errors)
    in_use = [m for m in relevant if any(m.source in (service_uri(f, s), f) for f, s in side.services)]
    for m in service_mappings(in_use, side.services):
        folder, _, service = m.service_uri_source.partition("/")
        dest_folder, _, dest_service = (m.service_uri_destination or m.service_uri_source).partition("/")
        side.destination[(folder, service)] = (dest_folder, dest_service)
    folder_maps = {m.source: m.destination for m in relevant if m.is_folder}
    side.folder_destination = {f: folder_maps.get(f, f) for f in (whole_folders | set(side.restricted))}
    return side


def _relevant_mappings(
    mappings: Sequence[Mapping], folders: dict, listings: dict, scope: Scope, scoped: list[str], errors: list[ApiError],
) -> list[Mapping]:
    """The mappings that concern the scope; one naming a folder or service the source lacks is an error."""
    relevant = []
    for m in mappings:
        folder, _, service = m.source.partition("/")
        listing = listings.get(folder)
        if folder not in folders or (service and isinstance(listing, dict) and service not in listing and folder in scoped):
            errors.append(_invalid(f"{m.origin}: {'service' if service else 'folder'} '{m.source}' is not in the source "
                                   "tenant; map a folder or service it holds", m.source))
            continue
        in_scope = scope.whole_tenant or folder in scope.folders or (
            m.source in scope.services if service else any(s.partition("/")[0] == folder for s in scope.services))
        if in_scope:
            relevant.append(m)
    return relevant


def _versions_wanted(src: CatalogReader, tgts: list[CatalogReader], side: _Source) -> list[tuple[CatalogReader, str, str]]:
    wanted = [(src, f, s) for f, s in side.services]
    for reader in tgts:
        paired = set(side.destination.values())
        wanted += [(reader, f, s) for f, s in sorted(paired) if _listed(reader, f, s)]
        wanted += [(reader, f, s) for f in _scanned(reader, side) for s in sorted(_listing(reader, f)) if (f, s) not in paired]
    return wanted


def _listing(reader: CatalogReader, folder: str) -> dict:
    listing = reader.services.get(folder)
    return listing if isinstance(listing, dict) else {}


def _listed(reader: CatalogReader, folder: str, service: str) -> bool:
    return service in _listing(reader, folder)


def _scanned(reader: CatalogReader, side: _Source) -> list[str]:
    """Target folders whose unpaired services are `extra`: every listed folder for the whole tenant, else the
    destinations of the scope's folders — never the destination of a restricted source folder."""
    hidden = {side.folder_destination[f] for f in side.restricted}
    candidates = reader.services if side.whole_tenant else {side.folder_destination[f] for f in side.scope_folders}
    return sorted(f for f in candidates if isinstance(reader.services.get(f), dict) and f not in hidden)


def _comparison(
    source: Backend, src: CatalogReader, tgts: list[CatalogReader], side: _Source, scope: Scope, deep: bool,
    prints: dict[int, Prints],
) -> Comparison:
    result = Comparison(
        source=endpoint(source.info), scope=CompareScope(folders=list(scope.folders), services=list(scope.services)), deep=deep,
    )
    for reader in tgts:
        result.targets.append(_against(src, reader, side, prints[id(src)], prints[id(reader)]))
    return result


Prints = dict[str, tuple[str, DecidedBy]]
"""Fingerprints taken from exported packages (`--deep`), by version id, for one side."""


def _against(src: CatalogReader, tgt: CatalogReader, side: _Source, src_prints: Prints, tgt_prints: Prints) -> TargetComparison:
    """The source against one target: a row per paired service, per extra, per service hidden by a restricted folder."""
    out = TargetComparison(target=endpoint(tgt.backend.info))
    out.inaccessible_folders = [InaccessibleFolder(side="source", folder=f, message=m) for f, m in sorted(side.restricted.items())]
    out.inaccessible_folders += [
        InaccessibleFolder(side="target", folder=f, message=str(v)) for f, v in sorted(tgt.services.items()) if isinstance(v, Restricted)
    ]
    paired = set(side.destination.values())
    for (folder, service), (dest_folder, dest_service) in side.destination.items():
        uri, dest_uri = service_uri(folder, service), service_uri(dest_folder, dest_service)
        source_versions = src.versions[(folder, service)]
        row = ServiceRow(service_uri_source=uri, service_uri_target=dest_uri, state=ServiceState.same,
                         latest_source=_latest(source_versions))
        if isinstance(tgt.services.get(dest_folder), Restricted):
            row.state, row.inaccessible_side = ServiceState.not_accessible, "target"
        elif not _listed(tgt, dest_folder, dest_service):
            row.state = ServiceState.missing
            row.versions = _sorted([_one_sided(v, "source", src_prints) for v in source_versions])
        else:
            target_versions = tgt.versions[(dest_folder, dest_service)]
            row.versions = match_versions(source_versions, target_versions, src_prints, tgt_prints)
            row.state = _service_state(row.versions)
            row.latest_target = _latest(target_versions)
            row.latest_ahead = _ahead(row.latest_source, row.latest_target)
        out.services.append(row)
    for folder in _scanned(tgt, side):
        for service in sorted(_listing(tgt, folder)):
            if (folder, service) not in paired:
                versions = tgt.versions[(folder, service)]
                out.services.append(ServiceRow(
                    service_uri_target=service_uri(folder, service), state=ServiceState.extra, latest_target=_latest(versions),
                    versions=_sorted([_one_sided(v, "target", tgt_prints) for v in versions]),
                ))
    for folder in sorted({side.folder_destination[f] for f in side.restricted}):
        for service in sorted(_listing(tgt, folder)):
            if (folder, service) not in paired:
                out.services.append(ServiceRow(
                    service_uri_target=service_uri(folder, service), state=ServiceState.not_accessible,
                    inaccessible_side="source",
                ))
    out.services.sort(key=lambda r: (r.service_uri_source or r.service_uri_target, r.service_uri_target))
    return out.summarized()


# --- versions ------------------------------------------------------------------------------------


def _print(v: VersionInfo, deep: Prints) -> tuple[str | None, DecidedBy]:
    if v.fingerprint:
        return v.fingerprint, DecidedBy.fingerprint
    if v.id in deep:
        return deep[v.id]
    return None, DecidedBy.undecided


def _same(s: VersionInfo, t: VersionInfo, src_prints: Prints, tgt_prints: Prints) -> tuple[bool | None, DecidedBy]:
    """Whether two versions hold the same content (None: cannot tell), and how that was decided."""
    (ps, by_s), (pt, by_t) = _print(s, src_prints), _print(t, tgt_prints)
    if ps and pt:
        return ps == pt, DecidedBy.deep if DecidedBy.deep in (by_s, by_t) else DecidedBy.fingerprint
    if s.id == t.id:
        return True, DecidedBy.id
    return None, DecidedBy.undecided


def _pair(s: VersionInfo, t: VersionInfo, state: VersionState, by: DecidedBy, sp: Prints, tp: Prints) -> VersionRow:
    return VersionRow(
        version_source=s.version, version_id_source=s.id, fingerprint_source=_print(s, sp)[0],
        version_target=t.version, version_id_target=t.id, fingerprint_target=_print(t, tp)[0], state=state, decided_by=by,
    )


def _one_sided(v: VersionInfo, where: str, prints: Prints, by: DecidedBy = DecidedBy.id) -> VersionRow:
    state = VersionState.missing if where == "source" else VersionState.extra
    return VersionRow(**{f"version_{where}": v.version, f"version_id_{where}": v.id,
                         f"fingerprint_{where}": _print(v, prints)[0]}, state=state, decided_by=by)


def _certainty(v: VersionInfo, others: list[VersionInfo], left: list[VersionInfo], compare_one) -> DecidedBy:
    """How it is known that `v` has no copy on the other side: fingerprints against every version there,
    else nothing left there it could be (`id`), else not known."""
    verdicts = [compare_one(v, o) for o in others]
    if verdicts and all(by in (DecidedBy.fingerprint, DecidedBy.deep) for _, by in verdicts):
        return DecidedBy.deep if any(by is DecidedBy.deep for _, by in verdicts) else DecidedBy.fingerprint
    if all(same is not None for same, _ in (compare_one(v, o) for o in left)):
        return DecidedBy.id
    return DecidedBy.undecided


def match_versions(
    source: list[VersionInfo], target: list[VersionInfo], src_prints: Prints | None = None, tgt_prints: Prints | None = None,
) -> list[VersionRow]:
    """The version rows of a service present on both sides (the four steps of the module docstring)."""
    sp, tp = src_prints or {}, tgt_prints or {}
    source = sorted(source, key=lambda v: _order(v.version))
    target = sorted(target, key=lambda v: _order(v.version))
    by_number = {t.version: t for t in target}
    rows: list[VersionRow] = []
    used_s: set[str] = set()
    used_t: set[str] = set()

    def take(s: VersionInfo, t: VersionInfo, state: VersionState, by: DecidedBy) -> None:
        rows.append(_pair(s, t, state, by, sp, tp))
        used_s.add(s.id)
        used_t.add(t.id)

    for s in source:  # 1. same number, same content
        t = by_number.get(s.version)
        if t is not None and (verdict := _same(s, t, sp, tp))[0]:
            take(s, t, VersionState.same, verdict[1])
    for s in source:  # 2. same content under another number
        for t in target:
            if s.id not in used_s and t.id not in used_t and (verdict := _same(s, t, sp, tp))[0]:
                take(s, t, VersionState.same, verdict[1])
    for s in source:  # 3. same number, other or unknown content
        t = by_number.get(s.version)
        if t is not None and s.id not in used_s and t.id not in used_t:
            same, by = _same(s, t, sp, tp)
            take(s, t, VersionState.unknown if same is None else VersionState.differs, by)
    left_s = [s for s in source if s.id not in used_s]
    left_t = [t for t in target if t.id not in used_t]
    rows += [_one_sided(s, "source", sp, _certainty(s, target, left_t, lambda a, b: _same(a, b, sp, tp))) for s in left_s]
    rows += [_one_sided(t, "target", tp, _certainty(t, source, left_s, lambda a, b: _same(b, a, sp, tp))) for t in left_t]
    return _sorted(rows)


def _sorted(rows: list[VersionRow]) -> list[VersionRow]:
    return sorted(rows, key=lambda r: (_order(r.version_source or r.version_target or "0.0.0"),
                                       _order(r.version_target or r.version_source or "0.0.0")))


def _service_state(rows: list[VersionRow]) -> ServiceState:
    states = {r.state for r in rows}
    if states & {VersionState.differs, VersionState.unknown} or {VersionState.missing, VersionState.extra} <= states:
        return ServiceState.differs
    if VersionState.missing in states:
        return ServiceState.missing_versions
    if VersionState.extra in states:
        return ServiceState.extra_versions
    return ServiceState.same


def _latest(versions: list[VersionInfo]) -> str | None:
    return max((v.version for v in versions), key=_order, default=None)


def _ahead(source: str | None, target: str | None) -> str | None:
    if source is None or target is None:
        return None
    s, t = _order(source), _order(target)
    return "source" if s > t else "target" if t > s else "even"


# --- --deep: fingerprints of exported packages -----------------------------------------------------


def _undecided(result: Comparison) -> tuple[set[str], list[set[str]]]:
    """Version ids of the source, and of each target, that an undecided row needs a fingerprint of."""
    source_ids: set[str] = set()
    target_ids: list[set[str]] = []
    for t in result.targets:
        ids: set[str] = set()
        for row in (r for s in t.services for r in s.versions if r.decided_by is DecidedBy.undecided):
            if row.version_id_source and not row.fingerprint_source:
                source_ids.add(row.version_id_source)
            if row.version_id_target and not row.fingerprint_target:
                ids.add(row.version_id_target)
        target_ids.append(ids)
    return source_ids, target_ids


def _settle_deep(
    result: Comparison, src: CatalogReader, tgts: list[CatalogReader], prints: dict[int, Prints],
    cancel: threading.Event | None, deadline_s: float, progress: Progress | None,
) -> list[DeepExport]:
    """Export (migrate, one job per backend) the versions undecided rows need, fingerprint and delete the packages."""
    source_ids, target_ids = _undecided(result)
    jobs = []
    for reader, ids in [(src, source_ids), *zip(tgts, target_ids)]:
        exportable = sorted(v.id for vs in reader.versions.values() for v in vs if v.id in ids and v.exportable)
        if not exportable:
            continue
        if cancel is not None and cancel.is_set():
            raise CompareCancelled()
        profile = reader.backend.info.profile
        if progress is not None:
            progress(f"deep: exporting {len(exportable)} version(s) of {profile}", 0, 0)
        job_id, found = package_prints(reader.backend, exportable, cancel, deadline_s)
        prints[id(reader)].update({vid: (p, DecidedBy.deep) for vid, p in found.items()})
        jobs.append(DeepExport(profile=profile, job_id=job_id, versions=len(exportable)))
    return jobs


def package_prints(
    backend: Backend, version_ids: list[str], cancel: threading.Event | None = None, deadline_s: float = DEFAULT_DEADLINE_S,
) -> tuple[str, dict[str, str]]:
    """Export `version_ids` (migrate) in one job, download the package to a temporary directory,
    fingerprint every version in it, delete it; (job id, fingerprint by version id)."""
    request = ExportRequest(
        inputs=ExportInputs(version_ids=version_ids), file_filter=FileFilter.migrate,
        source_system="spark-tui compare --deep", file_name="compare-deep.zip",
    )
    job = wait_for_job(backend, backend.submit(request).id, deadline_s=deadline_s, cancel=cancel)
    if cancel is not None and cancel.is_set():
        raise CompareCancelled()
    if job.status is not JobStatus.closed:
        raise DeepExportFailed(
            f"--deep export job {job.id} of profile '{backend.info.profile}' ended {job.status.value}"
            + (f": {job.errors[0].message}" if job.errors else ""), job.errors,
        )
    folder = Path(tempfile.mkdtemp(prefix="spark-tui-compare-"))
    try:
        [download] = backend.download(job, folder, cancel=cancel)
        return job.id, fingerprints_of_package(Path(download.path))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def fingerprints_of_package(path: Path) -> dict[str, str]:
    """The fingerprint of every version of a `migrate` package, by version id (every file is read)."""
    found = {}
    with open_package(path) as package:
        for v in package.versions:
            hashes = []
            for name, info in v.entries.items():
                digest = hashlib.sha256()
                with BoundedEntry(package.archive, info) as entry:
                    while chunk := entry.read(1024 * 1024):
                        digest.update(chunk)
                hashes.append((name, digest.hexdigest()))
            found[v.version_id] = fingerprint(v.version_id, hashes)
    return found


# --- what the faces build on -----------------------------------------------------------------------


def drift_version_ids(target: TargetComparison) -> list[str]:
    """Source version ids a promotion must carry to close the drift: `missing` and `differs` rows."""
    wanted = (VersionState.missing, VersionState.differs)
    return [r.version_id_source for s in target.services for r in s.versions
            if r.state in wanted and r.version_id_source is not None]


@dataclass(frozen=True)
class MatrixCell:
    """One target's view of a service: its latest version there and the service's mark."""

    latest: str | None
    state: ServiceState

    @property
    def mark(self) -> str:
        return self.state.mark


@dataclass(frozen=True)
class MatrixRow:
    """A service (the source's, or a target's that the source lacks) across every target."""

    service: str
    latest_source: str | None
    cells: tuple[MatrixCell | None, ...]  # one per target, None where the target has no such row
    source_side: bool  # False: a service of a target only (extra)


def matrix(comparison: Comparison) -> list[MatrixRow]:
    """One row per service, one cell per target (in the order of `comparison.targets`)."""
    keys: dict[tuple[bool, str], dict[int, ServiceRow]] = {}
    for n, t in enumerate(comparison.targets):
        for row in t.services:
            key = (row.service_uri_source is not None, row.service_uri_source or row.service_uri_target)
            keys.setdefault(key, {})[n] = row
    rows = []
    for (from_source, name), cells in sorted(keys.items(), key=lambda kv: (not kv[0][0], kv[0][1])):
        first = next(iter(cells.values()))
        rows.append(MatrixRow(
            service=name, latest_source=first.latest_source, source_side=from_source,
            cells=tuple(MatrixCell(cells[n].latest_target, cells[n].state) if n in cells else None
                        for n in range(len(comparison.targets))),
        ))
    return rows
