"""The official `cspark` 0.3.3 SDK and CLI against a live `spark-tui serve`: import with renaming,
import status and describe, folders create and exists (through an httpx routing transport)."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from cspark.cli._main import main as cspark_main
from cspark.cli._commands import _folders, _impex
from cspark.sdk import Client, SparkError

from serve_live import ALICE, BOB, Served
from spark_routing import RoutingTransport

SPARK = "https://excel.test.coherent.global"
SOURCE = "synth-0000/service-0000"


def sdk_client(served: Served, tenant: str, token: str = ALICE.token) -> Client:
    http = httpx.Client(transport=RoutingTransport(SPARK, served.url), timeout=30)
    return Client(base_url=f"{SPARK}/{tenant}", token=token, logger=False, http_client=http, max_retries=40, retry_interval=0.05)


@pytest.fixture
def package(served: Served) -> bytes:
    """A migrate export of folder synth-0000 (all versions) from tenant acme."""
    with sdk_client(served, "acme") as acme:
        return acme.impex.exp(folders=["synth-0000"], version_filter="all", max_retries=40, retry_interval=0.01)[0].buffer


@pytest.fixture
def beta(served: Served):
    served.ws.ensure_tenant("beta")
    client = sdk_client(served, "beta")
    yield client
    client.close()


def test_sdk_import_renames_into_a_created_folder(served: Served, beta: Client, package: bytes) -> None:
    assert beta.folders.exists("uat-claims") is False
    created = beta.folders.create("uat-claims").data
    assert created["status"] == "Success" and created["data"]["name"] == "uat-claims"
    assert beta.folders.exists("uat-claims") is True
    status = beta.impex.imp({"source": SOURCE, "target": "uat-claims/fraud-score"}, io.BytesIO(package)).data
    assert status["status"] == "closed" and status["errors"] is None
    [service] = status["outputs"]["services"]
    assert service["service_uri_destination"] == "uat-claims/fraud-score" and service["status"] == "added"
    assert service["folder_destination"] == "uat-claims" and service["service_id_destination"]
    versions = status["outputs"]["service_versions"]
    assert len(versions) == 2 and [v["service_uri_destination"] for v in versions] == [
        f"uat-claims/fraud-score[{v['version_source']}]" for v in versions
    ]
    assert all(v["version_id_destination"] == v["version_id_source"] for v in versions)
    described = beta.impex.imports.describe().data
    assert [j["id"] for j in described["recent_imports"]] == [status["id"]]
    assert beta.impex.imports.get_status(job_id=status["id"]).data["outputs"] == status["outputs"]


def test_sdk_sees_an_existing_folder_as_conflict(beta: Client) -> None:
    beta.folders.create("uat")
    with pytest.raises(SparkError) as info:
        beta.folders.create("uat")
    assert info.value.status == 409 and "already exists" in info.value.message


def test_sdk_import_into_a_missing_folder_ends_failed_with_the_error(served: Served, beta: Client, package: bytes) -> None:
    created = beta.impex.imports.initiate({"source": SOURCE, "target": "nowhere/x"}, io.BytesIO(package)).data
    assert set(created) == {"id", "object", "status_url"} and created["object"] == "import"  # Spark's POST answer
    with httpx.Client(headers={"Authorization": f"Bearer {ALICE.token}"}) as http:
        job = wait_until(lambda: http.get(created["status_url"]).json(), lambda j: j["status"] not in ("created", "in_progress"))
    assert job["status"] == "failed" and job["errors"][0]["code"] == "FOLDER_NOT_FOUND"
    assert "destination folder 'nowhere'" in job["errors"][0]["message"]


def wait_until(read, done, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not done(value := read()):
        assert time.monotonic() < deadline, f"still {value}"
        time.sleep(0.02)
    return value


# --- the CLI ---------------------------------------------------------------------------------------


class _Profile:
    """Stands in for the CLI's active profile (~/.cspark/profiles.yml)."""

    def __init__(self, tenant: str) -> None:
        self.config = dict(base_url=f"{SPARK}/{tenant}", token=ALICE.token, max_retries=40, retry_interval=0.05, logger=False)

    def to_config(self) -> dict:
        return dict(self.config)


@pytest.fixture
def cspark(served: Served, monkeypatch: pytest.MonkeyPatch):
    """Run `cspark ARGS` in process against tenant beta of the served workspace; (exit code, stdout json)."""
    served.ws.ensure_tenant("beta")

    def routed_client(**config) -> Client:
        http = httpx.Client(transport=RoutingTransport(SPARK, served.url), timeout=30)
        return Client(**config, http_client=http)

    for module in (_impex, _folders):
        monkeypatch.setattr(module, "get_active_profile", lambda: _Profile("beta"))
        monkeypatch.setattr(module, "Client", routed_client)

    def run(*args: str) -> tuple[int, object]:
        result = CliRunner().invoke(cspark_main, list(args), catch_exceptions=False)
        try:
            return result.exit_code, json.loads(result.stdout)
        except ValueError:
            return result.exit_code, result.output

    return run


def test_cli_folders_import_status_describe(cspark, package: bytes, tmp_path: Path) -> None:
    path = tmp_path / "package.zip"
    path.write_bytes(package)
    assert cspark("folders", "exists", "uat-claims") == (1, False)  # the CLI prints false and exits 1
    code, created = cspark("folders", "create", "uat-claims")
    assert code == 0 and created["status"] == "Success", created
    assert cspark("folders", "exists", "uat-claims") == (0, True)
    code, job = cspark("import", "run", str(path), "-d", f"{SOURCE}=uat-claims/fraud-score")
    assert code == 0 and job["status"] == "closed", job
    assert job["outputs"]["services"][0]["service_uri_destination"] == "uat-claims/fraud-score"
    code, again = cspark("import", "status", job["id"])
    assert code == 0 and again["id"] == job["id"] and again["status"] == "closed"
    code, described = cspark("import", "describe")
    assert code == 0 and described["recent_imports"][0]["id"] == job["id"]
    assert described["tenant"]["configuration"]["import_api_job_limit"] == 1


def test_cli_if_present_skip_is_refused_naming_the_valid_values(cspark, package: bytes, tmp_path: Path) -> None:
    path = tmp_path / "package.zip"
    path.write_bytes(package)
    code, output = cspark("import", "run", str(path), "-d", SOURCE, "--if-present", "skip")
    assert code == 1 and "422" in str(output)


def test_import_jobs_are_private_to_their_user(served: Served, beta: Client, package: bytes) -> None:
    beta.folders.create("synth-0000")
    job = beta.impex.imp(SOURCE, io.BytesIO(package)).data
    with sdk_client(served, "beta", BOB.token) as bob:
        with pytest.raises(SparkError) as info:
            bob.impex.imports.get_status(job_id=job["id"], max_retries=1)
        assert info.value.status == 500 and "INVALID_JOB_ID" in str(info.value.details)  # as Spark's spec answers
        assert bob.impex.imports.describe().data["recent_imports"] == []
