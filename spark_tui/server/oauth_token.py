"""Keycloak's OAuth2 client-credentials grant, as Spark's clients use it:
`POST /auth/realms/{tenant}/protocol/openid-connect/token` (form `grant_type=client_credentials`,
`client_id`, `client_secret`, or the pair as HTTP Basic) → `{access_token, expires_in, token_type}`.

The credentials are a `[[serve.users]]` entry's `client_id` + `client_secret`; the access token
then works as a bearer token on that tenant until it expires. Errors answer as Keycloak does
(`{error, error_description}`), not in Spark's error shape.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from fastapi import APIRouter, Request
from starlette.exceptions import HTTPException
from fastapi.responses import JSONResponse

from spark_tui.server.context import ctx_of
from spark_tui.spark.errors import excerpt

TOKEN_TTL_S = 300  # Keycloak's default access-token lifespan
router = APIRouter(tags=["oauth2"])


@router.post(
    "/auth/realms/{tenant}/protocol/openid-connect/token",
    summary="OAuth2 client credentials: an access token for a serve user's client_id + client_secret",
)
async def token(tenant: str, request: Request) -> JSONResponse:
    ctx = ctx_of(request)
    try:
        form = await request.form()
    except HTTPException as exc:  # a malformed or oversize body
        return _refuse(exc.status_code, "invalid_request", f"the form body cannot be read: {exc.detail}")
    grant = str(form.get("grant_type") or "")
    if grant != "client_credentials":
        return _refuse(400, "unsupported_grant_type", f"grant_type '{excerpt(grant)}' is not supported; use client_credentials")
    client_id, secret = str(form.get("client_id") or ""), str(form.get("client_secret") or "")
    if not (client_id and secret):
        client_id, secret = _basic(request.headers.get("authorization", ""))
    user = ctx.auth.client(client_id, secret) if client_id and secret else None
    if user is None:
        return _refuse(401, "invalid_client", "Invalid client or Invalid client credentials")
    allowed = getattr(user, "tenants", None)
    if allowed is not None and tenant not in allowed:
        return _refuse(401, "invalid_client", f"client '{excerpt(client_id)}' may not use realm '{excerpt(tenant)}'")
    if not ctx.ws.has_tenant(tenant):
        return _refuse(404, "invalid_request", f"Realm '{excerpt(tenant)}' does not exist")
    access = ctx.auth.issue(user, tenant, TOKEN_TTL_S)
    return JSONResponse({"access_token": access, "expires_in": TOKEN_TTL_S, "token_type": "Bearer"},
                        headers={"Cache-Control": "no-store"})


def _basic(authorization: str) -> tuple[str, str]:
    """(client_id, client_secret) of an `Authorization: Basic …` header (RFC 6749 §2.3.1), or empty."""
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    client_id, _, secret = decoded.partition(":")
    return unquote_plus(client_id), unquote_plus(secret)


def _refuse(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)
