"""The `--batch` operations, each declared once: the options it takes, its pre-flight check, its run.

Everything else about an operation is derived from its declaration: the argparse options and the
sections of `spark-tui --batch --help` (`add_options`), which operation a command line asks for and
the "--x cannot be combined with --y" / "--x goes with --y" usage errors (`select`), and the
"--x needs --batch" check (`BATCH_DESTS`). This module imports only the standard library, so `--help`
stays fast: `preflight` and `run` are "module:function" names loaded when the operation runs.

To add an operation, append one `Operation` to OPERATIONS:

    Operation(
        "compare", section=OTHER,
        trigger=Option("--compare", metavar="PROFILE", help="...", one_of=True),  # selects it
        options=(Option("--only-diff", action="store_true", help="..."),),        # its own options
        accepts=SELECTION,                    # options declared by other operations that it also takes
        preflight="spark_tui.batch.compare:preflight",  # (args, config) -> list[ApiError]; optional
        run="spark_tui.batch.compare:run",              # (args, config, profile, console) -> exit code
    )

`_action(name, flag, run=..., **argparse keywords)` is the short form of a one-at-a-time operation.

`one_of=True` puts the trigger in the one-at-a-time group of operations; `when` names further
triggers that must all be given (e.g. `--import-package` with `--push-runner`); the operation with
the most triggers given wins, the earlier declared on a tie. Pre-flight checks run before any backend
opens and return every problem at once (ValidationFailed, exit 2); a check that cannot go on raises.
"""

from __future__ import annotations

import argparse
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

EXPORT = "export (--batch; the default operation)"
OTHER = "other operations (--batch; one at a time)"
IMPORT = "import (--batch --import-package FILE; also --no-wait, --deadline, --source-system, --correlation-id)"
PROMOTION = "promotion (--batch; export from --profile, import into another profile)"
COMPARISON = "comparison (--batch; what differs between --profile and other profiles; reads only)"


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive number of seconds")
    return value


@dataclass(frozen=True)
class Option:
    """One command-line option: its flags and argparse keywords; `hint` follows a "goes with" error."""

    flags: tuple[str, ...]
    kwargs: dict[str, Any]
    hint: str = ""
    one_of: bool = False  # in the one-at-a-time group of operations
    exclusive: str | None = None  # options with the same name exclude each other (argparse's own error)

    def __init__(self, *flags: str, hint: str = "", one_of: bool = False, exclusive: str | None = None, **kwargs: Any):
        object.__setattr__(self, "flags", flags)
        object.__setattr__(self, "kwargs", kwargs)
        object.__setattr__(self, "hint", hint)
        object.__setattr__(self, "one_of", one_of)
        object.__setattr__(self, "exclusive", exclusive)

    @property
    def dest(self) -> str:
        return next(f for f in self.flags if f.startswith("--"))[2:].replace("-", "_")

    @property
    def label(self) -> str:
        return "/".join(self.flags)


@dataclass(frozen=True)
class Operation:
    """A batch operation: selected by its `trigger` (and `when`), taking its own `options` and `accepts`."""

    name: str
    run: str
    section: str = OTHER
    trigger: Option | None = None
    when: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    options_section: str | None = None
    accepts: tuple[str, ...] = ()
    preflight: str | None = None
    needs_profile: bool = True
    """False: it runs even when the profile cannot be used (and gets None for it)."""
    combined: str = "{option} cannot be combined with {operation}"
    """The error for a trigger of another operation, or an option of the export, it does not take."""
    foreign: str | None = None
    """The error for any other option it does not take; None: "{option} goes with <who takes it>"."""
    takes: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        own = {o.dest for o in self.options} | {"json"}
        object.__setattr__(self, "takes", frozenset(own | set(self.accepts) | set(self.triggers)))

    @property
    def triggers(self) -> tuple[str, ...]:
        return ((self.trigger.dest,) if self.trigger else ()) + self.when

    def load(self, which: str) -> Callable[..., Any]:
        module, _, function = getattr(self, which).partition(":")
        return getattr(importlib.import_module(module), function)


SELECTION = ("folder", "service", "version_id", "file_filter", "version_filter", "source_system", "correlation_id",
             "file_name", "output_dir", "deadline")
"""What is exported and where it is saved: the export's options that promotion takes too."""
JOB_REQUEST = ("no_wait", "deadline", "source_system", "correlation_id")
PROMOTE = "spark_tui.batch.promote"
COMPARE = "spark_tui.batch.compare"
COMMANDS = "spark_tui.batch.commands"
RECEIPTS = "spark_tui.batch.receipts"


