"""`--batch` promotion: `--promote-to`, `--import-package PKG --plan`, `--inspect PKG`, `--push-runner URL`.

A Hybrid Runner target is `--push-runner URL_OR_PROFILE` or `--promote-to PROFILE` of a
`backend = "runner"` profile: an `onpremises` export (or the given package) is uploaded as it is.

Plans, receipts and inspections print as text (their JSON with `--json`) on stdout; the plan of a
run and its progress go to stderr. `preflight` finds every problem of the arguments before a backend
opens; a refusing plan exits 2 before anything is exported or written.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from spark_tui.backends.base import Backend
from spark_tui.backends.factory import open_backend
from spark_tui.backends.polling import DEFAULT_DEADLINE_S
from spark_tui.batch import exit_codes, output
from spark_tui.batch.compare import drift_problems, drift_selection
from spark_tui.batch.progress import Progress, for_stream
from spark_tui.batch.imports import import_request, missing_package
from spark_tui.batch.operations import Console, UsageError, output_problems, sigint_sets
from spark_tui.config import AppConfig, Profile
from spark_tui.promotion import push, receipt as receipts, run as core
from spark_tui.promotion.prepare import plan_package, prepare
from spark_tui.promotion.steps import Outcome, PlanRefused, PromotionFailed, Step, StepUpdate
from spark_tui.promotion.package_inspect import inspect_package
from spark_tui.promotion.mappings import MappingSet, parse_map, read_mapping_file
from spark_tui.promotion.hybrid_runner import Runner, is_runner_profile, resolve_runner
from spark_tui.spark.errors import Code, ConfigError, ValidationFailed
from spark_tui.spark.filenames import package_file_name
from spark_tui.spark.import_wire import ImportRequestEntity
from spark_tui.spark.export_wire import (
    ApiError, ExportInputs, ExportRequest, FileFilter, IfPresent, VersionBump, VersionFilter,
)
from spark_tui.spark.request_check import check_request
from spark_tui.spark.promotion_wire import PackageInspection, Plan, Receipt


def wanted(args: argparse.Namespace) -> bool:
    """Whether the arguments ask for one of this module's operations."""
    return bool(args.promote_to or args.inspect or args.push_runner or (args.import_package and args.plan))


def preflight(args: argparse.Namespace, config: AppConfig) -> list[ApiError]:
    """Every problem of the arguments found before a backend opens: a missing package (--inspect,
    --import-package), a bad --map or --mapping-file, an unknown --promote-to profile, a bad runner URL or profile,
    the selection's syntax, and (when a package will be written) the -o directory and an existing
    package or receipt."""
    if args.inspect:
        return _found([missing_package(args.inspect)])
    problems: list[ApiError] = []
    runner = _runner_name(args, config)
    if runner is not None:
        problems += _errors(lambda: resolve_runner(config, runner))
    if args.import_package:
        if args.plan:
            return problems + _errors(lambda: _package_request(args))
        return problems + _found([missing_package(args.import_package)])
    if runner is not None and args.promote_to:
        if extra := [f for f in ("map", "mapping_file", "create_folders", "plan", "if_present", "upgrade") if getattr(args, f)]:
            problems.append(ApiError(code=Code.INVALID_VALUE.value, ref=args.promote_to, message=(
                f"--{extra[0].replace('_', '-')} does not go with --promote-to {args.promote_to}, a Hybrid Runner "
                "(it takes the package as it is)")))
    elif args.promote_to:
        try:
            config.profile(args.promote_to)
        except ConfigError as exc:
            problems.append(ApiError(code=exc.code, message=exc.message, ref=args.promote_to))
        for text in args.map:
            problems += _errors(lambda: parse_map(text))
        if args.mapping_file:
            problems += _errors(lambda: read_mapping_file(args.mapping_file))
    if args.drift:  # the selection is what the comparison finds in this scope (none: the whole tenant)
        problems += drift_problems(args)
        selection = ExportRequest(inputs=ExportInputs(folders=args.folder, services=args.service), file_name=args.file_name)
        problems += [e for e in check_request(selection) if e.code != Code.NO_INPUTS.value]
    else:
        selection = _selection(args, onpremises=runner is not None)
        problems += check_request(selection)
    if args.plan:
        return problems
    out_dir = _out_dir(args)
    try:
        name = package_file_name(selection.file_name) if selection.file_name else None
    except ValidationFailed:  # reported by check_request
        name = None
    problems += output_problems(out_dir, name)
    receipt = receipts.receipt_path(out_dir / name) if name else None
    if receipt is not None and out_dir.is_dir() and receipt.exists():
        problems.append(ApiError(code=Code.FILE_EXISTS.value, ref=str(receipt), message=(
            f"{receipt} already exists; remove it, or choose another --file-name or -o")))
    return problems


