"""`--batch` promotion: `--promote-to`, `--import-package PKG --plan`, `--inspect PKG`, `--push-runner URL`.

A Hybrid Runner target is `--push-runner URL_OR_PROFILE` or `--promote-to PROFILE` of a
`backend = "runner"` profile: an `onpremises` export (or the given package) is uploaded as it is.

Plans, receipts and inspections print as text (their JSON with `--json`) on stdout; the plan of a
run and its progress go to stderr. The `preflight_*` functions find every problem of the arguments
before a backend opens; a refusing plan exits 2 before anything is exported or written.
"""

from __future__ import annotations

import argparse
import re
import sys
import threading
from pathlib import Path

from spark_tui.backends.base import Backend
from spark_tui.backends.factory import open_backend
from spark_tui.backends.polling import DEFAULT_DEADLINE_S
from spark_tui.batch import output
from spark_tui.batch.commands import (
    export_request_from_args, has_selection, if_exists, import_request_from_args, on_backend, output_dir,
)
from spark_tui.batch.compare import drift_problems, drift_selection
from spark_tui.batch.fixes import how_to_fix
from spark_tui.batch.imports import missing_package
from spark_tui.batch.progress import Progress, for_stream
from spark_tui.batch.operations import EXISTS_FIX, PRERELEASE_HINT, Console, UsageError, output_problems, sigint_sets
from spark_tui.config import AppConfig, Profile
from spark_tui.promotion import push, receipt as receipts, run as core, saved_plan, undo
from spark_tui.promotion.history import load_receipt
from spark_tui.promotion.receipt import NO_REMOVAL
from spark_tui.promotion.prepare import plan_package, prepare
from spark_tui.promotion.steps import Outcome, PlanRefused, PromotionFailed, Step, StepUpdate
from spark_tui.promotion.package_inspect import inspect_package
from spark_tui.promotion.mappings import MappingSet, parse_map, read_mapping_file
from spark_tui.promotion.hybrid_runner import Runner, is_runner_profile, resolve_runner
from spark_tui.spark.errors import BadPackage, Code, ConfigError, ValidationFailed, excerpt
from spark_tui.spark.exit_codes import ExitCode, exit_code_for
from spark_tui.spark.filenames import package_file_name
from spark_tui.spark.export_wire import ApiError, ExportRequest
from spark_tui.spark.values import IfPresent, VersionBump
from spark_tui.spark.request_check import check_request
from spark_tui.units import human_bytes
from spark_tui.spark.promotion_wire import PackageInspection, Plan, Receipt


def _problems(check) -> list[ApiError]:
    """The errors `check()` raises as ValidationFailed (or ConfigError); none when it passes."""
    try:
        check()
    except ValidationFailed as exc:
        return exc.errors
    except ConfigError as exc:
        return [ApiError(code=exc.code, message=exc.message)]
    return []


def _promoting(args: argparse.Namespace, *, onpremises: bool) -> list[ApiError]:
    """The selection's syntax and (unless --plan) the -o directory, an existing package or receipt."""
    if args.drift:  # the selection is what the comparison finds in this scope (none: the whole tenant)
        selection = export_request_from_args(args)
        problems = drift_problems(args) + [e for e in check_request(selection) if e.code != Code.NO_INPUTS.value]
    else:
        selection = _selection(args, onpremises=onpremises)
        problems = check_request(selection)
    if args.plan:
        return problems
    out_dir = output_dir(args)
    try:
        name = package_file_name(selection.file_name) if selection.file_name else None
    except ValidationFailed:  # reported by check_request
        name = None
    problems += output_problems(out_dir, name, if_exists=if_exists(args))
    receipt = receipts.receipt_path(out_dir / name) if name else None
    if receipt is not None and out_dir.is_dir() and receipt.exists() and if_exists(args) == "fail":
        problems.append(ApiError(code=Code.FILE_EXISTS.value, ref=str(receipt), message=(
            f"{receipt} already exists; {EXISTS_FIX}")))
    return problems


def _guarded(console: Console, work) -> int:
    """`work()`, with a refused plan shown (exit 2) and a failed promotion reported."""
    try:
        return work()
    except PlanRefused as exc:
        return _show_plan(exc.plan, console)
    except PromotionFailed as exc:
        return _failed(exc, console)


# --- --inspect PKG ----------------------------------------------------------------------------------


def preflight_inspect(args: argparse.Namespace, config: AppConfig) -> list[ApiError]:
    problems = [p for p in (missing_package(args.inspect),) if p is not None]
    if args.expect_sha256 is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", args.expect_sha256):
        shown = excerpt(args.expect_sha256, 80)
        problems.append(ApiError(code=Code.INVALID_VALUE.value, ref=shown, message=(
            f"--expect-sha256 '{shown}' is not a SHA-256: give its 64 hexadecimal digits")))
    return problems


