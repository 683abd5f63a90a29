"""Who is calling: `Authorization: Bearer <token>` or `x-synthetic-key` + `x-tenant-name`.

Credentials come from `[[serve.users]]`; each maps to a user name, groups and (optionally) the
tenants the user may use. Comparisons are constant-time; secrets never appear in messages.
`check_users` refuses, at start-up, secrets shared by two users and secrets too short to guess.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Protocol, Sequence

from spark_tui.spark.errors import AuthError, ConfigError, Forbidden, excerpt
from spark_tui.spark.export_wire import ApiError


class UserEntry(Protocol):
    """What the server needs of a `config.ServeUser`."""

    name: str
    groups: Sequence[str]
    token: str | None
    api_key: str | None
    tenants: tuple[str, ...] | None  # None = every tenant


MIN_SECRET_CHARS = 16


def check_users(users: Sequence[UserEntry]) -> None:
    """Refuse (ConfigError) a token or API key shorter than MIN_SECRET_CHARS or held by two users."""
    owners: dict[str, str] = {}
    for user in users:
        for kind in ("token", "api_key"):
            secret = getattr(user, kind)
            if secret is None:
                continue
            if len(secret) < MIN_SECRET_CHARS:
                raise ConfigError(
                    f"serve user '{user.name}': the {kind} has {len(secret)} characters, fewer than "
                    f"{MIN_SECRET_CHARS}; use a random one, e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'"
                )
            other = owners.setdefault(secret, user.name)
            if other != user.name:
                raise ConfigError(
                    f"serve users '{other}' and '{user.name}' share the same {kind.replace('_', ' ')} (or token and API key); "
                    "give every user secrets of their own"
                )


def check_link_key(key: str, variable: str) -> bytes:
    """The download-link signing key from `variable`: at least MIN_SECRET_CHARS characters."""
    if len(key) < MIN_SECRET_CHARS:
        raise ConfigError(
            f"{variable} has {len(key)} characters, fewer than {MIN_SECRET_CHARS}; set it to a long random value or unset it"
        )
    return key.encode()


@dataclass(frozen=True)
class Identity:
    user: str
    groups: tuple[str, ...]


def auth_failure(message: str, status: int = 401) -> AuthError:
    """An AuthError answered with `status` (401 unauthenticated, 403 authenticated but refused)."""
    if status == 403:
        return Forbidden(message, [ApiError(code="FORBIDDEN", message=message)])
    return AuthError(message, [ApiError(code="UNAUTHORIZED", message=message)])


class Authenticator:
    def __init__(self, users: Sequence[UserEntry]) -> None:
        self._users = list(users)

    def __repr__(self) -> str:
        return f"Authenticator({len(self._users)} user(s))"

    def _match(self, attr: str, secret: str) -> UserEntry | None:
        found = None
        for user in self._users:
            value = getattr(user, attr)
            if value and hmac.compare_digest(value.encode(), secret.encode()):
                found = user
        return found

    def identify(self, headers: dict[str, str] | object, tenant: str | None) -> Identity:
        """The caller named by the request headers; `tenant` is the tenant the request addresses."""
        get = headers.get  # type: ignore[attr-defined]
        authorization = (get("authorization") or "").strip()
        api_key = (get("x-synthetic-key") or "").strip()
        tenant_header = (get("x-tenant-name") or "").strip()
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise auth_failure("the Authorization header must be 'Bearer <token>'")
            user = self._match("token", token.strip())
            if user is None:
                raise auth_failure("unknown bearer token; use a token of [[serve.users]] in the server's config")
        elif api_key:
            if not tenant_header:
                raise auth_failure("an API key (x-synthetic-key) needs the x-tenant-name header naming the tenant")
            user = self._match("api_key", api_key)
            if user is None:
                raise auth_failure("unknown API key; use an api_key of [[serve.users]] in the server's config")
            if tenant and tenant_header != tenant:
                raise auth_failure(
                    f"x-tenant-name '{excerpt(tenant_header)}' does not match the tenant '{excerpt(tenant)}' of the URL",
                    status=403,
                )
        else:
            raise auth_failure("authentication required: send 'Authorization: Bearer <token>' or x-synthetic-key + x-tenant-name")
        addressed = tenant or tenant_header
        allowed = getattr(user, "tenants", None)
        if addressed and allowed is not None and addressed not in allowed:
            raise auth_failure(
                f"user '{user.name}' may not use tenant '{excerpt(addressed)}' (allowed: {', '.join(allowed)}); "
                "check the tenant, or add it to the user's tenants in [[serve.users]]",
                status=403,
            )
        return Identity(user.name, tuple(user.groups))
