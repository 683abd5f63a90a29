"""Who a bearer / OAuth access token names: the claims of a JWT, read without verifying it.

Only the client's own token is read, to show the caller and match their jobs; the server verifies
it. The payload segment is base64url JSON; no JWT library is needed.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from spark_tui.backends.base import Caller

USER_CLAIMS = ("email", "preferred_username", "sub")  # Spark's `created_by` is the e-mail address


def claims_of(token: str) -> dict[str, Any] | None:
    """The payload of a JWT (`header.payload.signature`), or None when `token` is not one."""
    parts = token.strip().removeprefix("Bearer ").strip().split(".")
    if len(parts) != 3:
        return None
    segment = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        payload = json.loads(base64.urlsafe_b64decode(segment.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        return None
    return payload if isinstance(payload, dict) else None


def caller_of_token(token: str) -> Caller | None:
    """The caller a JWT names (first of email, preferred_username, sub) and its `groups` claim."""
    claims = claims_of(token)
    if claims is None:
        return None
    user = next((str(claims[c]).strip() for c in USER_CLAIMS if isinstance(claims.get(c), str) and claims[c].strip()), None)
    if user is None:
        return None
    groups = claims.get("groups")
    names = tuple(str(g).strip("/") for g in groups if isinstance(g, str)) if isinstance(groups, list) else ()
    return Caller(user, names, "token")