def run_inspect(args: argparse.Namespace, config: AppConfig, profile: Profile, console: Console) -> int:
    return inspect(args.inspect, console, expect_sha256=args.expect_sha256)


# --- --import-package PKG --plan --------------------------------------------------------------------


def run_package_plan(args: argparse.Namespace, config: AppConfig, profile: Profile, console: Console) -> int:
    """The plan of exactly the request --import-package would send (its pre-flight is the import's)."""
    request = import_request_from_args(args)
    return _guarded(console, lambda: on_backend(
        args, profile, lambda target: _show_plan(plan_package(args.import_package, target, request), console)))


# --- --promote-to PROFILE ---------------------------------------------------------------------------


def preflight_promote(args: argparse.Namespace, config: AppConfig) -> list[ApiError]:
    """An unknown profile, a bad --map or --mapping-file, options a Hybrid Runner target does not take,
    and the selection's problems."""
    if is_runner_profile(config, args.promote_to):
        problems = _problems(lambda: resolve_runner(config, args.promote_to))
        if extra := [f for f in ("map", "mapping_file", "create_folders", "plan", "if_present", "upgrade") if getattr(args, f)]:
            problems.append(ApiError(code=Code.INVALID_VALUE.value, ref=args.promote_to, message=(
                f"--{extra[0].replace('_', '-')} does not go with --promote-to {args.promote_to}, a Hybrid Runner "
                "(it takes the package as it is)")))
        return problems + _promoting(args, onpremises=True)
    problems: list[ApiError] = []
    try:
        config.profile(args.promote_to)
    except ConfigError as exc:
        problems.append(ApiError(code=exc.code, message=exc.message, ref=args.promote_to))
    if args.save_plan and not args.plan:
        problems.append(ApiError(code=Code.USAGE.value, ref=str(args.save_plan), message=(
            "--save-plan writes the plan of --plan; add --plan (then run it with --apply FILE)")))
    for text in args.map:
        problems += _problems(lambda: parse_map(text))
    if args.mapping_file:
        problems += _problems(lambda: read_mapping_file(args.mapping_file))
    return problems + _promoting(args, onpremises=False)


def run_promote(args: argparse.Namespace, config: AppConfig, profile: Profile, console: Console) -> int:
    if is_runner_profile(config, args.promote_to):
        return _push_export(args, profile, resolve_runner(config, args.promote_to), console)
    maps = _mappings(args)
    options = dict(
        if_present=IfPresent(args.if_present or maps.if_present or "abort"),
        upgrade=VersionBump(args.upgrade or maps.upgrade or "minor"), create_folders=args.create_folders,
    )

    def work(source: Backend) -> int:
        target = open_backend(config.profile(args.promote_to))
        try:
            selection = (drift_selection(source, target, args, maps.mappings, console) if args.drift
                         else _selection(args, onpremises=False))
            if selection is None:  # --drift: nothing is missing or differs
                return ExitCode.OK
            return promote(source, target, selection, maps, options, console, args)
        finally:
            target.close()

    return _guarded(console, lambda: on_backend(args, profile, work))


# --- --push-runner URL|PROFILE (an onpremises export, or --import-package PKG) ----------------------


def preflight_push_export(args: argparse.Namespace, config: AppConfig) -> list[ApiError]:
    return _problems(lambda: resolve_runner(config, args.push_runner)) + _promoting(args, onpremises=True)


def run_push_export(args: argparse.Namespace, config: AppConfig, profile: Profile, console: Console) -> int:
    return _push_export(args, profile, resolve_runner(config, args.push_runner), console)


def _push_export(args: argparse.Namespace, profile: Profile, runner: Runner, console: Console) -> int:
    return _guarded(console, lambda: on_backend(args, profile, lambda source: _run(
        console, args, lambda on_update, cancel, deadline: push.export_and_push(
            source, _selection(args, onpremises=True), runner, output_dir(args),
            on_update=on_update, cancel=cancel, deadline_s=deadline, if_exists=if_exists(args)))))


def preflight_push_package(args: argparse.Namespace, config: AppConfig) -> list[ApiError]:
    return (_problems(lambda: resolve_runner(config, args.push_runner))
            + [p for p in (missing_package(args.import_package),) if p is not None])


def run_push_package(args: argparse.Namespace, config: AppConfig, profile: Profile, console: Console) -> int:
    runner = resolve_runner(config, args.push_runner)
    return _guarded(console, lambda: _done(
        push.push_package(args.import_package, runner, on_update=_listener(console, None)), console))