def _action(name: str, *flags: str, run: str, **kwargs: Any) -> Operation:
    """A one-at-a-time operation that takes nothing but its own argument."""
    extra = {k: kwargs.pop(k) for k in ("options", "options_section", "accepts", "preflight", "needs_profile") if k in kwargs}
    return Operation(name, run=run, trigger=Option(*flags, one_of=True, **kwargs), **extra)


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "export", section=EXPORT, run=f"{COMMANDS}:run_export", preflight=f"{COMMANDS}:preflight_export",
        options=(
            Option("--folder", metavar="F", action="append", default=[], help="export every service of folder F (repeatable)"),
            Option("--service", metavar="URI", action="append", default=[],
                   help="folder/service, folder/service[1.2], a service UUID, service/UUID or version/UUID (repeatable)"),
            Option("--version-id", metavar="ID", action="append", default=[], help="a version UUID (repeatable)"),
            Option("--file-filter", choices=("migrate", "onpremises"), help="files per version (default migrate)"),
            Option("--version-filter", choices=("all", "latest"), help="versions per service (default all)"),
            Option("--source-system", metavar="S", help="source_system of the request: who asks (e.g. your pipeline's name)"),
            Option("--correlation-id", metavar="C",
                   help="correlation_id of the request, shown with the job (e.g. a CI run id) to trace it"),
            Option("--file-name", metavar="NAME", help="name of the package (default package.zip)"),
            Option("-o", "--output-dir", metavar="DIR", type=Path, help="where the package is saved (default: current dir)"),
            Option("--deadline", metavar="SECONDS", type=positive_seconds,
                   help="stop waiting after this long (exit 4; default 1200)"),
            Option("--dry-run", action="store_true", exclusive="wait",
                   help="resolve only: what would be exported, sizes, every error"),
            Option("--no-wait", action="store_true", exclusive="wait", help="submit and print the created job"),
        ),
    ),
    _action("status", "--status", metavar="JOB", help="show an export job", run=f"{COMMANDS}:run_status"),
    _action("cancel", "--cancel", metavar="JOB", help="cancel an export job", run=f"{COMMANDS}:run_cancel"),
    _action("jobs", "--jobs", action="store_true", help="export jobs of the tenant (in progress and past hour)",
            run=f"{COMMANDS}:run_jobs"),
    _action("list-folders", "--list-folders", action="store_true",
            help="the tenant's folders, their service counts and access", run=f"{COMMANDS}:run_list_folders"),
    _action("list-services", "--list-services", metavar="FOLDER",
            help="the services of FOLDER: versions, latest, engine, exportable", run=f"{COMMANDS}:run_list_services"),
    _action("list-versions", "--list-versions", metavar="FOLDER/SERVICE",
            help="the versions of a service with their ids and sizes", run=f"{COMMANDS}:run_list_versions"),
    _action("import-status", "--import-status", metavar="JOB", help="show an import job",
            run=f"{COMMANDS}:run_import_status"),
    _action("imports", "--imports", action="store_true", help="import jobs of the tenant (in progress and past hour)",
            run=f"{COMMANDS}:run_imports"),
    _action("create-folder", "--create-folder", metavar="NAME", help="create a folder (e.g. an import's destination)",
            run=f"{COMMANDS}:run_create_folder", preflight=f"{COMMANDS}:preflight_create_folder"),
    _action(
        "import-package", "--import-package", metavar="FILE", type=Path,
        help="import a migrate package with Spark's import API (a job; see --map)",
        run=f"{COMMANDS}:run_import_package", preflight=f"{COMMANDS}:preflight_import_package",
        options_section=IMPORT, accepts=JOB_REQUEST + ("mapping_file",),
        options=(
            Option("--map", metavar="SRC=DST[:BUMP]", action="append", default=[],
                   help="import service SRC (folder/service) as DST, BUMP = major|minor|patch for add_version (repeatable; "
                   "default: every service of the package under its own name); also FOLDER=FOLDER, or SRC alone to keep the name"),
            Option("--upgrade", choices=("major", "minor", "patch"),
                   help="how add_version numbers the added versions (default minor; per mapping with SRC=DST:BUMP)"),
            Option("--if-present", choices=("abort", "replace", "add_version"),
                   help="what to do when a destination service exists (default abort); also for --load-package, --promote-to"),
            Option("--plan", action="store_true",
                   help="with --promote-to or --import-package: print what the import would do, write nothing (exit 0 go, 2 refused)"),
        ),
    ),
    Operation(
        "import-plan", when=("import_package", "plan"), accepts=("map", "upgrade", "if_present", "mapping_file",
                                                               "source_system", "correlation_id"),
        run=f"{PROMOTE}:run_package_plan", preflight=f"{COMMANDS}:preflight_import_package",
    ),
    _action("load-package", "--load-package", metavar="FILE", type=Path,
            help="embedded only: seed the workspace's tenant from any package (creates tenant and folders, keeps ids)",
            run=f"{COMMANDS}:run_load_package", preflight=f"{COMMANDS}:preflight_load_package", accepts=("if_present",)),
    _action("inspect", "--inspect", metavar="PKG", type=Path, help="what a package holds, and check its integrity (exit 0/2)",
            run=f"{PROMOTE}:run_inspect", preflight=f"{PROMOTE}:preflight_inspect"),
    _action("show-config", "--show-config", action="store_true",
            help="the config file, profile, backend, workspace or URL, tenant and identity a command would use "
            "(secrets masked)", run="spark_tui.batch.show_config:run", needs_profile=False),
    Operation(
        "promote", section=PROMOTION, run=f"{PROMOTE}:run_promote", preflight=f"{PROMOTE}:preflight_promote",
        trigger=Option("--promote-to", metavar="PROFILE",
                       help="promote the selection into PROFILE: plan, export, verify, import, receipt"),
        options=(
            Option("--mapping-file", metavar="FILE", type=Path,
                   help="TOML file of mappings ([folders], [services], upgrade, if_present); also with --import-package"),
            Option("--create-folders", action="store_true", hint=" (create folders first with --create-folder NAME)",
                   help="create missing destination folders before importing"),
            Option("--drift", action="store_true",
                   help="promote exactly what --compare PROFILE finds missing or different (same --map, --folder, "
                   "--service; default the whole tenant)"),
            Option("--save-plan", metavar="FILE", type=Path,
                   help="with --plan: also write the plan to FILE (exact version ids, mappings, options, the target's "
                   "affected services) to approve, then run it with --apply FILE"),
            Option("--no-backup", action="store_true",
                   help="skip the backup of the services an import replaces (NAME.before.zip, what --undo restores)"),
        ),
        accepts=SELECTION + ("map", "upgrade", "if_present", "plan", "deep"),
        combined="{operation} cannot be combined with {option} (use --plan to only see the plan)",
    ),
    Operation(
        "apply", section=PROMOTION, run=f"{PROMOTE}:run_apply", preflight=f"{PROMOTE}:preflight_apply",
        trigger=Option("--apply", metavar="PLAN", type=Path,
                       help="run a plan saved with --save-plan between its profiles, exactly; refused (exit 2) naming "
                       "what moved on either side since"),
        accepts=("file_name", "output_dir", "deadline", "no_backup"), needs_profile=False,
    ),
    Operation(
        "undo", section=PROMOTION, run=f"{PROMOTE}:run_undo",
        trigger=Option("--undo", metavar="RECEIPT",
                       help="restore what a promotion replaced: import its backup with replace (a receipt id or file; "
                       "--plan to only see the plan)"),
        accepts=("plan", "deadline"), needs_profile=False,
    ),
    _action("promotions", "--promotions", action="store_true",
            help="the promotions of this machine, newest first: outcome, source -> target, user, package SHA-256",
            run=f"{RECEIPTS}:run_list", needs_profile=False),
    _action("receipt", "--receipt", metavar="ID|FILE", help="print a promotion's receipt (an id --promotions lists, or a file)",
            run=f"{RECEIPTS}:run_show", needs_profile=False),
    Operation(
        "push-runner", section=PROMOTION, run=f"{PROMOTE}:run_push_export", preflight=f"{PROMOTE}:preflight_push_export",
        trigger=Option("--push-runner", metavar="URL|PROFILE",
                       help="upload an onpremises export (or --import-package PKG) to a Hybrid Runner (a URL or a runner profile)"),
        accepts=SELECTION,
        combined="{operation} cannot be combined with {option}",
        foreign="{option} does not go with --push-runner (a Hybrid Runner takes the package as it is)",
    ),
    Operation(
        "push-package", when=("import_package", "push_runner"),
        run=f"{PROMOTE}:run_push_package", preflight=f"{PROMOTE}:preflight_push_package",
        foreign="{option} does not go with --push-runner (a Hybrid Runner takes the package as it is)",
    ),
    Operation(
        "compare", section=COMPARISON, run=f"{COMPARE}:run", preflight=f"{COMPARE}:preflight",
        trigger=Option("--compare", metavar="PROFILE", action="append", default=[],
                       help="compare --profile with PROFILE: per service and version same, differs, missing, extra "
                       "(repeatable: a matrix of profiles); narrow with --folder/--service, pair with --map/--mapping-file"),
        options=(
            Option("--only-differences", action="store_true", help="leave out what is the same"),
            Option("--deep", action="store_true",
                   help="settle versions a backend publishes no fingerprint for (real Spark) by exporting them "
                   "(migrate, one job per profile) and comparing the packages; also with --promote-to --drift"),
            Option("--exit-code", action="store_true",
                   help="exit 10 when the profiles differ (as git diff --exit-code), so CI can gate on drift"),
        ),
        accepts=("folder", "service", "map", "mapping_file"),
    ),
)
GLOBAL = (Option("--json", action="store_true", help="print the API's JSON shapes on stdout"),)
"""Options every batch operation takes."""

