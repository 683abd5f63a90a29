"""The `spark-tui` command line: the TUI by default, `--batch` for scripts and CI, `serve` for HTTP.

Only argparse is imported at start-up: `--help` and `--version` load no Textual, pydantic or
httpx; each branch imports what it needs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NoReturn, Sequence

from spark_tui import __version__

if TYPE_CHECKING:
    from spark_tui.backends.base import Backend
    from spark_tui.batch.operations import Console
    from spark_tui.config import AppConfig

EXIT_CODES = (
    (0, "success (export closed and every file verified; other operations done)"),
    (1, "the export or import job failed while running"),
    (2, "usage or validation error: bad flag or value, refused request, import or promotion plan, unknown job or "
        "profile, cancelling a finished job, bad config file, missing or corrupt import package"),
    (3, "backend, connection or authorization error (also a download that fails verification, a full disk)"),
    (4, "the job ended closed_by_timeout, or the client deadline passed"),
    (5, "the job was cancelled (by someone else)"),
    (6, "refused: the tenant's export (or import) job slot is busy; the message names the running job — retry later"),
    (130, "interrupted (Ctrl-C): an export job was cancelled and nothing was left behind; an import job goes on "
          "(Spark cannot cancel one)"),
    (141, "the reader of the output went away (e.g. piped into head -1): the rest is dropped quietly, no traceback"),
)
"""The exit codes of --batch, as the README's table lists them (a test keeps the two equal)."""

MORE_HELP = """\
more help:
  spark-tui --batch --help   the batch operations, their options and exit codes
  spark-tui serve --help     the Spark-compatible HTTP API"""
BROKEN_PIPE_EXIT = 141  # 128 + SIGPIPE, as a tool killed by the closed pipe would end

EXPORT_OPTIONS = (
    "folder", "service", "version_id", "file_filter", "version_filter", "source_system",
    "correlation_id", "file_name", "output_dir", "dry_run", "no_wait", "deadline",
)
ACTIONS = (
    "status", "cancel", "jobs", "list_folders", "list_services", "list_versions", "import_package", "import_status",
    "imports", "create_folder", "load_package", "inspect",
)
IMPORT_OPTIONS = ("map", "upgrade")
PROMOTE_ONLY = ("mapping_file", "create_folders")
SHARED_WITH_IMPORT = ("no_wait", "deadline", "source_system", "correlation_id")
BATCH_ONLY = EXPORT_OPTIONS + ACTIONS + IMPORT_OPTIONS + PROMOTE_ONLY + ("if_present", "json", "promote_to", "push_runner", "plan")