def _errors(check) -> list[ApiError]:
    """The errors `check()` raises as ValidationFailed (or ConfigError); none when it passes."""
    try:
        check()
    except ValidationFailed as exc:
        return exc.errors
    except ConfigError as exc:
        return [ApiError(code=exc.code, message=exc.message)]
    return []


def _runner_name(args: argparse.Namespace, config: AppConfig) -> str | None:
    """The Hybrid Runner (URL or profile name) the arguments target; None when the target is no runner."""
    if args.push_runner:
        return args.push_runner
    if args.promote_to and is_runner_profile(config, args.promote_to):
        return args.promote_to
    return None


def _found(problems: list[ApiError | None]) -> list[ApiError]:
    return [p for p in problems if p is not None]


def main(args: argparse.Namespace, config: AppConfig, profile: Profile) -> int:
    """Run the operation `preflight` has checked."""
    console = Console(sys.stdout, sys.stderr, json=args.json)
    try:
        if args.inspect:
            return inspect(args.inspect, console)
        name = _runner_name(args, config)
        runner: Runner | None = resolve_runner(config, name) if name is not None else None
        if runner is not None and args.import_package:
            outcome = push.push_package(args.import_package, runner, on_update=_listener(console, None))
            return _done(outcome, console)
        if args.import_package:  # with --plan: the plan of exactly the request --import-package would send
            request = _package_request(args)
            target = open_backend(profile, workspace=args.workspace, tenant=args.tenant)
            try:
                return _show_plan(plan_package(args.import_package, target, request), console)
            finally:
                target.close()
        maps = _mappings(args)
        options = dict(
            if_present=IfPresent(args.if_present or maps.if_present or "abort"),
            upgrade=VersionBump(args.upgrade or maps.upgrade or "minor"), create_folders=args.create_folders,
        )
        source = open_backend(profile, workspace=args.workspace, tenant=args.tenant)
        try:
            if runner is not None:
                return _run(console, args, lambda on_update, cancel, deadline: push.export_and_push(
                    source, _selection(args, onpremises=True), runner, _out_dir(args),
                    on_update=on_update, cancel=cancel, deadline_s=deadline))
            target = open_backend(config.profile(args.promote_to))
            try:
                selection = (drift_selection(source, target, args, maps.mappings, console) if args.drift
                             else _selection(args, onpremises=False))
                if selection is None:  # --drift found nothing to promote
                    return exit_codes.OK
                return promote(source, target, selection, maps, options, console, args)
            finally:
                target.close()
        finally:
            source.close()
    except PlanRefused as exc:
        return _show_plan(exc.plan, console)
    except PromotionFailed as exc:
        return _failed(exc, console)


def promote(
    source: Backend, target: Backend, request: ExportRequest, maps: MappingSet, options: dict,
    console: Console, args: argparse.Namespace,
) -> int:
    prepared = prepare(source, target, request, maps.mappings, **options)
    if args.plan or not prepared.plan.go:
        return _show_plan(prepared.plan, console)
    out_dir = _out_dir(args)
    console.note(plan_text(prepared.plan))
    return _run(console, args, lambda on_update, cancel, deadline: core.run(
        source, target, prepared, out_dir, on_update=on_update, cancel=cancel, deadline_s=deadline))


