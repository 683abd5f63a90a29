"""The embedded backend over the demo tenant: browsing, preview, jobs, verified download, import."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import pytest

from spark_tui.backends.embedded import EmbeddedBackend
from spark_tui.engine.demo import (
    DEMO_TENANT,
    EMPTY_FOLDER,
    RESTRICTED_FOLDER,
    RESTRICTED_GROUP,
    XCONNECTOR_FOLDER,
    XCONNECTOR_SERVICE,
    ensure_demo,
)
from spark_tui.engine.store import Workspace
from spark_tui.engine.worker import run_job
from spark_tui.spark.errors import BadPackage, Code, JobNotFound, ValidationFailed
from spark_tui.spark.import_wire import ImportInputs, ImportRequestEntity, ServiceMapping
from spark_tui.spark.export_wire import ExportInputs, ExportJob, ExportRequest
from spark_tui.spark.values import FolderInfo, IfPresent, JobStatus, ServiceInfo

USER = "me@example.com"
GROUPS = ("supervisor:pf",)
SMALL = ExportRequest(inputs=ExportInputs(services=["insurance-pricing/home-premium[1.1]"]), file_name="home")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ensure_demo(Workspace(tmp_path / "ws"))
    return tmp_path / "ws"


@pytest.fixture
def backend(workspace: Path) -> EmbeddedBackend:
    backend = EmbeddedBackend(workspace, DEMO_TENANT, USER, GROUPS, profile="test", spawn=False)
    yield backend
    backend.close()


def closed_job(backend: EmbeddedBackend, request: ExportRequest = SMALL) -> ExportJob:
    job = backend.submit(request)
    assert run_job(backend.ws, job.id) is JobStatus.closed
    return backend.status(job.id)


def test_info_names_profile_workspace_tenant_and_user(backend: EmbeddedBackend, workspace: Path) -> None:
    info = backend.info
    assert (info.profile, info.kind, info.tenant, info.user, info.groups) == ("test", "embedded", DEMO_TENANT, USER, GROUPS)
    assert info.location == str(workspace.resolve())


def test_list_folders_pages_and_marks_restricted(backend: EmbeddedBackend) -> None:
    page = backend.list_folders(page=1, page_size=2)
    assert page.total == 5 and page.has_more and len(page.items) == 2
    every = backend.list_folders().items
    assert all(isinstance(f, FolderInfo) for f in every)
    restricted = next(f for f in every if f.name == RESTRICTED_FOLDER)
    assert restricted.required_group == RESTRICTED_GROUP and not restricted.accessible


def test_list_services_and_versions(backend: EmbeddedBackend) -> None:
    page = backend.list_services(XCONNECTOR_FOLDER)
    assert all(isinstance(s, ServiceInfo) for s in page.items) and page.total == len(page.items) == 3
    assert not next(s for s in page.items if s.name == XCONNECTOR_SERVICE).exportable
    versions = backend.list_versions("insurance-pricing", "travel-quote")
    assert [v.version for v in versions] == ["3.20.1", "3.2.7", "3.2.0"]


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda b: b.list_services("no-such-folder"), Code.FOLDER_NOT_FOUND),
        (lambda b: b.list_services(RESTRICTED_FOLDER), Code.ACCESS_DENIED),
        (lambda b: b.list_versions(RESTRICTED_FOLDER, "medical-rating"), Code.ACCESS_DENIED),
        (lambda b: b.list_versions("claims", "no-such-service"), Code.SERVICE_NOT_FOUND),
    ],
    ids=["unknown-folder", "restricted-services", "restricted-versions", "unknown-service"],
)
def test_browsing_errors_name_the_reference(backend: EmbeddedBackend, call, code: Code) -> None:
    with pytest.raises(ValidationFailed) as info:
        call(backend)
    assert info.value.errors[0].code == code.value


def test_preview_shows_the_selection(backend: EmbeddedBackend) -> None:
    preview = backend.preview(SMALL)
    assert preview.errors == []
    assert [v.version_source for v in preview.service_versions] == ["1.1.0"]
    assert preview.projected_bytes == sum(f.size for f in preview.files) > 0
    assert preview.size_limit == Workspace(backend.ws.root).tenant_config(DEMO_TENANT).size_limit


def test_preview_reports_every_error(backend: EmbeddedBackend) -> None:
    request = ExportRequest(inputs=ExportInputs(folders=[EMPTY_FOLDER], services=[f"{XCONNECTOR_FOLDER}/{XCONNECTOR_SERVICE}"]))
    preview = backend.preview(request)
    assert {e.code for e in preview.errors} == {Code.FOLDER_EMPTY.value, Code.NO_COMPILED_MODULE.value}
    assert preview.service_versions == [] and preview.projected_bytes == 0


def test_jobs_through_the_backend(backend: EmbeddedBackend) -> None:
    job = backend.submit(SMALL)
    assert [j.id for j in backend.list_jobs()] == [job.id]
    assert backend.tenant_status().in_progress_exports[0].id == job.id
    assert backend.cancel(job.id).status is JobStatus.cancelled
    assert backend.status(job.id).status is JobStatus.cancelled
    assert backend.tenant_status().recent_exports[0].data.export_status is JobStatus.cancelled


def test_download_is_a_verified_copy(backend: EmbeddedBackend, tmp_path: Path) -> None:
    job = closed_job(backend)
    dest = tmp_path / "out"
    dest.mkdir()
    seen: list[tuple[int, int]] = []
    [download] = backend.download(job, dest, progress=lambda done, total: seen.append((done, total)))
    path = Path(download.path)
    assert path == dest / "home.zip" and download.verified
    assert download.sha256 == job.outputs.files[0].file_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert download.bytes == path.stat().st_size == seen[-1][0] == seen[-1][1]
    assert [p.name for p in dest.iterdir()] == ["home.zip"]


def test_download_refuses_a_corrupted_package_and_keeps_nothing(backend: EmbeddedBackend, tmp_path: Path) -> None:
    job = closed_job(backend)
    package = backend.jobs.package_path(DEMO_TENANT, job.id, USER, GROUPS)
    data = bytearray(package.read_bytes())
    data[len(data) // 2] ^= 0xFF
    package.write_bytes(bytes(data))
    with pytest.raises(BadPackage, match="SHA-256"):
        backend.download(job, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws"]


def test_download_cancelled_keeps_nothing(backend: EmbeddedBackend, tmp_path: Path) -> None:
    job = closed_job(backend)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(InterruptedError):
        backend.download(job, tmp_path, cancel=cancel)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws"]


def test_download_errors(backend: EmbeddedBackend, tmp_path: Path) -> None:
    job = closed_job(backend)
    with pytest.raises(ValidationFailed, match="does not exist"):
        backend.download(job, tmp_path / "missing")
    other = backend.submit(SMALL)
    with pytest.raises(JobNotFound):
        backend.download(other, tmp_path)


def test_load_package_into_another_tenant(backend: EmbeddedBackend, workspace: Path, tmp_path: Path) -> None:
    job = closed_job(backend)
    [download] = backend.download(job, tmp_path)
    target = EmbeddedBackend(workspace, "copy", USER, GROUPS, spawn=False)
    result = target.load_package(Path(download.path), if_present=IfPresent.abort)
    assert result.tenant == "copy" and [s.service_uri_destination for s in result.services] == ["insurance-pricing/home-premium"]
    [version] = target.list_versions("insurance-pricing", "home-premium")
    assert version.id == job.outputs.service_versions[0].version_id_source
    target.close()


def test_import_job_into_a_created_folder(backend: EmbeddedBackend, tmp_path: Path) -> None:
    job = closed_job(backend)
    [download] = backend.download(job, tmp_path)
    assert backend.folder_exists("uat") is False
    folder = backend.create_folder("uat")
    assert backend.folder_exists("uat") and folder.name == "uat"
    assert backend.ws.folder(DEMO_TENANT, "uat")["created_by"] == USER
    with pytest.raises(ValidationFailed, match="already exists") as exists:
        backend.create_folder("uat")
    assert exists.value.errors[0].code == Code.PRODUCT_ALREADY_EXISTS.value
    with pytest.raises(ValidationFailed, match="invalid folder name"):
        backend.create_folder("a/b")
    copied = []
    request = ImportRequestEntity(inputs=ImportInputs(services_modify=[
        ServiceMapping(service_uri_source="insurance-pricing/home-premium", service_uri_destination="uat/home"),
    ]))
    created = backend.submit_import(Path(download.path), request, progress=lambda d, t: copied.append((d, t)))
    assert created.status is JobStatus.created and copied[-1] == (Path(download.path).stat().st_size,) * 2
    assert run_job(backend.ws, created.id) is JobStatus.closed
    imported = backend.import_status(created.id)
    assert imported.outputs.services[0].service_uri_destination == "uat/home"
    assert [j.id for j in backend.list_imports()] == [created.id]
    assert [v.version for v in backend.list_versions("uat", "home")] == ["1.1.0"]


def test_import_of_a_missing_file_is_refused(backend: EmbeddedBackend, tmp_path: Path) -> None:
    with pytest.raises(BadPackage, match="does not exist"):
        backend.submit_import(tmp_path / "none.zip", ImportRequestEntity())


def test_spawned_export_reaches_closed(workspace: Path) -> None:
    backend = EmbeddedBackend(workspace, DEMO_TENANT, USER, GROUPS)
    job = backend.submit(SMALL)
    deadline = time.monotonic() + 30
    while not (job := backend.status(job.id)).status.is_terminal:
        assert time.monotonic() < deadline, "the worker did not finish within 30 s"
        time.sleep(0.05)
    assert job.status is JobStatus.closed, job.errors
    for worker in list(backend.jobs._children.values()):  # it exits just after it marked the job closed
        worker.wait(30)
    backend.close()


def test_unknown_tenant_is_an_error_naming_the_known_ones(tmp_path: Path) -> None:
    from spark_tui.spark.errors import UnknownTenant

    ws = Workspace(tmp_path)
    ws.ensure_tenant("uat")
    backend = EmbeddedBackend(tmp_path, "nosuch", "me@example.com", ())
    for call in (backend.list_folders, backend.tenant_status, backend.list_jobs):
        with pytest.raises(UnknownTenant, match=r"tenant 'nosuch' does not exist .*\(tenants: uat\)$") as info:
            call()
        assert info.value.tenant == "nosuch" and info.value.http_status == 404 and info.value.exit_code == 2


def test_creating_a_folder_creates_a_tenant_the_workspace_lacks(workspace: Path) -> None:
    fresh = EmbeddedBackend(workspace, "uat", USER, GROUPS, spawn=False)
    with pytest.raises(ValidationFailed, match="tenant 'uat' does not exist"):
        fresh.list_folders()
    fresh.create_folder("pricing")
    assert [f.name for f in fresh.list_folders().items] == ["pricing"]
    fresh.close()


def test_whoami_is_the_profile_and_own_jobs_are_its_own(backend: EmbeddedBackend) -> None:
    caller = backend.whoami()
    assert (caller.user, caller.groups, caller.source) == (USER, GROUPS, "profile")
    assert backend.submitted_ids == frozenset()
    job = backend.submit(SMALL)
    assert backend.submitted_ids == {job.id}
    assert backend.is_own(job.id, None) and backend.is_own("other-job", USER)
    assert not backend.is_own("other-job", "someone@example.com")