class _Parser(argparse.ArgumentParser):
    """Usage errors are one line on stderr, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _flag(dest: str) -> str:
    return {"output_dir": "-o/--output-dir"}.get(dest, "--" + dest.replace("_", "-"))


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive number of seconds")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a TCP port (1-65535)")
    return int(text)


def _exit_code_legend() -> str:
    import textwrap

    lines = ["exit codes:"]
    for code, meaning in EXIT_CODES:
        lines += textwrap.wrap(meaning, width=78, initial_indent=f"  {code:<5}", subsequent_indent=" " * 7)
    return "\n".join(lines)


def build_parser(batch: bool = False) -> argparse.ArgumentParser:
    """The parser; `batch` selects the help it prints: the batch options and exit codes, or the overview."""
    p = _Parser(
        prog="spark-tui",
        usage="%(prog)s --batch [profile and backend options] [--json] "
        "[export options | import options | promotion options | one other operation]" if batch else None,
        description="Run one Spark operation without the TUI and exit: results on stdout (--json: the API's\n"
        "JSON shapes), progress and errors on stderr, an exit code a pipeline can branch on.\n"
        "The default operation is an export; --import-package imports a package, --promote-to\n"
        "promotes a selection into another profile." if batch else
        "Export, import and promote Coherent Spark services: an interactive TUI (the default), a\n"
        "--batch mode for scripts and CI (export, import a package, promote dev -> UAT -> prod),\n"
        "and a Spark-compatible HTTP API (serve).",
        epilog=_exit_code_legend() if batch else MORE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"spark-tui {__version__}")
    g = p.add_argument_group("profile and backend")
    g.add_argument("--profile", metavar="NAME", help="profile of the config file (default: its default_profile, else demo)")
    g.add_argument("--config", metavar="FILE", type=Path, help="config file (default: config.toml in the user config dir or $SPARK_TUI_HOME)")
    g.add_argument("--workspace", metavar="DIR", type=Path, help="workspace of an embedded profile")
    g.add_argument("--tenant", metavar="NAME", help="tenant (overrides the profile's)")

    b = p.add_argument_group("batch mode")
    b.add_argument("--batch", action="store_true",
                   help="run one operation without the TUI and exit (spark-tui --batch --help lists them)")
    b.add_argument("--json", action="store_true", help="print the API's JSON shapes on stdout")

    e = p.add_argument_group("export (--batch; the default operation)")
    e.add_argument("--folder", metavar="F", action="append", default=[], help="export every service of folder F (repeatable)")
    e.add_argument("--service", metavar="URI", action="append", default=[],
                   help="folder/service, folder/service[1.2], a service UUID, service/UUID or version/UUID (repeatable)")
    e.add_argument("--version-id", metavar="ID", action="append", default=[], help="a version UUID (repeatable)")
    e.add_argument("--file-filter", choices=("migrate", "onpremises"), help="files per version (default migrate)")
    e.add_argument("--version-filter", choices=("all", "latest"), help="versions per service (default all)")
    e.add_argument("--source-system", metavar="S", help="source_system of the request: who asks (e.g. your pipeline's name)")
    e.add_argument("--correlation-id", metavar="C",
                   help="correlation_id of the request, shown with the job (e.g. a CI run id) to trace it")
    e.add_argument("--file-name", metavar="NAME", help="name of the package (default package.zip)")
    e.add_argument("-o", "--output-dir", metavar="DIR", type=Path, help="where the package is saved (default: current dir)")
    e.add_argument("--deadline", metavar="SECONDS", type=_positive, help="stop waiting after this long (exit 4; default 1200)")
    mode = e.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="resolve only: what would be exported, sizes, every error")
    mode.add_argument("--no-wait", action="store_true", help="submit and print the created job")

    a = p.add_argument_group("other operations (--batch; one at a time)")
    one = a.add_mutually_exclusive_group()
    one.add_argument("--status", metavar="JOB", help="show an export job")
    one.add_argument("--cancel", metavar="JOB", help="cancel an export job")
    one.add_argument("--jobs", action="store_true", help="export jobs of the tenant (in progress and past hour)")
    one.add_argument("--list-folders", action="store_true", help="the tenant's folders, their service counts and access")
    one.add_argument("--list-services", metavar="FOLDER", help="the services of FOLDER: versions, latest, engine, exportable")
    one.add_argument("--list-versions", metavar="FOLDER/SERVICE", help="the versions of a service with their ids and sizes")
    one.add_argument("--import-status", metavar="JOB", help="show an import job")
    one.add_argument("--imports", action="store_true", help="import jobs of the tenant (in progress and past hour)")
    one.add_argument("--create-folder", metavar="NAME", help="create a folder (e.g. an import's destination)")
    one.add_argument("--import-package", metavar="FILE", type=Path,
                     help="import a migrate package with Spark's import API (a job; see --map)")
    one.add_argument("--load-package", metavar="FILE", type=Path,
                     help="embedded only: seed the workspace's tenant from any package (creates tenant and folders, keeps ids)")
    one.add_argument("--inspect", metavar="PKG", type=Path, help="what a package holds, and check its integrity (exit 0/2)")

    i = p.add_argument_group("import (--batch --import-package FILE; also --no-wait, --deadline, --source-system, --correlation-id)")
    i.add_argument("--map", metavar="SRC=DST[:BUMP]", action="append", default=[],
                   help="import service SRC (folder/service) as DST, BUMP = major|minor|patch for add_version (repeatable; "
                   "default: every service of the package under its own name); also FOLDER=FOLDER, or SRC alone to keep the name")
    i.add_argument("--upgrade", choices=("major", "minor", "patch"),
                   help="how add_version numbers the added versions (default minor; per mapping with SRC=DST:BUMP)")
    i.add_argument("--if-present", choices=("abort", "replace", "add_version"),
                   help="what to do when a destination service exists (default abort); also for --load-package, --promote-to")

    pr = p.add_argument_group("promotion (--batch; export from --profile, import into another profile)")
    pr.add_argument("--promote-to", metavar="PROFILE", help="promote the selection into PROFILE: plan, export, verify, import, receipt")
    pr.add_argument("--mapping-file", metavar="FILE", type=Path,
                    help="TOML file of mappings ([folders], [services], upgrade, if_present); also with --import-package")
    pr.add_argument("--create-folders", action="store_true", help="create missing destination folders before importing")
    pr.add_argument("--plan", action="store_true",
                    help="with --promote-to or --import-package: print what the import would do, write nothing (exit 0 go, 2 refused)")
    pr.add_argument("--push-runner", metavar="URL|PROFILE",
                    help="upload an onpremises export (or --import-package PKG) to a Hybrid Runner (a URL or a runner profile)")

    sub = p.add_subparsers(dest="command", metavar="{serve}", help=argparse.SUPPRESS if batch else None)
    s = sub.add_parser("serve", help="serve the Spark Export API over the embedded engine",
                       description="Serve the Spark Export API (and browsing) over an embedded workspace.")
    s.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=_port, default=8080, help="TCP port (default 8080)")
    s.add_argument("--public-url", metavar="URL", default=None,
                   help="external URL of this server (e.g. behind a TLS proxy): status and download links are built "
                   "from it only (default: the bound address; never the request's Host header)")
    s.add_argument("--workspace", metavar="DIR", type=Path, default=argparse.SUPPRESS,
                   help="workspace to serve (default: the profile's)")
    s.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS,
                   help="embedded profile whose workspace, tenant and user are served (default: the config's default)")
    s.add_argument("--config", metavar="FILE", type=Path, default=argparse.SUPPRESS,
                   help="config file with the profiles and [[serve.users]] (default: config.toml in the user "
                   "config dir or $SPARK_TUI_HOME)")
    if not batch:  # the overview leaves the batch options to `--batch --help`
        for action in p._actions:
            if action.dest in BATCH_ONLY:
                action.help = argparse.SUPPRESS
    return p


def _check_combinations(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Flags that parse but do not go together: a one-line usage error (exit 2)."""
    defaults = parser.parse_args([])
    given = [d for d in BATCH_ONLY if getattr(args, d) != getattr(defaults, d)]
    if args.command == "serve" and (args.batch or given):
        parser.error(f"serve does not take {'--batch' if args.batch else _flag(given[0])}")
    if not args.batch:
        if given:
            parser.error(f"{_flag(given[0])} needs --batch")
        return
    action = next((d for d in ACTIONS if getattr(args, d) not in (None, False)), None)
    if action is not None:
        shared = SHARED_WITH_IMPORT if action == "import_package" else ()
        if extra := [d for d in EXPORT_OPTIONS if d in given and d not in shared]:
            parser.error(f"{_flag(extra[0])} cannot be combined with {_flag(action)}")
    if args.promote_to and (action or args.push_runner or args.dry_run or args.no_wait):
        other = "--push-runner" if args.push_runner else _flag(action or ("dry_run" if args.dry_run else "no_wait"))
        parser.error(f"--promote-to cannot be combined with {other} (use --plan to only see the plan)")
    if args.push_runner and action not in (None, "import_package"):
        parser.error(f"--push-runner cannot be combined with {_flag(action)}")
    if args.push_runner and (extra := [d for d in IMPORT_OPTIONS + PROMOTE_ONLY + ("plan", "if_present") if d in given]):
        parser.error(f"{_flag(extra[0])} does not go with --push-runner (a Hybrid Runner takes the package as it is)")
    if not args.promote_to:
        if action != "import_package" and (extra := [d for d in IMPORT_OPTIONS + ("plan",) if d in given]):
            parser.error(f"{_flag(extra[0])} goes with --import-package or --promote-to")
        if action == "import_package" and args.create_folders:
            parser.error("--create-folders goes with --promote-to (create folders first with --create-folder NAME)")
        if action != "import_package" and (extra := [d for d in PROMOTE_ONLY if d in given]):
            parser.error(f"{_flag(extra[0])} goes with --promote-to" + (" or --import-package" if extra[0] == "mapping_file" else ""))
        if args.if_present and action not in ("import_package", "load_package"):
            parser.error("--if-present goes with --import-package or --load-package, or --promote-to")


