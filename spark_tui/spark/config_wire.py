"""JSON shape of `spark-tui --batch --show-config --json`: the configuration a command would use.

spark-tui's own shape (no Spark API has it); it never holds a secret, only masked ones.
"""

from __future__ import annotations

from typing import Literal

from spark_tui.spark.export_wire import WireModel


class Identity(WireModel):
    """Who the backend knows the caller as (`whoami`), or why it could not be asked."""

    user: str | None = None
    groups: list[str] = []
    source: str  # profile | server | token | unknown | unreachable
    error: str | None = None


class EffectiveConfig(WireModel):
    config_file: str
    config_file_exists: bool
    config_file_from: Literal["--config", "SPARK_TUI_HOME", "user config dir"]
    profile: str
    profile_from: Literal["--profile", "default_profile", "built-in default"]
    profile_defined_in: Literal["config file", "environment (CSPARK_*)", "built-in"]
    backend: str
    workspace: str | None = None
    workspace_exists: bool | None = None
    base_url: str | None = None
    tenant: str
    identity: Identity | None = None
    secrets: dict[str, str | None] = {}
    problem: str | None = None  # why the profile cannot be used yet
