"""spark-tui extension `GET /{tenant}/api/v4/whoami`: who the server knows the caller as.

Real Spark has no such route; spark-tui's remote backend asks it first and otherwise reads the
identity from the caller's JWT (backends/token_claims.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from spark_tui.server.context import ctx_of
from spark_tui.spark.export_wire import WhoAmI

router = APIRouter(tags=["identity"])


@router.get(
    "/{tenant}/api/v4/whoami", response_model=WhoAmI, summary="spark-tui extension: the caller's user name and groups"
)
def whoami(tenant: str, request: Request) -> WhoAmI:
    ctx = ctx_of(request)
    who = ctx.caller(request, tenant)
    ctx.require_tenant(tenant)
    return WhoAmI(user=who.user, groups=list(who.groups))