_OWNER = {o.dest: op for op in OPERATIONS for o in op.options + ((op.trigger,) if op.trigger else ())}
_OPTIONS = {o.dest: o for o in GLOBAL} | {o.dest: o for op in OPERATIONS for o in op.options + ((op.trigger,) if op.trigger else ())}
BATCH_DESTS: tuple[str, ...] = tuple(_OPTIONS)
"""Every option that only `--batch` takes."""


def flag(dest: str) -> str:
    """The flag(s) of option `dest` as the user types them: `--folder`, `-o/--output-dir`."""
    return _OPTIONS[dest].label


def sections() -> list[tuple[str, list[Option]]]:
    """The `--batch --help` sections in declaration order, each with its options."""
    found: dict[str, list[Option]] = {}
    for op in OPERATIONS:
        if op.trigger:
            found.setdefault(op.section, []).append(op.trigger)
        if op.options:
            found.setdefault(op.options_section or op.section, []).extend(op.options)
    return list(found.items())


def add_options(parser: argparse.ArgumentParser, *, shown: bool, global_group: argparse._ArgumentGroup) -> None:
    """Every batch option onto `parser`, in its help section (hidden when not `shown`)."""
    for option in GLOBAL:
        _add(global_group, option, shown)
    for title, options in sections():
        group = parser.add_argument_group(title)
        mutex: dict[str, argparse._MutuallyExclusiveGroup] = {}
        for option in options:
            key = "one_of" if option.one_of else option.exclusive
            if key and key not in mutex:
                mutex[key] = group.add_mutually_exclusive_group()
            _add(mutex[key] if key else group, option, shown)


