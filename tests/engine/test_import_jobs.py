"""Spark's import as a workspace job: mappings, prerequisites, all-or-nothing, slots, visibility, restarts."""

from __future__ import annotations

import errno
import os
import tempfile
import uuid
from pathlib import Path

import pytest
from importspace import (
    DEST,
    LOCKED,
    LOCKED_GROUP,
    TARGET,
    blob_count,
    exported,
    mapping,
    request,
    run_import,
    source_and_target,
)
from jobspace import OTHER, SUPERVISOR, TENANT, USER, job_row, leftovers

from spark_tui.engine import blob_stage
from spark_tui.engine.import_jobs import ImportJobs
from spark_tui.engine.jobs import JobManager, stage_prefix
from spark_tui.engine.worker import run_job as run_worker_job
from spark_tui.engine.store import Workspace
from spark_tui.spark.errors import Code, DiskFull, JobNotFound, JobSlotBusy, ValidationFailed
from spark_tui.spark.import_wire import ImportRequestEntity
from spark_tui.spark.values import FileFilter, IfPresent, JobStatus, VersionBump

DESTINATION_FIELDS = ("folder_destination", "service_destination", "service_uri_destination", "service_id_destination")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = source_and_target(tmp_path / "workspace")
    yield workspace
    workspace.close()


@pytest.fixture
def package(ws: Workspace, tmp_path: Path) -> Path:
    return exported(ws, tmp_path / "in" / "migrate.zip")


def codes(job) -> list[str]:
    return [e.code for e in job.errors or []]


def state(ws: Workspace, catalog_counts) -> tuple:
    return catalog_counts(ws), blob_count(ws)


def test_import_renames_folder_and_service_keeping_ids_and_files(ws: Workspace, package: Path) -> None:
    job = run_import(ws, package, request(mapping("Pricing/quote", f"{DEST}/quote-uat")))
    assert job.status is JobStatus.closed and job.errors is None
    [service] = job.outputs.services
    source = ws.service(TENANT, "Pricing", "quote")
    assert (service.service_uri_source, service.service_uri_destination, service.status) == ("Pricing/quote", f"{DEST}/quote-uat", "added")
    assert service.service_id_destination == service.service_id_source == source["id"]
    assert all(getattr(service, f) for f in DESTINATION_FIELDS)
    assert [(v.service_uri_destination, v.status) for v in job.outputs.service_versions] == [
        (f"{DEST}/quote-uat[1.0.0]", "added"), (f"{DEST}/quote-uat[1.1.0]", "added"),
    ]
    for v in job.outputs.service_versions:
        assert v.version_id_destination == v.version_id_source
        assert all(getattr(v, f) for f in (*DESTINATION_FIELDS, "version_destination", "version_id_destination"))
        assert ws.version_files(TARGET, v.version_id_destination) == ws.version_files(TENANT, v.version_id_source)
    assert leftovers(ws, job.id) == []


def test_services_without_a_mapping_are_not_imported(ws: Workspace, package: Path) -> None:
    job = run_import(ws, package, request(mapping("Pricing/rate", f"{DEST}/rate")))
    assert [s.service_uri_destination for s in job.outputs.services] == [f"{DEST}/rate"]
    assert [s.name for s in ws.list_services(TARGET, DEST)[0]] == ["rate"]


def test_add_version_bumps_each_mapping_by_its_own_update_version_type(ws: Workspace, package: Path) -> None:
    first = request(mapping("Pricing/quote", f"{DEST}/quote"), mapping("Pricing/rate", f"{DEST}/rate"))
    assert run_import(ws, package, first).status is JobStatus.closed
    again = request(
        mapping("Pricing/quote", f"{DEST}/quote", VersionBump.major), mapping("Pricing/rate", f"{DEST}/rate", VersionBump.patch),
        if_present=IfPresent.add_version,
    )
    job = run_import(ws, package, again)
    assert {s.service_destination: s.status for s in job.outputs.services} == {"quote": "updated", "rate": "updated"}
    assert [v.version_destination for v in job.outputs.service_versions] == ["2.0.0", "3.0.0", "0.1.1"]
    assert {v.status for v in job.outputs.service_versions} == {"added"}
    ids = [v.version_id_destination for v in job.outputs.service_versions]
    assert not set(ids) & {v.version_id_source for v in job.outputs.service_versions}  # ids were taken: new ones


