"""Import a package into a tenant: Spark's import (mappings, prerequisites) and workspace seeding.

`run_import` is Spark's import (docs/architecture.md, "Import and promotion semantics"): each `services_modify` mapping places a source
service of a `migrate` package under a destination folder/service that must be reachable —
the folder exists and the caller passes its group (the resolver's rule) — and `abort` refuses an
existing destination. Every violation is reported at once and nothing is written.
`load_package` seeds an embedded workspace from any real package (onpremises included): the
tenant and folders are created as needed, every service keeps its name.

Both stage the files as blobs outside the workspace lock, then re-check and write the catalog in
ONE transaction that also publishes the staged blobs; a refused or failed import leaves catalog
and blob store as they were. A version stored under another id (its id was taken) or number
(`add_version`) gets its module renamed and the id and revision in its metadata rewritten, so a
later export of it agrees with itself.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from spark_tui.engine import housekeeping
from spark_tui.engine.access import AccessDenied, FolderNotFound, require_folder_access
from spark_tui.engine.blob_gc import collect_orphan_blobs
from spark_tui.engine.blob_stage import BlobStage
from spark_tui.spark.package_format import (
    MAX_METADATA_BYTES,
    PackageContents,
    PackageKind,
    PackageVersion,
    open_package,
    parse_json,
)
from spark_tui.spark.import_check import check_import_request, service_pair, source_service
from spark_tui.engine.store import Workspace
from spark_tui.spark.zip_bounds import BoundedEntry, bad
from spark_tui.spark.errors import Code, DiskFull, ServiceExists, SparkTuiError, ValidationFailed
from spark_tui.spark.import_wire import (
    ImportedService,
    ImportedServiceVersion,
    ImportOutputs,
    ImportRequestEntity,
    ImportResult,
)
from spark_tui.spark.export_wire import ApiError
from spark_tui.spark.values import IfPresent, VersionBump, iso, utc_now
from spark_tui.spark.semver import SemVer
from spark_tui.spark.uri import InvalidReference, service_uri, validate_name

Files = dict[str, tuple[str, int]]
ProgressBytes = Callable[[int, int], None]
CommitHook = Callable[[sqlite3.Connection, ImportOutputs], None]


def _error(code: Code, message: str, ref: str | None) -> ApiError:
    return ApiError(code=code.value, message=message, ref=ref)


# --- the plan: where each source service goes ----------------------------------------------------


@dataclass
class Placement:
    """One source service of the package and its destination in the tenant."""

    source: str
    versions: list[PackageVersion]
    folder: str
    service: str
    bump: VersionBump
    existing_id: str | None = None
    latest: SemVer | None = None

    @property
    def destination(self) -> str:
        return service_uri(self.folder, self.service)


def _existing(db: sqlite3.Connection, tenant: str, folder: str, service: str) -> tuple[str | None, SemVer | None]:
    row = db.execute(
        "SELECT s.id FROM services s JOIN folders f ON f.id=s.folder_id WHERE f.tenant=? AND f.name=? AND s.name=?",
        (tenant, folder, service),
    ).fetchone()
    if row is None:
        return None, None
    numbers = [r[0] for r in db.execute("SELECT version FROM versions WHERE tenant=? AND service_id=?", (tenant, row[0]))]
    return row[0], max((SemVer.parse(n) for n in numbers), default=SemVer(0, 0, 0))


def plan_import(
    ws: Workspace, db: sqlite3.Connection, tenant: str, package: PackageContents, entity: ImportRequestEntity, groups: tuple[str, ...]
) -> tuple[list[Placement], list[ApiError]]:
    """Spark's prerequisites (docs/architecture.md, "Import and promotion semantics"): the placements, and every violation."""
    errors: list[ApiError] = []
    if package.kind is PackageKind.onpremises:
        errors.append(_error(
            Code.NOT_A_MIGRATE_PACKAGE,
            f"package '{package.name}' is an onpremises export (its versions hold only the Hybrid Runner files); "
            "Spark imports only packages exported with file_filter=migrate — export again with file_filter=migrate",
            package.name,
        ))
    limit = db.execute("SELECT size_limit FROM tenants WHERE name=?", (tenant,)).fetchone()
    if limit is not None and package.size > limit[0]:
        errors.append(_error(
            Code.PACKAGE_TOO_LARGE,
            f"package '{package.name}' is {package.size} bytes, over tenant '{tenant}''s limit of {limit[0]} bytes",
            package.name,
        ))
    services = package.services
    placements = []
    for mapping in entity.inputs.services_modify:
        (sf, ss, revision), (df, ds) = source_service(mapping.service_uri_source), service_pair(mapping.destination)
        source = service_uri(sf, ss)
        versions = services.get(source)
        if versions is None:
            held = ", ".join(list(services)[:10]) + (", …" if len(services) > 10 else "")
            errors.append(_error(
                Code.SERVICE_NOT_IN_PACKAGE,
                f"service '{source}' named in services_modify is not in package '{package.name}' (it holds {held})",
                mapping.service_uri_source,
            ))
            continue
        if revision is not None:
            held = ", ".join(v.version for v in versions)
            versions = [v for v in versions if v.version == revision]
            if not versions:
                errors.append(_error(
                    Code.SERVICE_NOT_IN_PACKAGE,
                    f"'{service_uri(sf, ss, revision)}' named in services_modify is not in package '{package.name}' "
                    f"(it holds {source} at {held})",
                    mapping.service_uri_source,
                ))
                continue
        placement = Placement(source, versions, df, ds, mapping.update_version_type)
        try:
            require_folder_access(ws, tenant, df, None, groups, db=db)
        except FolderNotFound:
            errors.append(_error(
                Code.FOLDER_NOT_FOUND,
                f"destination folder '{df}' does not exist in tenant '{tenant}'; create it first "
                "(import never creates folders)",
                mapping.destination,
            ))
            continue
        except AccessDenied as exc:
            errors.append(_error(Code.ACCESS_DENIED, exc.message, mapping.destination))
            continue
        placement.existing_id, placement.latest = _existing(db, tenant, df, ds)
        if placement.existing_id is not None and entity.services_existing is IfPresent.abort:
            errors.append(_error(
                Code.SERVICE_EXISTS,
                f"destination service '{placement.destination}' already exists in tenant '{tenant}' and "
                "services_existing is abort; use replace or add_version, or another destination",
                mapping.destination,
            ))
        placements.append(placement)
    return placements, errors


