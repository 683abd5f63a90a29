"""Upload an `onpremises` package to a Hybrid Runner (`POST {runner}/api/v3/upload`, multipart `file`).

A runner is a URL (`--push-runner URL`) or a `backend = "runner"` profile (URL plus an optional
bearer token, sent as `Authorization: Bearer …`). As the SDK's `cspark.wasm` client reads it, a
path segment of the URL names the tenant (`http://localhost:3000/acme`), sent as `x-tenant-name`;
without one, the package's own tenant is sent. The routes hang off the URL's origin.

Before uploading, the runner's `GET /healthcheck` must answer and `GET /version` name a version
(recorded in the receipt). The upload answer must list every version of the package (by version
id, or folder/service/version); anything else is an error naming what is missing. The file is
streamed, never read into memory.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
from pydantic import ValidationError

from spark_tui.backends.base import redact
from spark_tui.backends.http_answer import server_message
from spark_tui.config import AppConfig
from spark_tui.spark.package_format import PackageKind, open_package
from spark_tui.spark.errors import BackendUnavailable, Code, ValidationFailed
from spark_tui.spark.export_wire import ApiError
from spark_tui.spark.values import iso, utc_now
from spark_tui.spark.promotion_wire import RunnerUpload
from spark_tui.spark.hybrid_runner_wire import RunnerUploadAnswer, RunnerVersion
from spark_tui.spark.uri import service_uri

UPLOAD_TIMEOUT_S = 600.0
HEALTH_TIMEOUT_S = 10.0


class RunnerRefused(BackendUnavailable):
    """The runner refused the upload or did not list every uploaded version (exit 3)."""


@dataclass(frozen=True)
class Runner:
    """Where to upload: the runner's base URL, its token, and the profile it came from."""

    url: str
    token: str | None = field(default=None, repr=False)
    profile: str = "runner"


def resolve_runner(config: AppConfig, name_or_url: str) -> Runner:
    """`--push-runner`/`--promote-to` value → Runner: an http(s) URL, or a `backend = "runner"` profile."""
    if "://" in name_or_url:  # a URL (upload_url refuses one that is not http(s))
        upload_url(name_or_url)
        return Runner(name_or_url.rstrip("/"))
    profile = config.profile(name_or_url)  # ConfigError: unknown or unusable profile
    if profile.backend != "runner":
        raise ValidationFailed.of([ApiError(code=Code.INVALID_VALUE.value, ref=name_or_url, message=(
            f"profile '{name_or_url}' is a {profile.backend} profile, not a Hybrid Runner; give a runner URL "
            "or a profile with backend = \"runner\""))])
    assert profile.base_url is not None
    return Runner(profile.base_url, profile.token, profile.name)


def is_runner_profile(config: AppConfig, name: str) -> bool:
    found = config.profiles.get(name)
    return found is not None and found.backend == "runner"


def runner_origin(runner: str) -> tuple[str, str | None]:
    """(origin, tenant) of a runner URL as the SDK splits it: the first path segment is the tenant."""
    parts = urlsplit(runner.rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationFailed.of([ApiError(code=Code.INVALID_VALUE.value, ref=runner, message=(
            f"runner URL '{runner}' is not an http(s) URL; give the runner's base URL, e.g. http://localhost:3000"))])
    segments = [s for s in parts.path.split("/") if s]
    return f"{parts.scheme}://{parts.netloc}", unquote(segments[0]) if segments else None


def upload_url(runner: str) -> str:
    return f"{runner_origin(runner)[0]}/api/v3/upload"


def push(path: Path, runner: Runner, *, client: httpx.Client | None = None) -> RunnerUpload:
    """Upload the package at `path` and check the runner's answer; the record for a receipt."""
    origin, url_tenant = runner_origin(runner.url)
    url = f"{origin}/api/v3/upload"
    with open_package(path) as pkg:
        if pkg.kind is not PackageKind.onpremises:
            raise ValidationFailed.of([ApiError(code=Code.BAD_PACKAGE.value, ref=str(path), message=(
                f"package '{pkg.name}' is a migrate export; a Hybrid Runner takes onpremises packages "
                "(export with --file-filter onpremises)"))])
        wanted = {v.version_id: service_uri(v.folder, v.service, v.version) for v in pkg.versions}
        tenant = url_tenant or pkg.tenant
    request_id = str(uuid.uuid4())
    owned = client is None
    client = client or httpx.Client(timeout=httpx.Timeout(UPLOAD_TIMEOUT_S, connect=10.0))
    try:
        version = _check_runner(client, origin, runner, request_id)
        with open(path, "rb") as f:
            response = client.post(url, files={"file": (Path(path).name, f, "application/zip")},
                                   headers={**_headers(runner, request_id), "x-tenant-name": tenant})
    except httpx.HTTPError as exc:
        raise BackendUnavailable(f"cannot reach the Hybrid Runner at {redact(url)}: {exc}") from None
    finally:
        if owned:
            client.close()
    if response.status_code in (401, 403):
        hint = "check the runner profile's token" if runner.token else "give the runner a token (token_env in a runner profile)"
        raise RunnerRefused(
            f"the Hybrid Runner at {redact(url)} refused the credentials (HTTP {response.status_code}: "
            f"{server_message(response)[0]}); {hint} (x-request-id {request_id})")
    if response.status_code >= 400:
        raise RunnerRefused(
            f"the Hybrid Runner at {redact(url)} answered HTTP {response.status_code}: {response.text[:300].strip()} "
            f"(x-request-id {request_id})")
    try:
        answer = RunnerUploadAnswer.model_validate_json(response.content)
    except ValidationError:
        raise RunnerRefused(
            f"the Hybrid Runner at {redact(url)} answered something that is not an upload result: "
            f"{response.text[:200].strip()!r}") from None
    listed = {s.version_id for s in answer.services} | {s.uri for s in answer.services}
    missing = sorted(uri for vid, uri in wanted.items() if vid not in listed and uri not in listed)
    if missing:
        raise RunnerRefused(
            f"the Hybrid Runner at {redact(url)} did not list {len(missing)} uploaded version(s): {', '.join(missing)}")
    answered = next((t.tenant for t in answer.response_data or [] if t.tenant), None)
    return RunnerUpload(url=redact(runner.url), tenant=answered, uploaded=sorted(wanted.values()), timestamp=iso(utc_now()),
                        runner_version=version)


def _check_runner(client: httpx.Client, origin: str, runner: Runner, request_id: str) -> str:
    """The runner's version, once `GET /healthcheck` and `GET /version` both answered (RunnerRefused if not)."""
    for route in ("healthcheck", "version"):
        url = f"{origin}/{route}"
        response = client.get(url, headers=_headers(runner, request_id), timeout=HEALTH_TIMEOUT_S)
        if response.status_code >= 400:
            raise RunnerRefused(
                f"the Hybrid Runner at {redact(origin)} is not ready: GET /{route} answered HTTP {response.status_code}: "
                f"{response.text[:200].strip()} (x-request-id {request_id}); check the runner and its URL")
    try:
        answer = RunnerVersion.model_validate_json(response.content)
    except ValidationError:
        answer = RunnerVersion()
    if not answer.version:
        raise RunnerRefused(
            f"the Hybrid Runner at {redact(origin)} answered GET /version without a version: {response.text[:200].strip()!r}; "
            "check that the URL points at a Hybrid Runner")
    return answer.version


def _headers(runner: Runner, request_id: str) -> dict[str, str]:
    headers = {"x-request-id": request_id}
    if runner.token:
        headers["Authorization"] = f"Bearer {runner.token}"
    return headers
