"""Open the backend a profile describes: the embedded engine on a workspace, or a Spark tenant."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from urllib.parse import quote

from spark_tui import paths
from spark_tui.backends.base import Backend
from spark_tui.config import Profile
from spark_tui.spark.errors import BadTenantName, ConfigError, ProfileUnusable


def open_backend(profile: Profile, *, workspace: Path | None = None, tenant: str | None = None) -> Backend:
    """The backend of `profile`; `workspace`/`tenant` override the profile's (from --workspace/--tenant).

    Embedded: opens (creating if needed) the workspace and, for the `demo` tenant, fills it with
    the demo data on first use. Spark: an HTTPS client of the tenant.
    """
    if profile.backend == "runner":
        raise ProfileUnusable(profile.name, f"profile '{profile.name}' is a Hybrid Runner; it is only a target of promotions")
    if profile.backend == "spark":
        if workspace is not None:
            raise ConfigError(f"workspace {workspace} applies to embedded profiles only; profile '{profile.name}' is a Spark tenant")
        from spark_tui.backends.remote import RemoteBackend

        return RemoteBackend(with_tenant(profile, tenant) if tenant else profile, timeout_s=profile.timeout_s)

    root = Path(workspace or profile.workspace or paths.default_workspace()).expanduser()
    tenant = tenant or profile.tenant
    from spark_tui.engine.store import open_workspace, workspace_errors
    from spark_tui.spark.uri import InvalidReference, validate_name

    try:
        validate_name("tenant", tenant)
    except InvalidReference as exc:
        raise BadTenantName(tenant, str(exc)) from None
    ws = open_workspace(root)
    with workspace_errors(root):
        try:
            if not ws.has_tenant(tenant):  # first use: the demo tenant gets its demo data
                from spark_tui.engine.demo import DEMO_TENANT, ensure_demo

                if tenant == DEMO_TENANT:
                    ensure_demo(ws, tenant)
        finally:
            ws.close()
        from spark_tui.backends.embedded import EmbeddedBackend

        return EmbeddedBackend(root, tenant, profile.user, profile.groups, profile=profile.name)


def with_tenant(profile: Profile, tenant: str) -> Profile:
    """A Spark profile aimed at another tenant: the tenant is the base URL's last path segment."""
    base = (profile.base_url or "").rstrip("/")
    if base.rpartition("/")[2] == quote(profile.tenant or "", safe=""):
        base = base.rpartition("/")[0]
    return dataclasses.replace(profile, tenant=tenant, base_url=f"{base}/{quote(tenant, safe='')}")
