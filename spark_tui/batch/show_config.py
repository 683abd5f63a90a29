"""`--batch --show-config`: which config file, profile, backend, workspace or URL, tenant and identity a
command would use, and where each came from; secrets masked.

Written for the day an environment variable (a tmux server's, a CI runner's) silently points a run at
another workspace or tenant. Shows an unusable profile too, with why (exit 2); an unreachable backend
is said, not fatal (exit 0).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from spark_tui import paths
from spark_tui.backends.factory import open_backend
from spark_tui.spark.exit_codes import ExitCode
from spark_tui.batch.operations import Console
from spark_tui.config import DEMO_PROFILE, ENV_PROFILE, SECRETS, AppConfig, Profile, mask
from spark_tui.spark.config_wire import EffectiveConfig, Identity
from spark_tui.spark.errors import SparkTuiError


def effective_config(args: argparse.Namespace, config: AppConfig) -> EffectiveConfig:
    """The configuration `args` select (the profile must exist; it may be unusable)."""
    name = args.profile or config.default_profile
    profile = config.profiles.get(name)
    if profile is None:
        config.profile(name)  # raises the usual "unknown profile …; available profiles: …"
    assert profile is not None
    shown = EffectiveConfig(
        config_file=str(config.path), config_file_exists=config.path.exists(),
        config_file_from="--config" if args.config else "SPARK_TUI_HOME" if paths.home() else "user config dir",
        profile=name,
        profile_from="--profile" if args.profile else "default_profile" if name != DEMO_PROFILE else "built-in default",
        profile_defined_in=_defined_in(profile), backend=profile.backend,
        tenant=args.tenant or profile.tenant, problem=profile.problem,
        secrets={key: mask(getattr(profile, key)) for key in SECRETS if getattr(profile, key)},
    )
    if profile.backend == "embedded":
        workspace = Path(args.workspace or profile.workspace or paths.default_workspace()).expanduser()
        shown.workspace, shown.workspace_exists = str(workspace), workspace.is_dir()
        shown.identity = Identity(user=profile.user, groups=list(profile.groups), source="profile")
    else:
        shown.base_url = profile.base_url
        if profile.backend == "spark" and profile.problem is None:
            shown.identity = _whoami(args, profile)
    return shown


def _defined_in(profile: Profile) -> str:
    if profile.name == ENV_PROFILE and os.environ.get("CSPARK_BASE_URL", "").strip():
        return "environment (CSPARK_*)"
    if profile.name == DEMO_PROFILE and profile == Profile(name=DEMO_PROFILE):
        return "built-in"
    return "config file"


def _whoami(args: argparse.Namespace, profile: Profile) -> Identity:
    try:
        backend = open_backend(profile, workspace=args.workspace, tenant=args.tenant)
        try:
            caller = backend.whoami()
        finally:
            backend.close()
    except SparkTuiError as exc:
        return Identity(source="unreachable", error=str(exc))
    return Identity(user=caller.user, groups=list(caller.groups), source=caller.source)


def config_text(shown: EffectiveConfig) -> str:
    exists = "exists" if shown.config_file_exists else "not found: built-in profiles and CSPARK_* only"
    rows = [
        ("config file", f"{shown.config_file} ({exists}; from {shown.config_file_from})"),
        ("profile", f"{shown.profile} (chosen by {shown.profile_from}; defined in {shown.profile_defined_in})"),
        ("backend", shown.backend),
    ]
    if shown.workspace is not None:
        rows.append(("workspace", f"{shown.workspace}" + ("" if shown.workspace_exists else " (not created yet)")))
    if shown.base_url is not None:
        rows.append(("base URL", shown.base_url))
    if shown.backend != "runner":
        rows.append(("tenant", shown.tenant))
    if (who := shown.identity) is not None:
        if who.error is not None:
            rows.append(("identity", f"could not be reached: {who.error}"))
        else:
            groups = f", groups {', '.join(who.groups)}" if who.groups else ""
            rows.append(("identity", f"{who.user or 'unknown'}{groups} (from {who.source})"))
    for key, value in shown.secrets.items():
        rows.append((key, f"{value} (masked)"))
    if shown.problem:
        rows.append(("problem", f"this profile cannot be used: {shown.problem}"))
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


def run(args: argparse.Namespace, config: AppConfig, profile: Profile | None, console: Console) -> int:
    shown = effective_config(args, config)
    console.result(config_text(shown), shown.model_dump(mode="json"))
    return ExitCode.USAGE if shown.problem else ExitCode.OK