def test_replace_reports_replaced(ws: Workspace, package: Path) -> None:
    run_import(ws, package, request(mapping("Pricing/quote", f"{DEST}/quote")))
    job = run_import(ws, package, request(mapping("Pricing/quote", f"{DEST}/quote"), if_present=IfPresent.replace))
    assert job.status is JobStatus.closed
    assert [s.status for s in job.outputs.services] == ["replaced"]
    assert {v.status for v in job.outputs.service_versions} == {"replaced"}
    assert [v.version for v in ws.list_versions(TARGET, DEST, "quote")] == ["1.1.0", "1.0.0"]


# --- prerequisites: each alone, then all at once ---------------------------------------------------


@pytest.mark.parametrize(
    ("mappings", "if_present", "groups", "code", "named"),
    [
        ([mapping("Pricing/quote", "nowhere/quote")], IfPresent.abort, (), Code.FOLDER_NOT_FOUND, "destination folder 'nowhere'"),
        ([mapping("Pricing/quote", f"{LOCKED}/quote")], IfPresent.abort, (), Code.ACCESS_DENIED, f"group '{LOCKED_GROUP}'"),
        ([mapping("Pricing/missing", f"{DEST}/x")], IfPresent.abort, (), Code.SERVICE_NOT_IN_PACKAGE, "'Pricing/missing'"),
        ([mapping("Pricing/quote", f"{DEST}/taken")], IfPresent.abort, (), Code.SERVICE_EXISTS, f"'{DEST}/taken'"),
    ],
)
def test_each_prerequisite_fails_the_job_and_changes_nothing(
    ws: Workspace, package: Path, catalog_counts, mappings, if_present, groups, code, named
) -> None:
    ws.add_service(TARGET, DEST, "taken")
    before = state(ws, catalog_counts)
    job = run_import(ws, package, request(*mappings, if_present=if_present), groups=groups)
    assert job.status is JobStatus.failed and codes(job) == [code.value]
    assert named in job.errors[0].message
    assert state(ws, catalog_counts) == before and leftovers(ws, job.id) == []


def test_access_granted_by_the_folder_group(ws: Workspace, package: Path) -> None:
    job = run_import(ws, package, request(mapping("Pricing/quote", f"{LOCKED}/quote")), groups=(LOCKED_GROUP,))
    assert job.status is JobStatus.closed


def test_an_onpremises_package_is_refused_naming_migrate(ws: Workspace, tmp_path: Path, catalog_counts) -> None:
    onprem = exported(ws, tmp_path / "in" / "onprem.zip", FileFilter.onpremises)
    before = state(ws, catalog_counts)
    job = run_import(ws, onprem, request(mapping("Pricing/quote", f"{DEST}/quote")))
    assert codes(job) == [Code.NOT_A_MIGRATE_PACKAGE.value] and "file_filter=migrate" in job.errors[0].message
    assert state(ws, catalog_counts) == before


def test_every_violation_is_reported_at_once(ws: Workspace, tmp_path: Path, catalog_counts) -> None:
    onprem = exported(ws, tmp_path / "in" / "onprem.zip", FileFilter.onpremises)
    ws.add_service(TARGET, DEST, "taken")
    before = state(ws, catalog_counts)
    req = request(
        mapping("Pricing/quote", "nowhere/quote"), mapping("Pricing/rate", f"{LOCKED}/rate"),
        mapping("Pricing/ghost", f"{DEST}/ghost"), mapping("Other/quote", f"{DEST}/taken"),
    )
    job = run_import(ws, onprem, req)
    assert sorted(codes(job)) == sorted([
        Code.NOT_A_MIGRATE_PACKAGE.value, Code.FOLDER_NOT_FOUND.value, Code.ACCESS_DENIED.value,
        Code.SERVICE_NOT_IN_PACKAGE.value, Code.SERVICE_NOT_IN_PACKAGE.value,
    ])
    assert state(ws, catalog_counts) == before


