"""Import through a live `spark-tui serve` with the remote backend: round trip A → B under new names,
folder API, tenant-wide import status; uploads streamed, size-limited, no temp file left."""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from serve_live import ALICE, BOB, Served

from spark_tui.backends.remote.retry import RetryPolicy
from spark_tui.backends.polling import wait_for_import, wait_for_job
from spark_tui.backends.remote import RemoteBackend
from spark_tui.spark.extensions import ALL_EXTENSIONS
from spark_tui.spark.errors import Code, JobNotFound, JobSlotBusy, ValidationFailed
from spark_tui.spark.import_wire import ImportInputs, ImportRequestEntity, ServiceMapping
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
from spark_tui.spark.values import FileFilter, IfPresent, JobStatus

BETA = "beta"
AUTH = {"Authorization": f"Bearer {ALICE.token}"}
FAST = RetryPolicy(attempts=1, base_s=0.001, cap_s=0.002)


def remote(served: Served, tenant: str = "acme", user=ALICE) -> RemoteBackend:
    return RemoteBackend(served.profile(user, base_url=f"{served.url}/{tenant}", tenant=tenant), retry=FAST)


def renaming(if_present: IfPresent = IfPresent.abort, **targets: str) -> ImportRequestEntity:
    mappings = [ServiceMapping(service_uri_source=f"synth-0000/{s}", service_uri_destination=d) for s, d in targets.items()]
    return ImportRequestEntity(inputs=ImportInputs(services_modify=mappings), services_existing=if_present)


@pytest.fixture
def package(served: Served, tmp_path: Path) -> Path:
    """A migrate package of folder synth-0000 exported through serve and downloaded (verified)."""
    served.ws.ensure_tenant(BETA)
    acme = remote(served)
    job = wait_for_job(acme, acme.submit(ExportRequest(inputs=ExportInputs(folders=["synth-0000"]), file_filter=FileFilter.migrate)).id)
    [download] = acme.download(job, tmp_path)
    return Path(download.path)


def stored_hashes(served: Served, tenant: str, version_id: str) -> dict[str, str]:
    return {f.name: f.sha256 for f in served.ws.version_files(tenant, version_id)}


def test_round_trip_a_to_b_under_another_folder_and_service(served: Served, package: Path) -> None:
    beta = remote(served, BETA)
    assert beta.folder_exists("uat-claims") is False
    folder = beta.create_folder("uat-claims")
    assert folder.name == "uat-claims" and beta.folder_exists("uat-claims")
    uploaded = []
    job = beta.submit_import(package, renaming(**{"service-0000": "uat-claims/fraud-score"}), progress=lambda d, t: uploaded.append((d, t)))
    assert job.status is JobStatus.created and uploaded[-1] == (package.stat().st_size,) * 2
    seen = []
    job = wait_for_import(beta, job, on_update=seen.append)
    assert job.status is JobStatus.closed and job.errors is None and seen[-1] == job
    [service] = job.outputs.services
    assert (service.folder_destination, service.service_destination, service.service_uri_destination, service.status) == (
        "uat-claims", "fraud-score", "uat-claims/fraud-score", "added",
    )
    source_versions = served.ws.list_versions("acme", "synth-0000", "service-0000")
    assert sorted(v.version_id_destination for v in job.outputs.service_versions) == sorted(v.id for v in source_versions)
    for v in job.outputs.service_versions:
        assert v.service_uri_destination == f"uat-claims/fraud-score[{v.version_source}]"
        assert v.service_id_destination == service.service_id_destination and v.version_destination == v.version_source
        assert stored_hashes(served, BETA, v.version_id_destination) == stored_hashes(served, "acme", v.version_id_source)
    with zipfile.ZipFile(package) as zf:  # the bytes of B's files are those of the package
        for v in job.outputs.service_versions:
            for name, sha in stored_hashes(served, BETA, v.version_id_destination).items():
                assert hashlib.sha256(zf.read(f"acme/synth-0000/service-0000/{v.version_source}/{name}")).hexdigest() == sha
    assert [j.id for j in beta.list_imports()] == [job.id]
    assert beta.import_tenant_status().recent_imports[0].data.import_status is JobStatus.closed


def test_create_folder_twice_is_refused_with_spark_code(served: Served) -> None:
    served.ws.ensure_tenant(BETA)
    beta = remote(served, BETA)
    beta.create_folder("uat")
    with pytest.raises(ValidationFailed, match="already exists") as info:
        beta.create_folder("uat")
    assert info.value.errors[0].code == Code.PRODUCT_ALREADY_EXISTS.value


