"""OAuth2 client-credentials grant: a bearer token fetched on demand and cached until it expires."""

from __future__ import annotations

import re
import threading
import time
from typing import Callable
from urllib.parse import urlsplit

import httpx

from spark_tui.backends.http_answer import request_id_of, server_message
from spark_tui.spark.errors import AuthError

_SPARK_HOST = re.compile(r"^[^.]+\.((?:[^.]+\.)?[^.]+)\.coherent\.global$", re.IGNORECASE)
EXPIRY_MARGIN_S = 30.0


def token_endpoint(origin: str, tenant: str) -> str:
    """The Keycloak token URL the official SDK derives from a base URL:
    `https://keycloak.{env}.coherent.global/auth/realms/{tenant}/protocol/openid-connect/token`
    (for other hosts, the same path under the base URL's origin)."""
    parts = urlsplit(origin)
    host = parts.hostname or ""
    if match := _SPARK_HOST.match(host):
        origin = f"https://keycloak.{match.group(1)}.coherent.global"
    return f"{origin.rstrip('/')}/auth/realms/{tenant}/protocol/openid-connect/token"


class ClientCredentials:
    """Holds the client secret privately; `repr` and errors name only the client id and URL."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        token_url: str,
        post: Callable[[str, dict[str, str]], httpx.Response],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client_id = client_id
        self._secret = client_secret
        self.token_url = token_url
        self._post = post
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r}, token_url={self.token_url!r})"

    def token(self) -> str:
        """A valid access token, fetched when none is cached or the cached one has expired."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                self._fetch()
            assert self._token is not None
            return self._token

    def invalidate(self) -> None:
        """Forget the cached token (the server refused it); the next `token()` fetches a new one."""
        with self._lock:
            self._token = None

    def _fetch(self) -> None:
        form = {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self._secret}
        response = self._post(self.token_url, form)
        request_id = request_id_of(response)
        if response.status_code >= 400:
            raise AuthError(
                f"OAuth2 token endpoint {self.token_url} refused client '{self.client_id}' "
                f"(HTTP {response.status_code}: {server_message(response)[0]}); "
                "check client_id/client_secret or token_url of the profile"
            ).with_request_id(request_id)
        try:
            body = response.json()
            token = str(body["access_token"])
            expires_in = float(body.get("expires_in") or 300)
        except (ValueError, KeyError, TypeError):
            raise AuthError(
                f"OAuth2 token endpoint {self.token_url} answered without an access_token"
            ).with_request_id(request_id) from None
        self._token = token
        self._expires_at = self._clock() + max(1.0, expires_in - min(EXPIRY_MARGIN_S, expires_in / 2))