def promote(
    source: Backend, target: Backend, request: ExportRequest, maps: MappingSet, options: dict,
    console: Console, args: argparse.Namespace,
) -> int:
    prepared = prepare(source, target, request, maps.mappings, **options)
    if args.plan or not prepared.plan.go:
        if args.save_plan and prepared.plan.go:
            saved_plan.save(prepared, target, args.save_plan, _argv(args))
            console.note(f"plan saved to {args.save_plan}; run exactly it with --apply {args.save_plan}")
        return _show_plan(prepared.plan, console)
    console.note(plan_text(prepared.plan))
    if prepared.plan.notices:
        console.note(PRERELEASE_HINT)
    return _execute(source, target, prepared, console, args)


def _execute(source: Backend, target: Backend, prepared, console: Console, args: argparse.Namespace,
             saved: str | None = None) -> int:
    out_dir = output_dir(args)
    return _run(console, args, lambda on_update, cancel, deadline: core.run(
        source, target, prepared, out_dir, on_update=on_update, cancel=cancel, deadline_s=deadline,
        argv=_argv(args), saved_plan=saved, backup=not args.no_backup, if_exists=if_exists(args)))


def _argv(args: argparse.Namespace) -> list[str] | None:
    return getattr(args, "argv", None)


# --- --apply PLAN (a plan saved with --save-plan) ---------------------------------------------------


def preflight_apply(args: argparse.Namespace, config: AppConfig) -> list[ApiError]:
    """The plan file, its two profiles, and the -o directory."""
    try:
        saved = saved_plan.load(args.apply)
    except ValidationFailed as exc:
        return exc.errors
    problems: list[ApiError] = []
    for side in (saved.plan.source, saved.plan.target):
        try:
            config.profile(side.profile)
        except ConfigError as exc:
            problems.append(ApiError(code=exc.code, ref=side.profile, message=(
                f"{exc.message} (plan {args.apply} was made with profiles '{saved.plan.source.profile}' -> "
                f"'{saved.plan.target.profile}')")))
    return problems + output_problems(output_dir(args), None)


def run_apply(args: argparse.Namespace, config: AppConfig, profile: Profile | None, console: Console) -> int:
    saved = saved_plan.load(args.apply)

    def work() -> int:
        source = open_backend(config.profile(saved.plan.source.profile))
        try:
            target = open_backend(config.profile(saved.plan.target.profile))
            try:
                prepared = saved_plan.for_apply(saved, source, target, file_name=args.file_name)
                console.note(plan_text(prepared.plan))
                return _execute(source, target, prepared, console, args, saved=str(Path(args.apply).resolve()))
            finally:
                target.close()
        finally:
            source.close()

    return _guarded(console, work)


# --- --undo RECEIPT ----------------------------------------------------------------------------------


def run_undo(args: argparse.Namespace, config: AppConfig, profile: Profile | None, console: Console) -> int:
    receipt = load_receipt(args.undo)
    target_profile = config.profile(receipt.target.profile)
    for line in [f"{NO_REMOVAL}: {item}" for item in receipt.not_removable]:
        console.note(line)

    def work(target: Backend) -> int:
        plan = undo.plan_undo(receipt, target)
        if args.plan or not plan.go:
            return _show_plan(plan, console)
        console.note(plan_text(plan))
        return _run(console, args, lambda on_update, cancel, deadline: undo.undo(
            receipt, target, on_update=on_update, cancel=cancel, deadline_s=deadline))

    return _guarded(console, lambda: on_backend(args, target_profile, work))


def inspect(path: Path, console: Console, *, expect_sha256: str | None = None) -> int:
    """What the package holds and whether it checks out (and, given `expect_sha256`, is that package)."""
    result = inspect_package(path)
    if expect_sha256 is not None and result.sha256 != expect_sha256.lower():
        result.errors.insert(0, ApiError(code=Code.SHA256_MISMATCH.value, ref=str(path), message=(
            f"package {path} has SHA-256 {result.sha256}, expected {expect_sha256.lower()}")))
    for line in output.error_lines(result.errors):
        console.note(line)
    console.result(inspection_text(result), result.model_dump(mode="json"))
    return ExitCode.OK if result.ok else BadPackage.exit_code


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
    return ExitCode.OK


def _failed(exc: PromotionFailed, console: Console) -> int:
    for line in output.error_lines(exc.errors[1:] if len(exc.errors) > 1 else []):
        console.note(line)
    fix = how_to_fix(exc.__cause__)
    console.note(f"error: {exc.code}: {exc.message}" + (f"; {fix}" if fix else ""))
    if not exc.target_may_change:
        created = f", except the folder(s) created: {', '.join(exc.created_folders)}" if exc.created_folders else ""
        console.note(f"the target was not changed{created}")
    if exc.receipt_path is not None:
        console.note(f"receipt: {exc.receipt_path}")
        if console.json:
            console.out.write(exc.receipt_path.read_text(encoding="utf-8"))
    return exit_code_for(exc)


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
    if plan.notices:
        console.note(PRERELEASE_HINT)
    console.result(plan_text(plan), plan.model_dump(mode="json"))
    return ExitCode.OK if plan.go else ExitCode.USAGE