def test_prerequisites_end_the_job_failed_with_every_error(served: Served, package: Path) -> None:
    beta = remote(served, BETA)
    served.ws.add_folder(BETA, "uat")
    job = wait_for_import(beta, beta.submit_import(package, renaming(**{"service-0000": "nowhere/a", "service-0001": "uat/b"})))
    assert job.status is JobStatus.failed
    assert [e.code for e in job.errors] == [Code.FOLDER_NOT_FOUND.value]
    with pytest.raises(ValidationFailed, match="service 'synth-0000/ghost' named in services_modify is not in package.zip") as ghost:
        beta.submit_import(package, renaming(ghost="uat/b"))  # refused on the POST, as Spark does
    assert [e.code for e in ghost.value.errors] == [Code.SERVICE_NOT_FOUND.value]
    assert served.ws.connect().execute("SELECT COUNT(*) FROM services WHERE tenant=?", (BETA,)).fetchone()[0] == 0


def test_import_status_of_another_users_job_is_not_found(served: Served, package: Path) -> None:
    served.ws.add_folder(BETA, "uat")
    beta = remote(served, BETA)
    job = wait_for_import(beta, beta.submit_import(package, renaming(**{"service-0000": "uat/x"})))
    with pytest.raises(JobNotFound, match="import job"):
        remote(served, BETA, BOB).import_status(job.id)


def test_a_second_import_while_one_runs_is_refused(served: Served, package: Path) -> None:
    from spark_tui.engine.import_jobs import ImportJobs
    from spark_tui.engine.jobs import JobManager

    served.ws.add_folder(BETA, "uat")
    # another client's import holds the slot: submitted without a worker, it stays unfinished (no waiting)
    holder = ImportJobs(JobManager(served.ws, spawn=False))
    first = holder.submit(BETA, BOB.name, (), package, renaming(**{"service-0000": "uat/a"}))
    beta = remote(served, BETA)
    with pytest.raises(JobSlotBusy, match=f"import job.*{first.id}"):
        beta.submit_import(package, renaming(**{"service-0001": "uat/b"}))
    assert holder.status(BETA, first.id, BOB.name, ()).status is first.status  # the running one is untouched
    assert served.ws.connect().execute("SELECT COUNT(*) FROM jobs WHERE kind='import'").fetchone()[0] == 1


def test_remote_import_over_the_limit_is_refused_naming_it(served: Served, package: Path) -> None:
    limit = package.stat().st_size - 1
    served.ws.configure_tenant(BETA, size_limit=limit)
    with pytest.raises(ValidationFailed, match=f"limit of {limit} bytes"):
        remote(served, BETA).submit_import(package, renaming(**{"service-0000": "uat/a"}))
    assert list(served.ws.tmp.iterdir()) == []
    assert served.ws.connect().execute("SELECT COUNT(*) FROM jobs WHERE kind='import'").fetchone()[0] == 0


def test_a_chunked_upload_over_the_limit_is_cut_off_while_reading(served: Served) -> None:
    served.ws.ensure_tenant(BETA)
    served.ws.configure_tenant(BETA, size_limit=100_000)
    def body() -> Iterator[bytes]:  # 2 MB of file data, no Content-Length
        yield b'--b\r\nContent-Disposition: form-data; name="importRequestEntity"\r\n\r\n{}\r\n'
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="p.zip"\r\n\r\n'
        for _ in range(32):
            yield os.urandom(64 * 1024)
        yield b"\r\n--b--\r\n"

    headers = {**AUTH, "Content-Type": "multipart/form-data; boundary=b"}
    response = httpx.post(f"{served.url}/{BETA}/api/v4/import", content=body(), headers=headers, timeout=30)
    message = response.json()["message"]  # Spark's own answer: no extensions asked for
    assert (response.status_code, response.json()["code"]) == (500, "EXCEEDED_FILE_SIZE") and "limit of 100000 bytes" in message
    reached = int(re.search(r"reached (\d+) bytes", message).group(1))
    assert 100_000 < reached < 32 * 64 * 1024  # refused mid-stream, not after the whole body
    assert list(served.ws.tmp.iterdir()) == []


def test_a_missing_file_part_is_named(served: Served) -> None:
    served.ws.ensure_tenant(BETA)
    response = httpx.post(f"{served.url}/{BETA}/api/v4/import", data={"importRequestEntity": "{}"},
                          files={"other": ("p.zip", b"PK")}, headers={**AUTH, **ALL_EXTENSIONS}, timeout=30)
    assert response.status_code == 422 and response.json()["errors"][0]["ref"] == "file"
    assert "file form field" in response.json()["message"]
