"""The `--batch` import operations: import a package (Spark's import API), watch import jobs,
create a folder, and seed an embedded workspace from a package (`--load-package`).

`--map SRC=DST[:major|minor|patch]` (repeatable) and `--mapping-file FILE` rename services or whole
folders on the way in (promotion's parser); only the mapped services are imported, and with no
mapping every service of the package under its own name. Upload and job progress go to
stderr; the job (or its API JSON with `--json`) to stdout. Exit codes as for export: 0 closed,
1 failed while running, 2 refused (prerequisites, bad request or package), 3 backend or disk full,
4 client deadline, 6 the tenant's import slot is busy, 130 interrupted (the job goes on).
"""

from __future__ import annotations

import threading
from pathlib import Path

from spark_tui.backends.base import Backend
from spark_tui.backends.package_info import package_services
from spark_tui.backends.polling import DEFAULT_DEADLINE_S, wait_for_import
from spark_tui.batch import output
from spark_tui.batch.progress import Progress
from spark_tui.batch.operations import Console, UsageError, sigint_sets
from spark_tui.promotion.mappings import MappingSet, covers, parse_map, read_mapping_file, service_mappings
from spark_tui.spark.errors import BadPackage, Code, ValidationFailed
from spark_tui.spark.exit_codes import ExitCode, exit_code_for
from spark_tui.spark.import_wire import ImportInputs, ImportJob, ImportRequestEntity
from spark_tui.spark.export_wire import ApiError
from spark_tui.spark.values import IfPresent, JobStatus, VersionBump, as_json
from spark_tui.spark.uri import InvalidReference, validate_name

def missing_package(package: Path, what: str = "package") -> ApiError | None:
    """PACKAGE_NOT_FOUND naming `package` when it is not a file; None when it is."""
    if package.is_file():
        return None
    problem = "is not a file" if package.exists() else "does not exist"
    return ApiError(code=Code.PACKAGE_NOT_FOUND.value, ref=str(package),
                    message=f"{what} {package} {problem}; give the path of an export ZIP")


def _require_package(package: Path, what: str = "package") -> None:
    if (problem := missing_package(package, what)) is not None:
        raise ValidationFailed.of([problem])


def import_request(
    package: Path, maps: list[str], *, mapping_file: Path | None = None, if_present: IfPresent | None,
    upgrade: VersionBump | None, source_system: str | None, correlation_id: str | None,
) -> ImportRequestEntity:
    """The request `--import-package` sends; ValidationFailed names every bad --map, a bad mapping
    file and a missing or unreadable package at once.

    Maps are promotion's (`promotion.mappings`: services, whole folders, a TOML file); with any
    mapping only the services it names are imported, with none every service under its own name.
    `if_present`/`upgrade` from flags beat the mapping file's; abort and minor are the defaults.
    """
    problems: list[ApiError] = []
    found = MappingSet()
    if mapping_file is not None:
        try:
            found = read_mapping_file(mapping_file)
        except ValidationFailed as exc:
            problems += exc.errors
    for text in maps:
        try:
            found.mappings.append(parse_map(text))
        except ValidationFailed as exc:
            problems += exc.errors
    services: list[tuple[str, str]] = []
    if (missing := missing_package(package, "import package")) is not None:
        problems.append(missing)
    else:
        try:
            services = [tuple(uri.split("/", 1)) for uri in package_services(package)]
        except BadPackage as exc:
            problems += exc.errors or [ApiError(code=exc.code, message=exc.message, ref=str(package))]
    if not problems:
        try:
            mappings = service_mappings(found.mappings, services, upgrade or found.upgrade or VersionBump.minor)
        except ValidationFailed as exc:
            problems += exc.errors
        else:  # with mappings, only the services they name
            mappings = [m for m in mappings if not found.mappings or any(covers(f, m.service_uri_source) for f in found.mappings)]
    if problems:
        raise ValidationFailed.of(problems)
    return ImportRequestEntity(
        inputs=ImportInputs(services_modify=mappings), services_existing=if_present or found.if_present or IfPresent.abort,
        source_system=source_system or "spark-tui", correlation_id=correlation_id,
    )


def import_package(
    backend: Backend, package: Path, request: ImportRequestEntity, console: Console, progress: Progress, *,
    no_wait: bool = False, deadline_s: float = DEFAULT_DEADLINE_S,
) -> int:
    """Upload, start the import job and (unless `no_wait`) wait for its end."""
    _require_package(package, "import package")
    try:
        job = backend.submit_import(package, request, progress=progress.upload)
    finally:
        progress.finish()
    console.note(f"import job {job.id}: {job.status.value}")
    if no_wait or job.status.is_terminal:
        return _finished(job, console)
    stop = threading.Event()
    with sigint_sets(stop, console, progress, "stop waiting (the import job goes on)"):
        try:
            job = wait_for_import(backend, job, on_update=progress.job, cancel=stop, deadline_s=deadline_s)
        finally:
            progress.finish()
    if stop.is_set():
        console.note(f"interrupted: import job {job.id} is '{job.status.value}'; see it with --import-status {job.id}")
        console.result(output.import_job_text(job), job.wire())
        return ExitCode.INTERRUPTED
    return _finished(job, console)


def import_status(backend: Backend, job_id: str, console: Console) -> int:
    return _finished(backend.import_status(job_id), console)


def imports(backend: Backend, console: Console) -> int:
    jobs = backend.list_imports(all_users=True)
    console.result(output.imports_text(jobs), [j.wire() for j in jobs])
    return ExitCode.OK


def folder_name_problem(name: str) -> ApiError | None:
    """Why `name` cannot be a folder's name (checked before a backend opens); None when it can."""
    try:
        validate_name("folder", name)
    except InvalidReference as exc:
        return ApiError(code=Code.INVALID_VALUE.value, message=f"--create-folder: {exc}", ref=name)
    return None


def create_folder(backend: Backend, name: str, console: Console) -> int:
    folder = backend.create_folder(name)
    console.result(f"created folder {folder.name} ({folder.id})", as_json(folder))
    return ExitCode.OK


def load_package(backend: Backend, package: Path, if_present: IfPresent, console: Console) -> int:
    """Seed the embedded workspace's tenant from any package (today's importer: no job, ids kept)."""
    loader = getattr(backend, "load_package", None)
    if loader is None:
        raise UsageError("--load-package seeds an embedded workspace; against Spark use --import-package")
    _require_package(package)
    result = loader(package, if_present=if_present)
    console.result(output.import_text(result), result.model_dump(mode="json"))
    return ExitCode.OK


def _finished(job: ImportJob, console: Console) -> int:
    for line in output.error_lines(job.errors or []):
        console.note(line)
    code = exit_code_for(job)
    if job.status is JobStatus.failed:
        console.note(f"import job {job.id} ended 'failed'; nothing was imported")
    console.result(output.import_job_text(job), job.wire())
    return code