def plan_seed(db: sqlite3.Connection, tenant: str, package: PackageContents, bump: VersionBump, if_present: IfPresent) -> list[Placement]:
    """Every service of the package under its own name (folders are created when written)."""
    placements = []
    for source, versions in package.services.items():
        placement = Placement(source, versions, versions[0].folder, versions[0].service, bump)
        placement.existing_id, placement.latest = _existing(db, tenant, placement.folder, placement.service)
        placements.append(placement)
    existing = [p.destination for p in placements if p.existing_id is not None]
    if existing and if_present is IfPresent.abort:
        message = (
            f"service(s) {', '.join(existing)} already exist in tenant '{tenant}'; "
            "import with if_present=replace or add_version"
        )
        raise ServiceExists(message, [_error(Code.SERVICE_EXISTS, message, uri) for uri in existing])
    return placements


# --- staging and writing -----------------------------------------------------------------------


def _stage_files(package: PackageContents, placements: list[Placement], stage: BlobStage, progress: ProgressBytes | None) -> dict[str, Files]:
    """Every file of every placed version, streamed into the stage (bounded, CRC-checked by zipfile)."""
    total = sum(v.size for p in placements for v in p.versions)
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    staged: dict[str, Files] = {}
    for v in (v for p in placements for v in p.versions):
        files: Files = {}
        for name, info in v.entries.items():
            with BoundedEntry(package.archive, info) as source:
                files[name] = stage.put(source, advance)
        staged[v.version_id] = files
    if progress is not None:
        progress(total, total)
    return staged


def _free_id(db: sqlite3.Connection, table: str, tenant: str, wanted: str) -> str:
    """`wanted` unless that id is already taken in the tenant, else a new UUID."""
    taken = db.execute(f"SELECT 1 FROM {table} WHERE tenant=? AND id=?", (tenant, wanted)).fetchone()
    return str(uuid.uuid4()) if taken else wanted


def _write(
    ws: Workspace, db: sqlite3.Connection, tenant: str, placements: list[Placement], if_present: IfPresent,
    staged: dict[str, Files], stage: BlobStage, used: set[str],
) -> ImportOutputs:
    """Write every placement into the catalog (inside the caller's transaction); `used` gets the blobs it references."""
    now = iso(utc_now())
    outputs = ImportOutputs()
    ws.ensure_tenant(tenant, db=db)
    for p in placements:
        if db.execute("SELECT 1 FROM folders WHERE tenant=? AND name=?", (tenant, p.folder)).fetchone() is None:
            ws.add_folder(tenant, p.folder, created=now, db=db)  # only seeding gets here: import checked folders
        first = p.versions[0]
        if p.existing_id is None:
            status = "added"
            service_id = ws.add_service(tenant, p.folder, p.service, _free_id(db, "services", tenant, first.service_id), created=now, db=db)
        else:
            service_id = p.existing_id
            status = "replaced" if if_present is IfPresent.replace else "updated"
            if if_present is IfPresent.replace:
                db.execute("DELETE FROM versions WHERE tenant=? AND service_id=?", (tenant, service_id))
        common = dict(
            service_uri_source=p.source, folder_source=first.folder, service_source=first.service,
            service_id_source=first.service_id, folder_destination=p.folder, service_destination=p.service,
            service_id_destination=service_id,
        )
        outputs.services.append(ImportedService(**common, service_uri_destination=p.destination, status=status))
        latest = p.latest
        for v in p.versions:
            number = v.version
            if status == "updated":
                latest = latest.bump(p.bump.value)
                number = str(latest)
            version_id = _free_id(db, "versions", tenant, v.version_id)
            files = _restamped(stage, v, staged[v.version_id], number, version_id)
            used.update(sha for sha, _ in files.values())
            ws.add_version(
                tenant, service_id, number, files, version_id=version_id, engine_type=v.engine_type,
                has_module=v.has_module, created=v.created, author=v.author, release_note=v.release_note,
                original_file_name=v.original_file_name, db=db,
            )
            outputs.service_versions.append(ImportedServiceVersion(
                **{**common, "service_uri_source": v.uri}, service_uri_destination=service_uri(p.folder, p.service, number),
                version_source=v.version, version_id_source=v.version_id, version_destination=number,
                version_id_destination=version_id, status="replaced" if status == "replaced" else "added",
            ))
    return outputs