def inspect(path: Path, console: Console) -> int:
    result = inspect_package(path)
    for line in output.error_lines(result.errors):
        console.note(line)
    console.result(inspection_text(result), result.model_dump(mode="json"))
    return exit_codes.OK if result.ok else exit_codes.USAGE


# --- running with progress, Ctrl-C and the outcome -------------------------------------------------


def _run(console: Console, args: argparse.Namespace, work) -> int:
    progress = for_stream(sys.stderr)
    cancel = threading.Event()
    try:
        with sigint_sets(cancel, console, progress, "cancelling the running job"):
            outcome = work(_listener(console, progress), cancel, args.deadline or DEFAULT_DEADLINE_S)
    finally:
        progress.finish()
    return _done(outcome, console)


def _listener(console: Console, progress: Progress | None):
    """Each new job or step message as a line on stderr; job states and byte counts to the progress bar."""
    seen: set[str] = set()

    def line(text: str) -> None:
        if text not in seen:
            seen.add(text)
            if progress is not None:
                progress.finish()
            console.note(text)

    def update(u: StepUpdate) -> None:
        job = u.export_job or u.import_job
        if job is not None:
            line(f"{u.step.value} job {job.id}")
            if progress is not None:
                progress.job(job)
        elif u.total:
            line(u.message)
            if progress is not None and u.step is Step.download:
                progress.download(u.done, u.total)
        else:
            line(u.message)

    return update


def _done(outcome: Outcome, console: Console) -> int:
    console.result(receipt_text(outcome.receipt, outcome.receipt_path), outcome.receipt.model_dump(mode="json"))
    return exit_codes.OK


def _failed(exc: PromotionFailed, console: Console) -> int:
    for line in output.error_lines(exc.errors[1:] if len(exc.errors) > 1 else []):
        console.note(line)
    console.note(f"error: {exc.code}: {exc.message}")
    if not exc.target_may_change:
        created = f", except the folder(s) created: {', '.join(exc.created_folders)}" if exc.created_folders else ""
        console.note(f"the target was not changed{created}")
    if exc.receipt_path is not None:
        console.note(f"receipt: {exc.receipt_path}")
        if console.json:
            console.out.write(exc.receipt_path.read_text(encoding="utf-8"))
    return exc.exit_code


HINTS = {
    "SERVICE_EXISTS": "hint: --if-present replace|add_version, or --map the service elsewhere",
    "FOLDER_NOT_FOUND": "hint: --create-folders creates missing destination folders (with --promote-to), "
                        "or --map the service to an existing folder",
}


def _show_plan(plan: Plan, console: Console) -> int:
    for line in output.error_lines(plan.errors):
        console.note(line)
    for code in dict.fromkeys(e.code for e in plan.errors):
        if code in HINTS:
            console.note(HINTS[code])
    console.result(plan_text(plan), plan.model_dump(mode="json"))
    return exit_codes.OK if plan.go else exit_codes.USAGE


# --- arguments --------------------------------------------------------------------------------------


def _package_request(args: argparse.Namespace) -> ImportRequestEntity:
    return import_request(
        args.import_package, args.map, mapping_file=args.mapping_file,
        if_present=IfPresent(args.if_present) if args.if_present else None,
        upgrade=VersionBump(args.upgrade) if args.upgrade else None,
        source_system=args.source_system, correlation_id=args.correlation_id,
    )


def _mappings(args: argparse.Namespace) -> MappingSet:
    maps = read_mapping_file(args.mapping_file) if args.mapping_file else MappingSet()
    maps.mappings += [parse_map(text) for text in args.map]
    return maps


