"""Who is calling: `Authorization: Bearer <token>` or `x-synthetic-key` + `x-tenant-name`.

Credentials come from `[[serve.users]]`; each maps to a user name, groups and (optionally) the
tenants the user may use. A bearer token is a user's `token`, or an access token issued (for a
while, for one tenant) to a user's OAuth2 client credentials (server/oauth_token.py). Comparisons
are constant-time; secrets never appear in messages. `check_users` refuses, at start-up, secrets
shared by two users and secrets too short to guess.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

from spark_tui.spark.errors import AuthError, ConfigError, Forbidden, excerpt
from spark_tui.spark.export_wire import ApiError


class UserEntry(Protocol):
    """What the server needs of a `config.ServeUser`."""

    name: str
    groups: Sequence[str]
    token: str | None
    api_key: str | None
    client_id: str | None
    client_secret: str | None
    tenants: tuple[str, ...] | None  # None = every tenant


MIN_SECRET_CHARS = 16


def check_users(users: Sequence[UserEntry]) -> None:
    """Refuse (ConfigError, every problem at once) a token or API key shorter than MIN_SECRET_CHARS or
    held by two users."""
    ConfigError.raise_all(user_problems(users))


def user_problems(users: Sequence[UserEntry]) -> list[ConfigError]:
    """Each token or API key too short to guess, and each held by two users."""
    problems = []
    owners: dict[str, str] = {}
    clients: dict[str, str] = {}
    for user in users:
        client_id = getattr(user, "client_id", None)
        if client_id is not None and clients.setdefault(client_id, user.name) != user.name:
            raise ConfigError(
                f"serve users '{clients[client_id]}' and '{user.name}' share the client_id '{excerpt(client_id)}'; "
                "give every user a client_id of their own"
            )
        for kind in ("token", "api_key", "client_secret"):
            secret = getattr(user, kind, None)
            if secret is None:
                continue
            if len(secret) < MIN_SECRET_CHARS:
                problems.append(ConfigError(
                    f"serve user '{user.name}': the {kind} has {len(secret)} characters, fewer than "
                    f"{MIN_SECRET_CHARS}; use a random one, e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'"
                ))
            other = owners.setdefault(secret, user.name)
            if other != user.name:
                problems.append(ConfigError(
                    f"serve users '{other}' and '{user.name}' share the same {kind.replace('_', ' ')} (or token and API key); "
                    "give every user secrets of their own"
                ))
    return problems


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


@dataclass(frozen=True)
class _Issued:
    user: UserEntry
    tenant: str
    expires_at: float


class Authenticator:
    def __init__(self, users: Sequence[UserEntry], clock: Callable[[], float] = time.monotonic) -> None:
        self._users = list(users)
        self._clock = clock
        self._issued: dict[str, _Issued] = {}
        self._lock = threading.Lock()

    def client(self, client_id: str, client_secret: str) -> UserEntry | None:
        """The user whose OAuth2 client credentials these are (both compared in constant time)."""
        found = None
        for user in self._users:
            uid, usecret = getattr(user, "client_id", None), getattr(user, "client_secret", None)
            if uid and usecret and hmac.compare_digest(uid.encode(), client_id.encode()) \
                    and hmac.compare_digest(usecret.encode(), client_secret.encode()):
                found = user
        return found

    def issue(self, user: UserEntry, tenant: str, ttl_s: int) -> str:
        """A new access token for `user` on `tenant`, valid `ttl_s` seconds (expired ones are dropped)."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._issued = {t: i for t, i in self._issued.items() if i.expires_at > now}
            self._issued[token] = _Issued(user, tenant, now + ttl_s)
        return token

    def _issued_user(self, token: str, tenant: str | None) -> UserEntry | None:
        with self._lock:
            issued = self._issued.get(token)
        if issued is None:
            return None
        if self._clock() >= issued.expires_at:
            raise auth_failure("the access token has expired; ask the token endpoint for a new one")
        if tenant and tenant != issued.tenant:
            raise auth_failure(
                f"the access token was issued for tenant '{excerpt(issued.tenant)}', not '{excerpt(tenant)}'", status=403
            )
        return issued.user

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
            user = self._match("token", token.strip()) or self._issued_user(token.strip(), tenant or tenant_header or None)
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