def _not_text(argv: Sequence[str]) -> str | None:
    """The first argument that is not valid UTF-8 (Python hands such bytes over as lone surrogates)."""
    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return arg.encode("utf-8", "backslashreplace").decode("utf-8")[:60]
    return None


def _quiet_broken_pipe() -> int:
    """stdout's reader is gone: point stdout at /dev/null so the flush at exit cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is no file (tests): nothing to flush at exit
        pass
    finally:
        os.close(devnull)
    return BROKEN_PIPE_EXIT


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if (bad := _not_text(argv)) is not None:
        sys.stderr.write(f"spark-tui: error: argument '{bad}' is not valid UTF-8 text; pass names and values as UTF-8\n")
        return 2
    try:
        return _main(argv)
    except BrokenPipeError:
        return _quiet_broken_pipe()


def _main(argv: list[str]) -> int:
    parser = build_parser(batch="--batch" in argv)
    try:
        args = parser.parse_args(argv)
        _check_combinations(parser, args)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else 2
    from spark_tui.spark.errors import SparkTuiError

    try:
        from spark_tui.config import load_config

        config = load_config(args.config)
        if args.batch:
            return _batch(args, config)
        profile = config.profile(args.profile)
        if args.command == "serve":
            from spark_tui.server import serve

            return serve(config, profile, host=args.host, port=args.port, workspace=args.workspace, public=args.public_url)
        from spark_tui.tui import run

        return run(config, profile, workspace=args.workspace, tenant=args.tenant)
    except SparkTuiError as exc:
        from spark_tui.batch.operations import Console, report_error

        return report_error(exc, Console(sys.stdout, sys.stderr, json=bool(getattr(args, "json", False))))
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130


def _import_action(args: argparse.Namespace, console: Console) -> Callable[[Backend], int] | None:
    """The import-side operation asked for, as a function of the backend; None for the others.

    Its inputs are checked here, before a backend opens: ValidationFailed names every problem."""
    from spark_tui.batch import imports
    from spark_tui.batch.progress import for_stream
    from spark_tui.spark.errors import ValidationFailed
    from spark_tui.spark.export_wire import IfPresent, VersionBump

    if_present = IfPresent(args.if_present or "abort")
    if args.import_package is not None:
        request = imports.import_request(
            args.import_package, args.map, mapping_file=args.mapping_file,
            if_present=IfPresent(args.if_present) if args.if_present else None,
            upgrade=VersionBump(args.upgrade) if args.upgrade else None,
            source_system=args.source_system, correlation_id=args.correlation_id,
        )
        options: dict = {"deadline_s": args.deadline} if args.deadline else {}
        return lambda backend: imports.import_package(
            backend, args.import_package, request, console, for_stream(sys.stderr), no_wait=args.no_wait, **options,
        )
    if args.import_status:
        return lambda backend: imports.import_status(backend, args.import_status, console)
    if args.imports:
        return lambda backend: imports.imports(backend, console)
    if args.create_folder is not None:
        if (problem := imports.folder_name_problem(args.create_folder)) is not None:
            raise ValidationFailed.of([problem])
        return lambda backend: imports.create_folder(backend, args.create_folder, console)
    if args.load_package is not None:
        if (problem := imports.missing_package(args.load_package)) is not None:
            raise ValidationFailed.of([problem])
        return lambda backend: imports.load_package(backend, args.load_package, if_present, console)
    return None


def _batch(args: argparse.Namespace, config: AppConfig) -> int:
    from spark_tui.backends.factory import open_backend
    from spark_tui.batch import operations, promote
    from spark_tui.batch.progress import for_stream
    from spark_tui.spark.errors import ConfigError, ValidationFailed
    from spark_tui.spark.export_wire import ApiError, ExportInputs, ExportRequest, FileFilter, VersionFilter

    console = operations.Console(sys.stdout, sys.stderr, json=args.json)
    promoting = promote.wanted(args)
    exporting = not promoting and not any(getattr(args, d) not in (None, False) for d in ACTIONS)
    if exporting and not (args.folder or args.service or args.version_id):
        raise operations.UsageError(
            "nothing to export; give --folder, --service or --version-id (each repeatable), "
            "or an operation such as --jobs or --list-folders"
        )
    problems: list[ApiError] = []  # every problem found before a backend is opened, reported at once
    try:
        profile = config.profile(args.profile)
    except ConfigError as exc:
        problems.append(ApiError(code=exc.code, message=exc.message, ref=args.profile))
    action = None
    if promoting:
        problems += promote.preflight(args, config)
    elif exporting:
        request = ExportRequest(
            inputs=ExportInputs(folders=args.folder, services=args.service, version_ids=args.version_id),
            file_filter=FileFilter(args.file_filter or "migrate"),
            version_filter=VersionFilter(args.version_filter or "all"),
            source_system=args.source_system, correlation_id=args.correlation_id, file_name=args.file_name,
        )
        output_dir = args.output_dir or Path.cwd()
        problems += operations.preflight(request, output_dir, download=not (args.dry_run or args.no_wait))
    else:
        try:
            action = _import_action(args, console)
        except ValidationFailed as exc:
            problems += exc.errors
    if problems:
        raise ValidationFailed.of(problems)
    if promoting:
        return promote.main(args, config, profile)
    backend = open_backend(profile, workspace=args.workspace, tenant=args.tenant)
    try:
        if args.status:
            return operations.status(backend, args.status, console)
        if args.cancel:
            return operations.cancel(backend, args.cancel, console)
        if args.jobs:
            return operations.jobs(backend, console)
        if args.list_folders:
            return operations.list_folders(backend, console)
        if args.list_services is not None:
            return operations.list_services(backend, args.list_services, console)
        if args.list_versions is not None:
            return operations.list_versions(backend, args.list_versions, console)
        if action is not None:
            return action(backend)
        options: dict = {"deadline_s": args.deadline} if args.deadline else {}
        return operations.export(
            backend, request, console, for_stream(sys.stderr), output_dir=output_dir,
            dry_run=args.dry_run, no_wait=args.no_wait, **options,
        )
    finally:
        backend.close()
