"""`--batch --compare PROFILE` (repeatable): what differs between `--profile` and other profiles.

One target prints a two-way diff table (a row per version); several a matrix (a row per service, a
column per profile: latest version and mark). `--json` prints the Comparison (spark/compare_wire.py).
Reads only (`--deep` runs export jobs and deletes their downloads). Exit 0 when it ran; with
`--exit-code`, 10 when anything is not proven the same (DIFFERS), as `git diff --exit-code` does.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import TextIO

from spark_tui.backends.base import Backend
from spark_tui.backends.factory import open_backend
from spark_tui.batch import output
from spark_tui.batch.operations import Console, sigint_sets
from spark_tui.batch.progress import for_stream
from spark_tui.config import AppConfig, Profile
from spark_tui.promotion.compare import Scope, compare, drift_version_ids, matrix
from spark_tui.promotion.mappings import Mapping, MappingSet, parse_map, read_mapping_file
from spark_tui.spark.compare_wire import Comparison, DecidedBy, ServiceRow, TargetComparison, VersionRow
from spark_tui.spark.errors import Code, ConfigError, ValidationFailed
from spark_tui.spark.exit_codes import ExitCode
from spark_tui.spark.export_wire import ApiError, ExportInputs, ExportRequest
from spark_tui.spark.values import FileFilter
from spark_tui.spark.promotion_wire import Endpoint


def preflight(args: argparse.Namespace, config: AppConfig) -> list[ApiError]:
    """Every problem found before a backend opens: an unknown or repeated --compare profile, a --service that
    is not FOLDER/SERVICE, a bad --map or --mapping-file."""
    problems: list[ApiError] = []
    for name in dict.fromkeys(args.compare):
        try:
            config.profile(name)
        except ConfigError as exc:
            problems.append(ApiError(code=exc.code, message=exc.message, ref=name))
    if len(set(args.compare)) < len(args.compare):
        twice = next(n for n in args.compare if args.compare.count(n) > 1)
        problems.append(_problem(f"--compare {twice} is given twice; name each profile once", twice))
    problems += service_problems(args, "--compare")
    try:
        mappings(args)
    except ValidationFailed as exc:
        problems += exc.errors
    return problems


def drift_problems(args: argparse.Namespace) -> list[ApiError]:
    """What does not go with `--promote-to --drift` (its mappings are checked with the promotion's)."""
    problems = service_problems(args, "--drift")
    if args.version_id:
        problems.append(_problem("--version-id does not go with --drift; narrow it with --folder or "
                                 "--service FOLDER/SERVICE", args.version_id[0]))
    if args.file_filter == "onpremises" or args.version_filter == "latest":
        flag = "--file-filter onpremises" if args.file_filter == "onpremises" else "--version-filter latest"
        problems.append(_problem(f"{flag} does not go with --drift, which promotes exactly the versions that "
                                 "are missing or differ (migrate)", flag))
    return problems


def service_problems(args: argparse.Namespace, flag: str) -> list[ApiError]:
    """A comparison's scope takes whole services: FOLDER/SERVICE, no version spec."""
    problems = []
    for text in args.service:
        folder, sep, service = text.partition("/")
        if not (sep and folder and service) or "/" in service or "[" in service:
            problems.append(_problem(f"--service '{text}' is not FOLDER/SERVICE ({flag} takes every version "
                                     "of a service)", text))
    return problems


def _problem(message: str, ref: str) -> ApiError:
    return ApiError(code=Code.INVALID_VALUE.value, message=message, ref=ref)


def mappings(args: argparse.Namespace) -> list[Mapping]:
    """--mapping-file's mappings, then --map's (the promotion's rules); ValidationFailed names every bad one."""
    maps = MappingSet()
    errors: list[ApiError] = []
    if args.mapping_file:
        try:
            maps = read_mapping_file(args.mapping_file)
        except ValidationFailed as exc:
            errors += exc.errors
    for text in args.map:
        try:
            maps.mappings.append(parse_map(text))
        except ValidationFailed as exc:
            errors += exc.errors
    if errors:
        raise ValidationFailed.of(errors)
    return maps.mappings


def scope(args: argparse.Namespace) -> Scope:
    return Scope(folders=tuple(args.folder), services=tuple(args.service))


def _compare(source: Backend, targets: list[Backend], args: argparse.Namespace, maps: list[Mapping],
             console: Console) -> Comparison:
    """`compare` over the arguments' scope (and --deep), its reads on stderr, the first Ctrl-C stopping it."""
    cancel = threading.Event()
    with sigint_sets(cancel, console, for_stream(sys.stderr), "stopping the comparison"):
        return compare(source, targets, scope=scope(args), mappings=maps, deep=args.deep,
                       progress=ReadProgress(sys.stderr), cancel=cancel)


def run_comparison(args: argparse.Namespace, config: AppConfig, profile: Profile, console: Console) -> Comparison:
    """Open the source and every --compare profile, compare them, close them."""
    source = open_backend(profile, workspace=args.workspace, tenant=args.tenant)
    targets: list[Backend] = []
    try:
        for name in args.compare:
            targets.append(open_backend(config.profile(name)))
        return _compare(source, targets, args, mappings(args), console)
    finally:
        for backend in (source, *targets):
            backend.close()


def run(args: argparse.Namespace, config: AppConfig, profile: Profile, console: Console) -> int:
    result = run_comparison(args, config, profile, console)
    shown = result.only_differences() if args.only_differences else result
    console.result(comparison_text(shown), shown.model_dump(mode="json"))
    for line in summary_lines(result):
        console.note(line)
    return ExitCode.DIFFERS if args.exit_code and result.differs else ExitCode.OK


def drift_selection(
    source: Backend, target: Backend, args: argparse.Namespace, maps: list[Mapping], console: Console,
) -> ExportRequest | None:
    """`--promote-to T --drift`: the source versions that a comparison with T finds `missing` or `differs`
    (same scope and mappings), as an export selection; None when there are none (the comparison is printed)."""
    result = _compare(source, [target], args, maps, console)
    for line in summary_lines(result):
        console.note(line)
    version_ids = drift_version_ids(result.targets[0])
    if not version_ids:
        console.note(f"nothing to promote: no version of {source.info.profile} in scope is missing or differs "
                     f"in {target.info.profile}")
        console.result(comparison_text(result.only_differences()), result.model_dump(mode="json"))
        return None
    console.note(f"drift: {len(version_ids)} version(s) missing or differing in {target.info.profile}")
    return ExportRequest(
        inputs=ExportInputs(version_ids=version_ids), file_filter=FileFilter.migrate,
        source_system=args.source_system, correlation_id=args.correlation_id, file_name=args.file_name,
    )


class ReadProgress:
    """The comparison's reads on stderr: one line per round and one every `every_s` seconds (thread-safe)."""

    def __init__(self, stream: TextIO, every_s: float = 5.0) -> None:
        self.stream, self.every_s = stream, every_s
        self.what = ""
        self.last = time.monotonic()
        self._lock = threading.Lock()

    def __call__(self, what: str, done: int, known: int) -> None:
        with self._lock:
            now = time.monotonic()
            if what == self.what and now - self.last < self.every_s:
                return
            self.what, self.last = what, now
            self.stream.write(f"compare: {what} ({done}/{known} calls)\n" if known else f"compare: {what}\n")
            self.stream.flush()


# --- text -----------------------------------------------------------------------------------------


def _side(e: Endpoint) -> str:
    return f"{e.profile} ({e.kind} {e.location}, tenant {e.tenant})"


def _number(row: VersionRow) -> str:
    if row.version_source and row.version_target and row.version_source != row.version_target:
        return f"{row.version_source} -> {row.version_target}"
    return row.version_source or row.version_target or "-"


def _state(service: ServiceRow, row: VersionRow | None) -> str:
    if row is None:
        return f"not accessible ({service.inaccessible_side} folder)" if service.inaccessible_side else service.state.value
    return row.state.value


def diff_text(target: TargetComparison) -> str:
    """One target: a row per version (a service with no versions or not accessible: one row)."""
    rows = []
    for s in target.services:
        for v in s.versions or [None]:
            rows.append((s.mark, s.service_uri_source or "(none)", s.service_uri_target, _number(v) if v else "-",
                         _state(s, v), v.decided_by.value if v else "-", s.latest_source, s.latest_target))
    return output.table(["", "SOURCE", "TARGET", "VERSION", "STATE", "DECIDED BY", "LATEST SOURCE", "LATEST TARGET"], rows)


def matrix_text(result: Comparison) -> str:
    """Several targets: a row per service, a column per profile (latest version and mark)."""
    headers = ["SERVICE", result.source.profile, *(t.target.profile for t in result.targets)]
    rows = [
        (r.service if r.source_side else f"({r.service})", r.latest_source or "-",
         *((f"{c.latest or '-'} {c.mark}" if c else "") for c in r.cells))
        for r in matrix(result)
    ]
    return output.table(headers, rows)


def comparison_text(result: Comparison) -> str:
    lines = [f"compare: {_side(result.source)}"]
    lines += [f"   with: {_side(t.target)}" for t in result.targets]
    if result.scope.folders or result.scope.services:
        lines.append(f"  scope: {', '.join([*result.scope.folders, *result.scope.services])}")
    if not any(t.services for t in result.targets):
        lines.append("no differences")
    else:
        lines.append(diff_text(result.targets[0]) if len(result.targets) == 1 else matrix_text(result))
    for t in result.targets:
        lines += [f"  not accessible in {t.target.profile if f.side == 'target' else result.source.profile}: "
                  f"folder {f.folder}: {f.message}" for f in t.inaccessible_folders]
    lines += [f"  deep: export job {d.job_id} of {d.profile} ({d.versions} version(s)), package deleted"
              for d in result.deep_exports]
    lines.append("marks: = same  ≠ differs  − target lacks it  + target has more  ? not accessible")
    return "\n".join(lines)


def summary_lines(result: Comparison) -> list[str]:
    """Per target: services per state and undecided versions (stderr, also with --json)."""
    lines = []
    for t in result.targets:
        counts = ", ".join(f"{n} {state.replace('_', ' ')}" for state, n in t.summary.items() if n)
        undecided = sum(1 for s in t.services for v in s.versions if v.decided_by is DecidedBy.undecided)
        verdict = "differs" if t.differs else "same"
        lines.append(f"{t.target.profile}: {verdict}: {counts or 'no services'}"
                     + (f"; {undecided} version(s) undecided (no fingerprint): --deep exports and compares them"
                        if undecided else ""))
    return lines
