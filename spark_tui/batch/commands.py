"""The pre-flight checks and runs of the export, job, list and import operations, as the registry names them.

Each `preflight_*(args, config)` returns every problem found before a backend opens; each
`run_*(args, config, profile, console)` opens the backend, runs the operation and returns its exit code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from spark_tui.backends.base import Backend
from spark_tui.backends.factory import open_backend
from spark_tui.batch import imports, operations
from spark_tui.batch.operations import Console, UsageError
from spark_tui.batch.progress import for_stream
from spark_tui.config import AppConfig, Profile
from spark_tui.spark.errors import ValidationFailed
from spark_tui.spark.export_wire import ApiError, ExportInputs, ExportRequest
from spark_tui.spark.values import FileFilter, IfPresent, VersionBump, VersionFilter
from spark_tui.spark.import_wire import ImportRequestEntity


def export_request_from_args(args: argparse.Namespace, *, file_filter: str = "migrate") -> ExportRequest:
    """The export request of the selection options; `file_filter` when --file-filter is not given."""
    return ExportRequest(
        inputs=ExportInputs(folders=args.folder, services=args.service, version_ids=args.version_id),
        file_filter=FileFilter(args.file_filter or file_filter),
        version_filter=VersionFilter(args.version_filter or "all"),
        source_system=args.source_system, correlation_id=args.correlation_id, file_name=args.file_name,
    )


def has_selection(args: argparse.Namespace) -> bool:
    return bool(args.folder or args.service or args.version_id)


def output_dir(args: argparse.Namespace) -> Path:
    return args.output_dir or Path.cwd()


def if_exists(args: argparse.Namespace) -> str:
    return args.if_exists or "fail"


def deadline(args: argparse.Namespace) -> dict:
    return {"deadline_s": args.deadline} if args.deadline else {}


def on_backend(args: argparse.Namespace, profile: Profile, work: Callable[[Backend], int]) -> int:
    """`work` on the profile's backend (with --workspace and --tenant), closed after."""
    backend = open_backend(profile, workspace=args.workspace, tenant=args.tenant)
    try:
        return work(backend)
    finally:
        backend.close()


# --- export -------------------------------------------------------------------------------------


def preflight_export(args: argparse.Namespace, config: AppConfig) -> list[ApiError]:
    if not has_selection(args):
        raise UsageError(
            "nothing to export; give --folder, --service or --version-id (each repeatable), "
            "or an operation such as --jobs or --list-folders"
        )
    return operations.preflight(export_request_from_args(args), output_dir(args),
                                download=not (args.dry_run or args.no_wait), if_exists=if_exists(args))


def run_export(args: argparse.Namespace, config: AppConfig, profile: Profile, console: Console) -> int:
    return on_backend(args, profile, lambda backend: operations.export(
        backend, export_request_from_args(args), console, for_stream(sys.stderr), output_dir=output_dir(args),
        dry_run=args.dry_run, no_wait=args.no_wait, if_exists=if_exists(args), **deadline(args),
    ))


# --- jobs and lists ---------------------------------------------------------------------------


def run_status(args: argparse.Namespace, config: AppConfig, profile: Profile, console: Console) -> int:
    return on_backend(args, profile, lambda backend: operations.status(backend, args.status, console))


def run_cancel(args: argparse.Namespace, config: AppConfig, profile: Profile, console: Console) -> int:
    return on_backend(args, profile, lambda backend: operations.cancel(backend, args.cancel, console))


def run_jobs(args: argparse.Namespace, config: AppConfig, profile: Profile, console: Console) -> int:
    return on_backend(args, profile, lambda backend: operations.jobs(backend, console))


def run_list_folders(args: argparse.Namespace, config: AppConfig, profile: Profile, console: Console) -> int:
    return on_backend(args, profile, lambda backend: operations.list_folders(backend, console))


def run_list_services(args: argparse.Namespace, config: AppConfig, profile: Profile, console: Console) -> int:
    return on_backend(args, profile, lambda backend: operations.list_services(backend, args.list_services, console))


def run_list_versions(args: argparse.Namespace, config: AppConfig, profile: Profile, console: Console) -> int:
    return on_backend(args, profile, lambda backend: operations.list_versions(backend, args.list_versions, console))


# --- imports ------------------------------------------------------------------------------------


def import_request_from_args(args: argparse.Namespace) -> ImportRequestEntity:
    """The request `--import-package` sends (ValidationFailed names every problem of its arguments)."""
    return imports.import_request(
        args.import_package, args.map, mapping_file=args.mapping_file,
        if_present=IfPresent(args.if_present) if args.if_present else None,
        upgrade=VersionBump(args.upgrade) if args.upgrade else None,
        source_system=args.source_system, correlation_id=args.correlation_id,
    )


def _problems(check: Callable[[], object]) -> list[ApiError]:
    try:
        check()
    except ValidationFailed as exc:
        return exc.errors
    return []


def preflight_import_package(args: argparse.Namespace, config: AppConfig) -> list[ApiError]:
    return _problems(lambda: import_request_from_args(args))


def run_import_package(args: argparse.Namespace, config: AppConfig, profile: Profile, console: Console) -> int:
    request = import_request_from_args(args)
    return on_backend(args, profile, lambda backend: imports.import_package(
        backend, args.import_package, request, console, for_stream(sys.stderr), no_wait=args.no_wait, **deadline(args),
    ))


def run_import_status(args: argparse.Namespace, config: AppConfig, profile: Profile, console: Console) -> int:
    return on_backend(args, profile, lambda backend: imports.import_status(backend, args.import_status, console))


def run_imports(args: argparse.Namespace, config: AppConfig, profile: Profile, console: Console) -> int:
    return on_backend(args, profile, lambda backend: imports.imports(backend, console))


def preflight_create_folder(args: argparse.Namespace, config: AppConfig) -> list[ApiError]:
    return [p for p in (imports.folder_name_problem(args.create_folder),) if p is not None]


def run_create_folder(args: argparse.Namespace, config: AppConfig, profile: Profile, console: Console) -> int:
    return on_backend(args, profile, lambda backend: imports.create_folder(backend, args.create_folder, console))


def preflight_load_package(args: argparse.Namespace, config: AppConfig) -> list[ApiError]:
    return [p for p in (imports.missing_package(args.load_package),) if p is not None]


def run_load_package(args: argparse.Namespace, config: AppConfig, profile: Profile, console: Console) -> int:
    if_present = IfPresent(args.if_present or "abort")
    return on_backend(args, profile, lambda backend: imports.load_package(backend, args.load_package, if_present, console))