def test_abort_conflict_is_reported_with_the_other_violations(ws: Workspace, package: Path) -> None:
    ws.add_service(TARGET, DEST, "taken")
    job = run_import(ws, package, request(mapping("Pricing/quote", f"{DEST}/taken"), mapping("Pricing/rate", "nowhere/rate")))
    assert sorted(codes(job)) == [Code.FOLDER_NOT_FOUND.value, Code.SERVICE_EXISTS.value]


@pytest.mark.parametrize(
    ("services_modify", "fragment"),
    [
        ([{"service_uri_source": "Pricing"}], "not a folder/service URI"),
        ([{"service_uri_source": "Pricing/quote", "service_uri_destination": "uat/x[1.0]"}], "names a revision"),
        ([{"service_uri_source": "Pricing/quote"}, {"service_uri_source": "Pricing/quote"}], "mapped twice"),
        ([{"service_uri_source": "Pricing/quote", "service_uri_destination": "uat/x"},
          {"service_uri_source": "Pricing/rate", "service_uri_destination": "uat/x"}], "two services are mapped to 'uat/x'"),
    ],
)
def test_malformed_mappings_are_refused_at_submit(ws: Workspace, package: Path, services_modify, fragment) -> None:
    req = ImportRequestEntity.model_validate({"inputs": {"services_modify": services_modify}})
    with pytest.raises(ValidationFailed, match=fragment.replace("[", r"\[")):
        ImportJobs(JobManager(ws, spawn=False)).submit(TARGET, USER, (), package, req)
    assert ws.connect().execute("SELECT COUNT(*) FROM jobs WHERE kind='import'").fetchone()[0] == 0


@pytest.mark.parametrize("value", ["skip", "update", "Replace"])
def test_unknown_services_existing_names_the_valid_values(value: str) -> None:
    with pytest.raises(ValueError, match="'abort', 'replace' or 'add_version'"):
        ImportRequestEntity.model_validate({"services_existing": value})


# --- all or nothing, stored bytes included ---------------------------------------------------------


def test_disk_full_while_staging_fails_cleanly_and_leaves_no_bytes(
    ws: Workspace, package: Path, catalog_counts, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = blob_stage.write_hashed
    calls = []

    def fills_up(source, directory, progress=None):
        calls.append(directory)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(directory / "x.blob"))
        return real(source, directory, progress)

    monkeypatch.setattr(blob_stage, "write_hashed", fills_up)
    before = state(ws, catalog_counts)
    job = run_import(ws, package, request(mapping("Pricing/quote", f"{DEST}/quote")))
    assert job.status is JobStatus.failed and codes(job) == [Code.DISK_FULL.value]
    assert "disk full" in job.errors[0].message and str(ws.root) not in job.errors[0].message
    assert state(ws, catalog_counts) == before and leftovers(ws, job.id) == []


def test_a_failed_commit_removes_the_blobs_it_published(ws: Workspace, package: Path, tmp_path: Path, catalog_counts) -> None:
    from spark_tui.engine.importer import run_import as import_now

    fresh = Workspace(tmp_path / "fresh")  # its store holds none of the package's files
    fresh.ensure_tenant(TARGET)
    fresh.add_folder(TARGET, DEST)
    before = state(fresh, catalog_counts)

    def commit_fails(db, outputs) -> None:
        assert blob_count(fresh) > before[1]  # the blobs were published inside the transaction
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(DiskFull, match="disk full"):
        import_now(
            fresh, TARGET, package, request(mapping("Pricing/quote", f"{DEST}/quote")), (),
            hook=commit_fails,
        )
    assert state(fresh, catalog_counts) == before and not any(fresh.tmp.iterdir())
    fresh.close()


