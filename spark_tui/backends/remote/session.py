"""HTTP to one Spark tenant: credentials, a fresh `x-request-id` per request, retries, one OAuth
refresh on 401, JSON decoding and parsing, and errors mapped to spark-tui's (errors.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from spark_tui.backends.base import redact
from spark_tui.backends.http_answer import REQUEST_ID_HEADER, new_request_id, request_id_of, text_snippet
from spark_tui.backends.remote.errors import error_of, parse, refused
from spark_tui.backends.remote.oauth import ClientCredentials, token_endpoint
from spark_tui.backends.remote.retry import RetryPolicy
from spark_tui.backends.transport import LazyTLSTransport
from spark_tui.config import Profile
from spark_tui.spark.errors import BackendUnavailable, ConfigError
from spark_tui.spark.extensions import ALL_EXTENSIONS
from spark_tui.spark.export_wire import JobAccepted


class Session:
    """Requests of one profile to Spark at `root` (the origin of the v1 routes) for `tenant`."""

    def __init__(
        self,
        profile: Profile,
        root: str,
        tenant: str,
        *,
        transport: httpx.BaseTransport | None,
        retry: RetryPolicy | None,
        timeout_s: float,
    ) -> None:
        self.profile = profile.name
        self.root, self.tenant = root, tenant
        self.retry = retry or RetryPolicy()
        self.client = httpx.Client(transport=transport or LazyTLSTransport(), timeout=timeout_s, follow_redirects=True)
        self.token = profile.token
        self._api_key = profile.api_key
        self.oauth: ClientCredentials | None = None
        if profile.client_id and profile.client_secret:
            url = profile.token_url or token_endpoint(root, tenant)
            self.oauth = ClientCredentials(profile.client_id, profile.client_secret, url, self._post_form)
        if not (self.token or self._api_key or self.oauth):
            raise ConfigError(
                f"profile '{profile.name}' has no credentials; set token, api_key or client_id + client_secret"
            )

    def _auth_headers(self) -> dict[str, str]:
        headers = {"x-tenant-name": self.tenant}
        if self.oauth is not None:
            headers["Authorization"] = f"Bearer {self.oauth.token()}"
        elif self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        else:
            headers["x-synthetic-key"] = str(self._api_key)
        return headers

    def _post_form(self, url: str, form: dict[str, str]) -> httpx.Response:
        return self.send("POST", url, data=form, auth=False, raise_for_status=False)

    def _unreachable(self, url: str, exc: Exception) -> BackendUnavailable:
        reason = type(exc).__name__ + (f": {exc}" if str(exc) else "")
        return BackendUnavailable(
            f"cannot reach Spark at {redact(url)} ({reason}); check base_url of profile '{self.profile}' and the network"
        )

    def send(
        self, method: str, url: str, *, auth: bool = True, raise_for_status: bool = True, stream: bool = False,
        headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """One request with retries, one OAuth refresh on 401, and errors mapped to spark errors."""
        refreshed = False
        retry = 0
        extra = headers or {}
        while True:
            headers = {**(self._auth_headers() if auth else {}), REQUEST_ID_HEADER: new_request_id(), **ALL_EXTENSIONS, **extra}
            request = self.client.build_request(method, url, headers=headers, **kwargs)
            try:
                response = self.client.send(request, stream=stream)
            except httpx.TransportError as exc:
                if retry + 1 < self.retry.attempts and self.retry.should_retry(method, error=exc):
                    self.retry.sleep(self.retry.wait_for(retry, None))
                    retry += 1
                    continue
                raise self._unreachable(url, exc).with_request_id(headers[REQUEST_ID_HEADER]) from None
            status = response.status_code
            if status == 401 and auth and self.oauth is not None and not refreshed:
                response.close()
                self.oauth.invalidate()
                refreshed = True
                continue
            if status >= 400 and retry + 1 < self.retry.attempts and self.retry.should_retry(method, status=status):
                response.close()
                self.retry.sleep(self.retry.wait_for(retry, response))
                retry += 1
                continue
            if status >= 400 and raise_for_status:
                if stream:
                    response.read()
                raise error_of(response, url, self.profile, self.tenant).with_request_id(request_id_of(response))
            return response

    def decode(self, response: httpx.Response, url: str) -> Any:
        """The JSON of an answer; an answer that is not JSON (e.g. a login page) is an error."""
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("content-type", "no content type").split(";")[0]
            raise BackendUnavailable(
                f"Spark at {redact(url)} answered HTTP {response.status_code} with {kind} instead of JSON: "
                f"{text_snippet(response) or '(empty body)'}; check base_url of profile '{self.profile}'"
            ).with_request_id(request_id_of(response)) from None

    def call(self, model: Any, what: str, method: str, url: str, **kwargs: Any) -> Any:
        """One request whose JSON answer is parsed as `model`; errors quote the x-request-id."""
        response = self.send(method, url, **kwargs)
        request_id = request_id_of(response)
        parsed = parse(model, self.decode(response, url), what, request_id)
        refusal = getattr(parsed, "refusal", None)
        if refusal is not None:
            raise refused(refusal, url, self.profile).with_request_id(request_id)
        return parsed

    def job_or_accepted(self, job_model: Any, method: str, url: str, **kwargs: Any) -> Any:
        """The job (`job_model`, e.g. ExportJob) a POST/PATCH answers with, or a JobAccepted when
        the answer is only `{id, object, status_url}` (no status): the caller then reads the status."""
        response = self.send(method, url, **kwargs)
        raw = self.decode(response, url)
        model = job_model if isinstance(raw, dict) and "status" in raw else JobAccepted
        return parse(model, raw, f"answer to {method}", request_id_of(response))

    def same_origin(self, url: str) -> bool:
        a, b = urlsplit(url), urlsplit(self.root)
        return (a.scheme, a.netloc) == (b.scheme, b.netloc)

    def close(self) -> None:
        self.client.close()
