"""The `spark-tui` command line: the TUI by default, `--batch` for scripts and CI, `serve` for HTTP.

Only argparse is imported at start-up: `--help` and `--version` load no Textual, pydantic or
httpx; each branch imports what it needs.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Sequence

from spark_tui import __version__
from spark_tui.batch import registry
from spark_tui.spark.exit_codes import ExitCode, exit_code_for, legend

if TYPE_CHECKING:
    from spark_tui.config import AppConfig

MORE_HELP = """\
more help:
  spark-tui --batch --help   the batch operations, their options and exit codes
  spark-tui serve --help     the Spark-compatible HTTP API"""
SERVE_DESCRIPTION = """\
Serve an embedded workspace on Spark's own REST paths, so the official SDK and CLI, CI scripts and
spark-tui's `spark` profiles can use it offline:
  export     start, watch, cancel and download export jobs (/{tenant}/api/v4/export...)
  import     upload a migrate package and watch the import job (/{tenant}/api/v4/import...)
  folders    create a folder, check one exists (/api/v1/product/...)
  browse     folders, services and versions (v1 and v3 routes), a dry-run preview
  whoami     who the credentials name (/{tenant}/api/v4/whoami); /health; /openapi.json

Callers authenticate as a [[serve.users]] entry of the config file (name, groups, token or
api_key, optional tenants; secrets of 16+ characters, never printed): see
docs/serve.md. With no users, a random bearer token for the profile's user is printed at start."""

BATCH_HELP = "spark-tui --batch --help"


class _Parser(argparse.ArgumentParser):
    """Usage errors are one line on stderr, exit 2, citing the help that lists the options; no prefix
    abbreviations (a script's `--fold` would change meaning the day a `--folder-x` flag appears)."""

    def __init__(self, *args, see: str | None = None, **kwargs) -> None:
        super().__init__(*args, allow_abbrev=False, **kwargs)
        self.see = see or f"{self.prog} --help"

    def error(self, message: str) -> NoReturn:
        if message.startswith("argument {serve}: invalid choice") and self.see == BATCH_HELP:
            message = f"unexpected argument {message.split(': ')[-1].split(' (')[0]}; batch options start with --"
        self.fail(message)

    def fail(self, message: str, see: str | None = None) -> NoReturn:
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {message} (see {see or self.see})\n")

    def option_takes_value(self, name: str) -> bool | None:
        """Whether option `name` takes a value; None when this parser has no such option."""
        action = self._option_string_actions.get(name)
        return None if action is None else action.nargs != 0


_NUMBER = re.compile(r"-\d*\.?\d+")


def _check_options(parser: _Parser, serve: _Parser, argv: list[str]) -> None:
    """An unknown option is a usage error naming the closest known one, before argparse would read
    the next word as a sub-command (`--fodler claims` -> "invalid choice: 'claims'")."""
    current, skip = parser, False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--":
            return
        elif arg == "serve" and current is parser:
            current = serve
        elif arg.startswith("-") and len(arg) > 1 and not _NUMBER.fullmatch(arg):
            name = arg.split("=", 1)[0] if arg.startswith("--") else arg[:2]
            takes = current.option_takes_value(name)
            if takes is None:
                known = [o for o in current._option_string_actions if o.startswith("--")]
                prefixed = [o for o in known if o.startswith(name)]  # abbreviations are not taken, but meant
                close = prefixed[:1] if len(prefixed) == 1 else difflib.get_close_matches(name, known, n=1, cutoff=0.75)
                hint = f"; did you mean {close[0]}?" if close else ""
                batch_option = bool(close) and current is parser and close[0][2:].replace("-", "_") in registry.BATCH_DESTS
                current.fail(f"unknown option {name}{hint}", see=BATCH_HELP if batch_option else None)
            skip = takes and "=" not in arg and len(arg) == len(name)


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a TCP port (1-65535)")
    return int(text)