def test_error_messages_do_not_reveal_server_paths(ws: Workspace, tmp_path: Path) -> None:
    upload = tmp_path / "secret-server-dir" / "upload-1234.zip"
    upload.parent.mkdir()
    upload.write_bytes(b"not a zip at all")
    imports = ImportJobs(JobManager(ws, spawn=False))
    job = imports.submit(TARGET, USER, (), upload, request(mapping("Pricing/quote")), name="package.zip", take=True)
    from spark_tui.engine.worker import run_job

    run_job(ws, job.id)
    failed = imports.status(TARGET, job.id, USER, ())
    assert codes(failed) == [Code.BAD_PACKAGE.value] and "'package.zip'" in failed.errors[0].message
    assert "secret-server-dir" not in failed.model_dump_json() and str(ws.root) not in failed.model_dump_json()


# --- the job: slot, visibility, restart, dead worker -----------------------------------------------


def test_one_import_job_per_tenant_but_exports_have_their_own_slot(ws: Workspace, package: Path) -> None:
    manager = JobManager(ws, spawn=False)
    imports = ImportJobs(manager)
    first = imports.submit(TARGET, USER, (), package, request(mapping("Pricing/quote", f"{DEST}/quote")))
    with pytest.raises(JobSlotBusy, match=f"import job.*{first.id}") as busy:
        imports.submit(TARGET, OTHER, (), package, request(mapping("Pricing/rate", f"{DEST}/rate")))
    assert busy.value.exit_code == 6 and busy.value.http_status == 409
    assert ws.connect().execute("SELECT COUNT(*) FROM jobs WHERE kind='import'").fetchone()[0] == 1
    status = imports.tenant_status(TARGET, USER, ())
    assert [j.id for j in status.in_progress_imports] == [first.id]
    assert status.tenant.status.import_api_jobs_in_progress == 1 and status.tenant.configuration.import_api_job_limit == 1
    assert manager.tenant_status(TARGET, USER, ()).tenant.status.export_api_jobs_in_progress == 0


def test_visibility_own_jobs_unless_supervisor(ws: Workspace, package: Path) -> None:
    job = run_import(ws, package, request(mapping("Pricing/quote", f"{DEST}/quote")))
    imports = ImportJobs(JobManager(ws, spawn=False))
    with pytest.raises(JobNotFound, match="import job"):
        imports.status(TARGET, job.id, OTHER, ())
    assert imports.list_jobs(TARGET, OTHER, (), all_users=True) == []
    assert imports.status(TARGET, job.id, OTHER, SUPERVISOR).id == job.id
    assert [j.id for j in imports.list_jobs(TARGET, OTHER, SUPERVISOR, all_users=True)] == [job.id]
    with pytest.raises(JobNotFound):  # an import id is not an export job
        JobManager(ws, spawn=False).status(TARGET, job.id, USER, SUPERVISOR)


def test_jobs_survive_a_restart(ws: Workspace, package: Path) -> None:
    job = run_import(ws, package, request(mapping("Pricing/quote", f"{DEST}/quote")))
    reopened = Workspace(ws.root)
    try:
        again = ImportJobs(JobManager(reopened, spawn=False)).status(TARGET, job.id, USER, ())
    finally:
        reopened.close()
    assert again.status is JobStatus.closed and again.outputs == job.outputs


def test_a_dead_worker_is_noticed(ws: Workspace, package: Path) -> None:
    imports = ImportJobs(JobManager(ws, spawn=False))
    job = imports.submit(TARGET, USER, (), package, request(mapping("Pricing/quote", f"{DEST}/quote")))
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)
    ws.connect().execute("UPDATE jobs SET status='in_progress', worker_pid=? WHERE id=?", (dead, job.id))
    failed = imports.status(TARGET, job.id, USER, ())
    assert failed.status is JobStatus.failed and codes(failed) == [Code.WORKER_DIED.value]
    assert "nothing was imported" in failed.errors[0].message
    assert job_row(ws, job.id)["status"] == "failed" and leftovers(ws, job.id) == []