def _add(group: Any, option: Option, shown: bool) -> None:
    kwargs = dict(option.kwargs)
    if not shown:
        kwargs["help"] = argparse.SUPPRESS
    group.add_argument(*option.flags, **kwargs)


def given(args: argparse.Namespace, defaults: argparse.Namespace) -> list[str]:
    """The batch options given on the command line, in declaration order."""
    return [d for d in BATCH_DESTS if getattr(args, d) != getattr(defaults, d)]


def select(present: list[str]) -> tuple[Operation, str | None]:
    """The operation the given options ask for, and the usage error of an option it does not take (or None)."""
    triggered = [op for op in OPERATIONS if op.triggers and all(t in present for t in op.triggers)]
    op = max(triggered, key=lambda o: len(o.triggers), default=OPERATIONS[0])  # max keeps the first on a tie
    extra = [d for d in present if d not in op.takes]
    triggers = {o.trigger.dest for o in OPERATIONS if o.trigger}
    export_options = {o.dest for o in OPERATIONS[0].options}
    extra.sort(key=lambda d: (d not in triggers, d not in export_options))
    if not extra:
        return op, None
    dest = extra[0]
    label = flag(op.triggers[0]) if op.triggers else "the export"
    if dest in triggers or dest in export_options:
        return op, op.combined.format(option=flag(dest), operation=label)
    if op.foreign:
        return op, op.foreign.format(option=flag(dest), operation=label)
    return op, f"{flag(dest)} goes with {_takers(dest)}{_OPTIONS[dest].hint}"


def _takers(dest: str) -> str:
    """Who takes option `dest`: the operation declaring it first, then the others in declaration order."""
    owner = _OWNER[dest]
    ops = [owner] + [op for op in OPERATIONS if dest in op.takes and op is not owner and op.trigger]
    return " or ".join(dict.fromkeys(flag(op.trigger.dest) for op in ops if op.trigger))