def build_parser(batch: bool = False) -> _Parser:
    """The parser; `batch` selects the help it prints: the batch options and exit codes, or the overview."""
    p = _Parser(
        prog="spark-tui", see=BATCH_HELP if batch else None,
        usage="%(prog)s --batch [profile and backend options] [--json] "
        "[export options | import options | promotion options | one other operation]" if batch else None,
        description="Run one Spark operation without the TUI and exit: results on stdout (--json: the API's\n"
        "JSON shapes), progress and errors on stderr, an exit code a pipeline can branch on.\n"
        "The default operation is an export; --import-package imports a package, --promote-to\n"
        "promotes a selection into another profile." if batch else
        "Export, import and promote Coherent Spark services: an interactive TUI (the default), a\n"
        "--batch mode for scripts and CI (export, import a package, promote dev -> UAT -> prod),\n"
        "and a Spark-compatible HTTP API (serve).",
        epilog=legend() if batch else MORE_HELP,
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
    registry.add_options(p, shown=batch, global_group=b)

    sub = p.add_subparsers(dest="command", metavar="{serve}", help=argparse.SUPPRESS if batch else None)
    s = sub.add_parser("serve", help="serve Spark's export, import and folder APIs over the embedded engine",
                       description=SERVE_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=_port, default=8080, help="TCP port (default 8080)")
    s.add_argument("--public-url", metavar="URL", default=None,
                   help="external URL of this server (e.g. behind a TLS proxy): status and download links are built "
                   "from it only (default: the bound address; never the request's Host header)")
    s.add_argument("--workspace", metavar="DIR", type=Path, default=argparse.SUPPRESS,
                   help="workspace to serve (default: the profile's)")
    s.add_argument("--client-proxy", metavar="PORT", type=_port, default=None,
                   help="also listen on 127.0.0.1:PORT as the HTTPS proxy through which the official cspark "
                   "CLI/SDK reach this server as https://excel.local.coherent.global/<tenant>; prints the exports to use")
    s.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS,
                   help="embedded profile whose workspace, tenant and user are served (default: the config's default)")
    s.add_argument("--config", metavar="FILE", type=Path, default=argparse.SUPPRESS,
                   help="config file with the profiles and [[serve.users]] (default: config.toml in the user "
                   "config dir or $SPARK_TUI_HOME)")
    s.add_argument("--access-log", action="store_true",
                   help="print one line per request on stdout (client, method, path without query, status)")
    p.serve = s  # type: ignore[attr-defined]
    return p


def _check_combinations(parser: _Parser, args: argparse.Namespace) -> None:
    """Flags that parse but do not go together: a one-line usage error (exit 2)."""
    given = registry.given(args, parser.parse_args([]))
    if args.command == "serve" and (args.batch or given):
        parser.error(f"serve does not take {'--batch' if args.batch else registry.flag(given[0])}")
    if not args.batch:
        if given:
            parser.fail(f"{registry.flag(given[0])} needs --batch", see=BATCH_HELP)
        return
    args.operation, problem = registry.select(given)
    if problem is not None:
        parser.error(problem)


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
    return ExitCode.BROKEN_PIPE


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if (bad := _not_text(argv)) is not None:
        sys.stderr.write(f"spark-tui: error: argument '{bad}' is not valid UTF-8 text; pass names and values as UTF-8\n")
        return ExitCode.USAGE
    try:
        return _main(argv)
    except BrokenPipeError:
        return _quiet_broken_pipe()


def _main(argv: list[str]) -> int:
    parser = build_parser(batch="--batch" in argv)
    try:
        _check_options(parser, parser.serve, argv)
        args = parser.parse_args(argv)
        args.argv = argv  # recorded (secrets removed) in a promotion's receipt
        _check_combinations(parser, args)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else ExitCode.USAGE
    from spark_tui.spark.errors import SparkTuiError

    try:
        from spark_tui.config import load_config

        config = load_config(args.config)
        if args.batch:
            return _batch(args, config)
        profile = config.profile(args.profile)
        if args.command == "serve":
            from spark_tui.server import serve

            return serve(config, profile, host=args.host, port=args.port, workspace=args.workspace,
                         access_log=args.access_log, client_proxy=args.client_proxy, public=args.public_url)
        from spark_tui.tui import run

        return run(config, profile, workspace=args.workspace, tenant=args.tenant)
    except SparkTuiError as exc:
        from spark_tui.batch.operations import Console, report_error

        return report_error(exc, Console(sys.stdout, sys.stderr, json=bool(getattr(args, "json", False))))
    except KeyboardInterrupt as exc:
        sys.stderr.write("interrupted\n")
        return exit_code_for(exc)


def _batch(args: argparse.Namespace, config: AppConfig) -> int:
    """Run the operation the arguments select, once its pre-flight found no problem."""
    from spark_tui.batch.operations import Console
    from spark_tui.spark.errors import ConfigError, ValidationFailed
    from spark_tui.spark.export_wire import ApiError

    operation: registry.Operation = args.operation
    problems: list[ApiError] = []  # every problem found before a backend is opened, reported at once
    profile = None
    try:
        profile = config.profile(args.profile)
    except ConfigError as exc:
        if operation.needs_profile:
            problems.append(ApiError(code=exc.code, message=exc.message, ref=args.profile))
    if operation.preflight is not None:
        problems += operation.load("preflight")(args, config)
    if problems:
        raise ValidationFailed.of(problems)
    return operation.load("run")(args, config, profile, Console(sys.stdout, sys.stderr, json=args.json))