@pytest.mark.parametrize("stages", [1, 2])
def test_a_dead_import_workers_staging_is_reaped_with_its_job(ws: Workspace, package: Path, stages: int) -> None:
    """The workspace stays open (as with two servers sharing it): only reaping the job can remove its staging."""
    imports = ImportJobs(JobManager(ws, spawn=False))
    job = imports.submit(TARGET, USER, (), package, request(mapping("Pricing/quote", f"{DEST}/quote")))
    staged = [Path(tempfile.mkdtemp(prefix=stage_prefix(job.id), dir=ws.tmp)) for _ in range(stages)]
    for stage in staged:
        (stage / ("ab" * 32)).write_bytes(b"staged blob")
    other = Path(tempfile.mkdtemp(prefix=stage_prefix(str(uuid.uuid4())), dir=ws.tmp))  # a live job's, or a load's
    loading = Path(tempfile.mkdtemp(prefix="load-", dir=ws.tmp))
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)
    ws.connect().execute("UPDATE jobs SET status='in_progress', worker_pid=? WHERE id=?", (dead, job.id))
    assert imports.status(TARGET, job.id, USER, ()).status is JobStatus.failed
    assert sorted(ws.tmp.iterdir()) == sorted([other, loading])


def test_an_import_job_stages_in_a_directory_named_for_it(ws: Workspace, package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    imports = ImportJobs(JobManager(ws, spawn=False))
    job = imports.submit(TARGET, USER, (), package, request(mapping("Pricing/quote", f"{DEST}/quote")))
    seen: list[str] = []
    real_init = blob_stage.BlobStage.__init__

    def recording(self, *args, **kwargs) -> None:
        real_init(self, *args, **kwargs)
        seen.append(self.dir.name)

    monkeypatch.setattr(blob_stage.BlobStage, "__init__", recording)
    assert run_worker_job(ws, job.id) is JobStatus.closed
    assert len(seen) == 1 and seen[0].startswith(stage_prefix(job.id)) and list(ws.tmp.iterdir()) == []


@pytest.mark.parametrize("where", ["write_hashed", "staging_dir"])
def test_load_package_on_a_full_disk_refuses_and_leaves_nothing(
    ws: Workspace, package: Path, tmp_path: Path, catalog_counts, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    from spark_tui.engine.importer import load_package

    def no_space(*_: object, **__: object):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "secret.blob"))

    fresh = Workspace(tmp_path / "fresh")
    if where == "write_hashed":
        monkeypatch.setattr(blob_stage, "write_hashed", no_space)
    else:  # the staging directory itself cannot be made
        monkeypatch.setattr(blob_stage.tempfile, "mkdtemp", no_space)
    with pytest.raises(DiskFull) as info:
        load_package(fresh, package, "seeded")
    assert info.value.exit_code == 3 and info.value.http_status == 507 and "secret" not in info.value.message
    assert catalog_counts(fresh)["tenants"] == 0 and blob_count(fresh) == 0 and list(fresh.tmp.iterdir()) == []
    fresh.close()


def test_disk_full_while_receiving_the_package_creates_no_job(ws: Workspace, package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from spark_tui.engine import import_jobs

    def no_space(*_: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(import_jobs, "_place", no_space)
    with pytest.raises(DiskFull, match="disk full while receiving import package 'migrate.zip'"):
        ImportJobs(JobManager(ws, spawn=False)).submit(TARGET, USER, (), package, request(mapping("Pricing/quote")), name="migrate.zip")
    assert ws.connect().execute("SELECT COUNT(*) FROM jobs WHERE kind='import'").fetchone()[0] == 0
    export_dirs = {r[0] for r in ws.connect().execute("SELECT id FROM jobs")}
    assert {p.name for p in ws.packages.iterdir()} <= export_dirs


def test_import_jobs_use_only_the_public_api_of_the_job_manager() -> None:
    import ast
    import inspect

    import spark_tui.engine.import_jobs as module

    reached = sorted({
        f"{node.value.id if isinstance(node.value, ast.Name) else ast.unparse(node.value)}.{node.attr}"
        for node in ast.walk(ast.parse(inspect.getsource(module)))
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
        and ast.unparse(node.value) != "self"
    })
    assert reached == []
