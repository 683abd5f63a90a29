"""Hybrid Runner upload against a local stand-in that answers as the SDK documents."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

from runner_standin import runner_app
from spark_tui.promotion.hybrid_runner import Runner, RunnerRefused, push
from spark_tui.spark.errors import BackendUnavailable, ValidationFailed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import LiveServer  # noqa: E402


@pytest.fixture
def runner(request: pytest.FixtureRequest) -> Iterator[tuple[str, object]]:
    app = runner_app(getattr(request, "param", "ok"))
    with LiveServer(app) as server:
        yield server.url, app


def test_upload_lists_every_version(runner, fixture_zip: Path) -> None:
    url, app = runner
    record = push(fixture_zip, Runner(url))
    assert record.uploaded == ["my-folder/volume-cylinder[0.1.0]"] and record.tenant == "fieldengineering"
    assert record.url == url and app.state.uploads == ["volume-cylinder.zip"]
    assert record.runner_version == "1.31.2" and app.state.tenants == ["fieldengineering"]  # the package's tenant


def test_a_tenant_in_the_runner_url_is_sent_as_the_sdk_sends_it(runner, fixture_zip: Path) -> None:
    url, app = runner
    assert push(fixture_zip, Runner(f"{url}/acme/")).uploaded
    assert app.state.tenants == ["acme"]  # posted to {origin}/api/v3/upload with x-tenant-name


@pytest.mark.parametrize("runner, phrase", [
    ("unhealthy", r"is not ready: GET /healthcheck answered HTTP 503: .*models not loaded"),
    ("no_version", r"answered GET /version without a version"),
], indirect=["runner"])
def test_an_unready_runner_gets_no_upload(runner, phrase: str, fixture_zip: Path) -> None:
    url, app = runner
    with pytest.raises(RunnerRefused, match=phrase):
        push(fixture_zip, Runner(url))
    assert app.state.uploads == []


@pytest.mark.parametrize("runner", ["drop_one"], indirect=True)
def test_an_answer_missing_a_version_is_an_error(runner, fixture_zip: Path) -> None:
    with pytest.raises(RunnerRefused, match=r"did not list 1 uploaded version\(s\): my-folder/volume-cylinder\[0.1.0\]"):
        push(fixture_zip, Runner(runner[0]))


@pytest.mark.parametrize("runner", ["error"], indirect=True)
def test_a_refusal_shows_the_runners_message(runner, fixture_zip: Path) -> None:
    with pytest.raises(RunnerRefused, match="HTTP 400: .*UPLOAD_ENABLED is false"):
        push(fixture_zip, Runner(runner[0]))


def test_unreachable_runner(fixture_zip: Path) -> None:
    with pytest.raises(BackendUnavailable, match="cannot reach the Hybrid Runner at http://127.0.0.1:9/api/v3/upload"):
        push(fixture_zip, Runner("http://127.0.0.1:9"))


def test_bad_url(fixture_zip: Path) -> None:
    with pytest.raises(ValidationFailed, match="'ftp://x' is not an http"):
        push(fixture_zip, Runner("ftp://x"))


def test_a_token_is_sent_as_bearer_and_a_refusal_names_the_token(fixture_zip: Path) -> None:
    with LiveServer(runner_app(token="s3cret-runner-token")) as server:
        assert push(fixture_zip, Runner(server.url, "s3cret-runner-token")).uploaded
        with pytest.raises(RunnerRefused, match=r"refused the credentials \(HTTP 401: Unauthorized\); give the runner a token") as exc:
            push(fixture_zip, Runner(server.url))
        with pytest.raises(RunnerRefused, match="check the runner profile's token") as wrong:
            push(fixture_zip, Runner(server.url, "wrong-token-value"))
    assert "wrong-token" not in str(wrong.value) and "s3cret" not in str(exc.value)
