"""The official SDK (`cspark` 0.3.3) against a live `spark-tui serve`: export, status, cancel, describe, download."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from cspark.sdk import Client, SparkError

from serve_live import ALICE, Served
from spark_routing import RoutingTransport

SPARK = "https://excel.test.coherent.global"


@pytest.fixture
def sdk(served: Served):
    http = httpx.Client(transport=RoutingTransport(SPARK, served.url), timeout=30)
    client = Client(base_url=f"{SPARK}/acme", token=ALICE.token, logger=False, http_client=http, max_retries=2)
    yield client
    client.close()


def test_exp_runs_the_whole_export_and_downloads_a_verified_package(sdk: Client) -> None:
    downloads = sdk.impex.exp(folders=["synth-0000"], max_retries=40, retry_interval=0.01)
    assert len(downloads) == 1
    package = downloads[0].buffer
    assert package[:2] == b"PK"
    status = sdk.impex.exports.describe().data["recent_exports"][0]
    job = sdk.impex.exports.get_status(job_id=status["id"]).data
    assert job["status"] == "closed"
    assert hashlib.sha256(package).hexdigest() == job["outputs"]["files"][0]["file_hash"]
    assert job["source_system"] == "Spark Python SDK"


def test_initiate_get_status_cancel_describe(sdk: Client) -> None:
    exports = sdk.impex.exports
    created = exports.initiate(services=["synth-0001/service-0000[1.0]"], version_filter="all").data
    assert created["object"] == "export" and created["status"] == "created"
    assert created["status_url"].endswith(f"/acme/api/v4/export/{created['id']}/status")
    described = exports.describe().data
    assert [j["id"] for j in described["in_progress_exports"]] == [created["id"]]
    assert described["tenant"]["status"]["export_api_jobs_in_progress"] == 1
    cancelled = exports.cancel(created["id"]).data
    assert cancelled["id"] == created["id"] and cancelled["status"] == "cancelled"
    with pytest.raises(SparkError) as info:
        exports.get_status(job_id=created["id"], max_retries=1, retry_interval=0.01)
    assert "timed out" in str(info.value)  # the SDK notices only closed/completed


def test_sdk_sees_http_errors_with_their_status(sdk: Client) -> None:
    with pytest.raises(SparkError) as missing:
        sdk.impex.exports.cancel("no-such-job")
    assert missing.value.status == 500 and "INVALID_JOB_ID" in str(missing.value.details)  # as Spark's spec answers
    first = sdk.impex.exports.initiate(folders=["synth-0000"]).data
    with pytest.raises(SparkError) as busy:
        sdk.impex.exports.initiate(folders=["synth-0001"])
    assert busy.value.status == 409 and first["id"] in busy.value.details
    sdk.impex.exports.cancel(first["id"])


def test_download_through_files_resource_and_static_download(sdk: Client) -> None:
    downloads = sdk.impex.exp(folders=["synth-0001"], max_retries=40, retry_interval=0.01)
    job_id = sdk.impex.exports.describe().data["recent_exports"][0]["id"]
    url = sdk.impex.exports.get_status(job_id=job_id).data["outputs"]["files"][0]["file"]
    assert sdk.files.download(url).buffer == downloads[0].buffer
    assert Client.download(url) == downloads[0].buffer  # no auth: the signed link suffices


def test_sdk_import_of_an_exported_package(sdk: Client, served: Served) -> None:
    import io

    served.ws.ensure_tenant("beta")
    served.ws.add_folder("beta", "synth-0000")  # import never creates destination folders
    package = sdk.impex.exp(folders=["synth-0000"], max_retries=40, retry_interval=0.01)[0].buffer
    http = httpx.Client(transport=RoutingTransport(SPARK, served.url), timeout=30)
    beta = Client(base_url=f"{SPARK}/beta", token=ALICE.token, logger=False, http_client=http)
    status = beta.impex.imp(["synth-0000/service-0000", "synth-0000/service-0001"], io.BytesIO(package), max_retries=40, retry_interval=0.01)
    assert status.data["object"] == "import" and status.data["status"] == "closed" and status.data["errors"] is None
    assert len(status.data["outputs"]["service_versions"]) == 2  # the SDK exports only the latest versions
    beta.close()
