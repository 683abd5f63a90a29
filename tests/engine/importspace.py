"""Migrate/onpremises packages exported from a small source tenant, and an import target tenant."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from jobspace import SUPERVISOR, TENANT, USER, build, export_folder

from spark_tui.engine.import_jobs import ImportJobs
from spark_tui.engine.jobs import JobManager
from spark_tui.engine.store import Workspace
from spark_tui.engine.worker import run_job
from spark_tui.spark.import_wire import ImportInputs, ImportJob, ImportRequestEntity, ServiceMapping
from spark_tui.spark.values import FileFilter, IfPresent, VersionBump

TARGET = "beta"
DEST = "uat"
LOCKED = "locked"
LOCKED_GROUP = "finance"


def exported(ws: Workspace, dest: Path, file_filter: FileFilter = FileFilter.migrate) -> Path:
    """Export folder `Pricing` of tenant `acme` (run in process) and copy the package to `dest`."""
    manager = JobManager(ws, spawn=False)
    job = manager.submit(TENANT, USER, SUPERVISOR, export_folder(file_filter=file_filter))
    run_job(ws, job.id)
    source = manager.package_path(TENANT, job.id, USER, SUPERVISOR)
    dest.parent.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(source, dest))


def source_and_target(root: Path) -> Workspace:
    """`acme` (Pricing/quote, two versions, and Pricing/rate, one) and `beta` with folders `uat` and `locked`."""
    ws = build(root)
    rate_id = ws.add_service(TENANT, "Pricing", "rate")
    version_id = str(uuid.UUID(int=7, version=4))
    files = {"rate.xlsx": ws.put_blob(b"rate workbook"), f"{version_id}.zip": ws.put_blob(b"rate module")}
    ws.add_version(TENANT, rate_id, "0.1.0", files, version_id=version_id)
    ws.ensure_tenant(TARGET)
    ws.add_folder(TARGET, DEST)
    ws.add_folder(TARGET, LOCKED, required_group=LOCKED_GROUP)
    return ws


def mapping(source: str, destination: str | None = None, bump: VersionBump = VersionBump.minor) -> ServiceMapping:
    return ServiceMapping(service_uri_source=source, service_uri_destination=destination, update_version_type=bump)


def request(*mappings: ServiceMapping, if_present: IfPresent = IfPresent.abort) -> ImportRequestEntity:
    return ImportRequestEntity(inputs=ImportInputs(services_modify=list(mappings)), services_existing=if_present)


def run_import(
    ws: Workspace, package: Path, req: ImportRequestEntity, *, groups: tuple[str, ...] = (), user: str = USER
) -> ImportJob:
    """Submit an import job into `beta` and run its worker in process; the job at its end."""
    imports = ImportJobs(JobManager(ws, spawn=False))
    job = imports.submit(TARGET, user, groups, package, req)
    run_job(ws, job.id)
    return imports.status(TARGET, job.id, user, groups)


def blob_count(ws: Workspace) -> int:
    return sum(1 for p in ws.blobs.rglob("*") if p.is_file())