# --- arguments --------------------------------------------------------------------------------------


def _mappings(args: argparse.Namespace) -> MappingSet:
    maps = read_mapping_file(args.mapping_file) if args.mapping_file else MappingSet()
    maps.mappings += [parse_map(text) for text in args.map]
    return maps


def _selection(args: argparse.Namespace, *, onpremises: bool) -> ExportRequest:
    if not has_selection(args):
        raise UsageError("nothing to promote; give --folder, --service or --version-id (each repeatable)")
    return export_request_from_args(args, file_filter="onpremises" if onpremises else "migrate")


# --- text ---------------------------------------------------------------------------------------------


def _side(e) -> str:
    return f"{e.profile} ({e.kind} {e.location}, tenant {e.tenant})"


def plan_text(plan: Plan) -> str:
    rows = []
    for s in plan.services:
        for v in s.versions:
            change = v.version_source if v.version_destination == v.version_source else f"{v.version_source} -> {v.version_destination}"
            rows.append((v.service_uri_source, s.service_uri_destination, change, s.action.value, v.status,
                         human_bytes(v.bytes)))
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
    lines += [f"  notice: {n}" for n in plan.notices]
    lines.append(verdict)
    return "\n".join(lines)


def _who(e) -> str:
    return f"{e.user or 'unknown'} (said by {e.user_source or 'nobody'})"


def receipt_text(receipt: Receipt, path: Path | None) -> str:
    outcome = receipt.outcome if receipt.outcome != "running" else f"running (last step reached: {receipt.step})"
    lines = [f"{outcome}: {_side(receipt.source)} -> {_side(receipt.target)}"]
    if receipt.id:
        lines.append(f"  receipt {receipt.id}, started {receipt.started}, finished {receipt.finished or '-'}")
    if receipt.source.user_source or receipt.target.user_source:
        lines.append(f"  source user {_who(receipt.source)}; target user {_who(receipt.target)}")
    if receipt.failed_step:
        lines.append(f"  stopped at step {receipt.failed_step}: {receipt.message}")
    if receipt.outcome != "promoted" and receipt.outcome != "uploaded":
        lines.append("  the target may have changed" + (f" (settle it with --import-status {receipt.import_job_id})"
                                                          if receipt.import_job_id else "")
                     if receipt.target_may_have_changed else "  the target was not changed")
    if r := receipt.request:
        asked = " ".join(f"--{k.replace('_', '-')[:-1]} {x}" for k, xs in r.selection.model_dump().items() for x in xs)
        lines.append(f"  asked: {asked} (version_filter {r.version_filter.value}, if_present {r.if_present.value}, "
                     f"upgrade {r.upgrade.value}); {r.tool}" + (f"; plan {r.saved_plan}" if r.saved_plan else ""))
        if r.argv is not None:
            lines.append(f"  command line: {' '.join(r.argv)}")
    if receipt.export_job_id:
        lines.append(f"  export job {receipt.export_job_id}")
    if receipt.package:
        lines.append(f"  package {receipt.package.path}  {receipt.package.bytes} bytes  sha256 {receipt.package.sha256}")
    if receipt.backup:
        b = receipt.backup
        lines.append(f"  backup {b.path} of {', '.join(b.services)}: {len(b.service_versions)} version(s), sha256 {b.sha256}"
                     f" (restore with --undo {receipt.id})")
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
    if receipt.not_removable:
        lines.append(f"  {NO_REMOVAL}: {', '.join(receipt.not_removable)}")
    if path is not None:
        lines.append(f"receipt: {path}")
    return "\n".join(lines)


def inspection_text(result: PackageInspection) -> str:
    lines = [
        f"package {result.path}: {result.bytes} bytes ({human_bytes(result.bytes)}), sha256 {result.sha256}",
        f"  kind {result.kind or '?'}, source tenant {result.tenant or '?'}, export job {result.export_job_id or '?'}",
        output.table(
            ["VERSION", "SERVICE ID", "VERSION ID", "FILES", "BYTES"],
            [(v.service_uri_source, v.service_id_source, v.version_id_source, v.files, v.bytes) for v in result.service_versions],
        ),
        f"integrity: {result.checked_entries} entries and {result.checked_modules} module(s) checked: "
        + ("ok" if result.ok else f"{len(result.errors)} problem(s)"),
    ]
    return "\n".join(lines)