def _restamped(stage: BlobStage, v: PackageVersion, files: Files, version: str, version_id: str) -> Files:
    """The files of `v` as stored under a destination `version`/`version_id` that may differ from the source's.

    The module `{id}.zip` is renamed, and the ids and revision inside `ModelMetaData.json` and
    `WASMMetaData.json` are rewritten (as new staged blobs).
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
            ref = f"{v.uri} {name}"
            sha, size = files[name]
            if size > MAX_METADATA_BYTES:
                bad(f"{ref} is {size} bytes, too large for a metadata file", ref)
            data = parse_json(stage.read(sha), ref)
            if not isinstance(data, dict) or (name == "ModelMetaData.json" and not isinstance(data.get("EngineInformation"), dict)):
                bad(f"{ref} is not a JSON object; it cannot take the imported version's id", ref)
            update(data)
            files[name] = stage.put(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())
    return files


# --- the two operations ------------------------------------------------------------------------


def write_refusal(exc: BaseException, what: str, ws: Workspace) -> SparkTuiError:
    """A clean error for a write failure in `ws`, naming no server path."""
    if housekeeping.disk_full(exc, ws.root):
        return DiskFull(what)
    reason = getattr(exc, "strerror", None) or type(exc).__name__
    message = f"writing failed while {what} ({reason}); nothing was imported"
    return SparkTuiError(message, [_error(Code.WRITE_FAILED, message, None)])


def _commit(
    ws: Workspace, package: PackageContents, stage_prefix: str, tenant: str, if_present: IfPresent,
    plan: Callable[[sqlite3.Connection], list[Placement]], progress: ProgressBytes | None, hook: CommitHook | None,
) -> ImportOutputs:
    """Stage the placed files, then re-plan and write catalog and blobs in one transaction."""
    try:
        with BlobStage(ws, stage_prefix) as stage:
            staged = _stage_files(package, plan(ws.connect()), stage, progress)
            added: list[Path] = []
            try:
                used: set[str] = set()
                with ws.transaction() as db:
                    outputs = _write(ws, db, tenant, plan(db), if_present, staged, stage, used)
                    added = stage.publish(used)
                    if hook is not None:
                        hook(db, outputs)
            except BaseException:
                stage.unpublish(added)
                raise
        with suppress(OSError, sqlite3.Error):  # best effort: what is left now is collected after a later import
            collect_orphan_blobs(ws)
        return outputs
    except (OSError, sqlite3.OperationalError) as exc:
        raise write_refusal(exc, f"importing package '{package.name}'", ws) from None


def run_import(
    ws: Workspace,
    tenant: str,
    path: Path,
    entity: ImportRequestEntity,
    groups: tuple[str, ...],
    *,
    name: str = "package.zip",
    progress: ProgressBytes | None = None,
    hook: CommitHook | None = None,
    stage: str = "import-",
) -> ImportOutputs:
    """Spark's import of the package at `path` (called `name` in messages) into an existing tenant.

    Raises ValidationFailed with every prerequisite violation, BadPackage, DiskFull. `hook` runs
    inside the writing transaction (the job worker ends its job there, so job and catalog agree);
    `stage` begins the staging directory's name (a job's own, so reaping the job removes it).
    """
    if errors := check_import_request(entity):
        raise ValidationFailed.of(errors)

    def plan(db: sqlite3.Connection) -> list[Placement]:
        placements, violations = plan_import(ws, db, tenant, package, entity, groups)
        if violations:
            raise ValidationFailed.of(violations)
        return placements

    with open_package(path, name) as package:
        return _commit(ws, package, stage, tenant, entity.services_existing, plan, progress, hook)


def load_package(
    ws: Workspace, path: Path, tenant: str, *, if_present: IfPresent = IfPresent.abort, bump: VersionBump = VersionBump.minor
) -> ImportResult:
    """Seed `tenant` (created with its folders as needed) from any package, every service under its own name."""
    try:
        validate_name("tenant", tenant)
    except InvalidReference as exc:
        raise ValidationFailed.of([_error(Code.INVALID_VALUE, str(exc), tenant)]) from None
    if_present, bump = IfPresent(if_present), VersionBump(bump)
    with open_package(path) as package:
        outputs = _commit(ws, package, "load-", tenant, if_present, lambda db: plan_seed(db, tenant, package, bump, if_present), None, None)
    return ImportResult(tenant=tenant, services=outputs.services, service_versions=outputs.service_versions)