def _selection(args: argparse.Namespace, *, onpremises: bool) -> ExportRequest:
    if not (args.folder or args.service or args.version_id):
        raise UsageError("nothing to promote; give --folder, --service or --version-id (each repeatable)")
    return ExportRequest(
        inputs=ExportInputs(folders=args.folder, services=args.service, version_ids=args.version_id),
        file_filter=FileFilter(args.file_filter or ("onpremises" if onpremises else "migrate")),
        version_filter=VersionFilter(args.version_filter or "all"),
        source_system=args.source_system, correlation_id=args.correlation_id, file_name=args.file_name,
    )


def _out_dir(args: argparse.Namespace) -> Path:
    return args.output_dir or Path.cwd()


# --- text ---------------------------------------------------------------------------------------------


def _side(e) -> str:
    return f"{e.profile} ({e.kind} {e.location}, tenant {e.tenant})"


def plan_text(plan: Plan) -> str:
    rows = []
    for s in plan.services:
        for v in s.versions:
            change = v.version_source if v.version_destination == v.version_source else f"{v.version_source} -> {v.version_destination}"
            rows.append((v.service_uri_source, s.service_uri_destination, change, s.action.value, v.status,
                         output.human_bytes(v.bytes)))
    n_services, n_versions = len(plan.services), len(plan.versions)
    verdict = (
        f"go: {n_services} service(s), {n_versions} version(s) can be imported"
        if plan.go else f"refused: {len(plan.errors)} problem(s); nothing will be exported or written"
    )
    lines = [
        f"plan: {_side(plan.source)} -> {_side(plan.target)}, services_existing={plan.services_existing.value}",
        output.table(["SOURCE", "DESTINATION", "VERSION", "SERVICE", "VERSION STATUS", "SIZE"], rows),
    ]
    if plan.folders_to_create:
        lines.append(f"folders to create: {', '.join(plan.folders_to_create)}")
    lines += [f"  refused: {e.message}" for e in plan.errors]
    lines.append(verdict)
    return "\n".join(lines)


def receipt_text(receipt: Receipt, path: Path) -> str:
    lines = [f"{receipt.outcome}: {_side(receipt.source)} -> {_side(receipt.target)}"]
    if receipt.export_job_id:
        lines.append(f"  export job {receipt.export_job_id}")
    if receipt.package:
        lines.append(f"  package {receipt.package.path}  {receipt.package.bytes} bytes  sha256 {receipt.package.sha256}")
    if receipt.import_job_id:
        lines.append(f"  import job {receipt.import_job_id}")
    if receipt.service_versions:
        lines.append(output.table(
            ["SOURCE", "SOURCE ID", "DESTINATION", "DESTINATION ID", "STATUS"],
            [(v.service_uri_source, v.version_id_source, v.service_uri_destination, v.version_id_destination, v.status)
             for v in receipt.service_versions],
        ))
    if receipt.runner:
        lines.append(f"  runner {receipt.runner.url} (tenant {receipt.runner.tenant}): {', '.join(receipt.runner.uploaded)}")
    lines += [f"  deviation from the plan: {d}" for d in receipt.deviations]
    lines.append(f"receipt: {path}")
    return "\n".join(lines)


def inspection_text(result: PackageInspection) -> str:
    lines = [
        f"package {result.path}: {result.bytes} bytes ({output.human_bytes(result.bytes)}), sha256 {result.sha256}",
        f"  kind {result.kind or '?'}, source tenant {result.tenant or '?'}, export job {result.export_job_id or '?'}",
        output.table(
            ["VERSION", "SERVICE ID", "VERSION ID", "FILES", "BYTES"],
            [(v.service_uri_source, v.service_id_source, v.version_id_source, v.files, v.bytes) for v in result.service_versions],
        ),
        f"integrity: {result.checked_entries} entries and {result.checked_modules} module(s) checked: "
        + ("ok" if result.ok else f"{len(result.errors)} problem(s)"),
    ]
    return "\n".join(lines)
