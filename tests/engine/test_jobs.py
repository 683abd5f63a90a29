"""Job manager rules, run in-process (spawn=False; the worker's run_job in this thread or another)."""

from __future__ import annotations

import errno
import hashlib
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest
from jobspace import FOLDER, GROUPS, OTHER, SUPERVISOR, TENANT, USER, build, export_folder, job_row, leftovers, wait_for

from spark_tui.spark.exit_codes import exit_code_for
from spark_tui.engine import packager, worker
from spark_tui.engine.jobs import CLAIM_TIMEOUT_S, HEARTBEAT_STALE_S, JobManager, parse_iso, selection_from_json
from spark_tui.engine.store import Workspace
from spark_tui.engine.worker import CHUNK_DELAY_ENV, run_job
from spark_tui.spark.errors import Code, JobFinished, JobNotFound, JobSlotBusy, ValidationFailed
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
from spark_tui.spark.values import JobStatus, iso, utc_now


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return build(tmp_path / "ws")


@pytest.fixture
def jobs(ws: Workspace) -> JobManager:
    return JobManager(ws, spawn=False)


def submit(jobs: JobManager, user: str = USER, groups: tuple[str, ...] = GROUPS, **fields: object):
    return jobs.submit(TENANT, user, groups, export_folder(**fields))


def start_in_thread(ws: Workspace, job_id: str) -> threading.Thread:
    thread = threading.Thread(target=run_job, args=(ws, job_id), daemon=True)
    thread.start()
    return thread


def set_row(ws: Workspace, job_id: str, **values: object) -> None:
    with ws.transaction() as db:
        for key, value in values.items():
            db.execute(f"UPDATE jobs SET {key}=? WHERE id=?", (value, job_id))


def ago(seconds: float) -> str:
    return iso(utc_now() - timedelta(seconds=seconds))


def test_lifecycle_created_then_closed_with_verified_package(ws: Workspace, jobs: JobManager) -> None:
    job = submit(jobs, file_name="prices", source_system="ci", correlation_id="c-1")
    assert job.status is JobStatus.created
    assert job.errors is None and job.outputs.files == []
    assert [v.version_source for v in job.outputs.service_versions] == ["1.0.0", "1.1.0"]
    assert job.outputs.services[0].service_uri_source == f"{FOLDER}/quote"
    assert job.progress.bytes_total > 0 and job.progress.file_name == "prices.zip"

    assert run_job(ws, job.id) is JobStatus.closed
    done = jobs.status(TENANT, job.id, USER, GROUPS)
    assert done.status is JobStatus.closed
    assert (done.source_system, done.correlation_id) == ("ci", "c-1")
    path = Path(url2pathname(urlparse(done.outputs.files[0].file).path))
    assert path == ws.packages / job.id / "prices.zip" == jobs.package_path(TENANT, job.id, USER, GROUPS)
    assert done.outputs.files[0].file_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert done.progress.bytes_done == done.progress.bytes_total
    assert done.progress.package_bytes == path.stat().st_size
    assert done.process_time >= 0 and job_row(ws, job.id)["finished"] is not None
    assert (job.progress.finished_timestamp, done.progress.finished_timestamp) == (None, job_row(ws, job.id)["finished"])
    assert [p.name for p in (ws.packages / job.id).iterdir()] == ["prices.zip"]


def test_the_stored_selection_holds_versions_and_sizes_not_files(ws: Workspace, jobs: JobManager) -> None:
    job = submit(jobs)
    row = job_row(ws, job.id)
    stored = selection_from_json(row["selection_json"])
    assert [v.version_id for v in stored.versions] == [v.version_id_source for v in job.outputs.service_versions]
    assert stored.projected_bytes == row["bytes_total"] > 0
    assert all(0 < v.bytes_onpremises <= v.bytes_migrate for v in stored.versions)
    assert "ModelMetaData.json" not in row["selection_json"]  # no file lists: a large export stays small to store


def test_syntax_errors_raise_and_record_no_job(ws: Workspace, jobs: JobManager) -> None:
    with pytest.raises(ValidationFailed) as info:
        jobs.submit(TENANT, USER, GROUPS, ExportRequest(inputs=ExportInputs()))
    assert info.value.errors[0].code == Code.NO_INPUTS.value
    assert ws.connect().execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 0


def test_resolution_errors_give_a_failed_job_that_takes_no_slot(jobs: JobManager) -> None:
    request = ExportRequest(inputs=ExportInputs(folders=["Nope", FOLDER], services=["Ghost/svc"]))
    failed = jobs.submit(TENANT, USER, GROUPS, request)
    assert failed.status is JobStatus.failed
    assert {e.code for e in failed.errors} == {Code.FOLDER_NOT_FOUND.value}
    assert {e.ref for e in failed.errors} == {"Nope", "Ghost/svc"}
    assert submit(jobs).status is JobStatus.created


def test_second_submit_is_refused_naming_the_running_job(ws: Workspace, jobs: JobManager) -> None:
    first = submit(jobs)
    with pytest.raises(JobSlotBusy) as info:
        submit(jobs, user=OTHER)
    assert info.value.running == [first.id] and first.id in str(info.value)
    assert ws.connect().execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 1
    run_job(ws, first.id)
    assert submit(jobs).status is JobStatus.created


def test_job_limit_is_configurable(ws: Workspace, jobs: JobManager) -> None:
    ws.configure_tenant(TENANT, job_limit=2)
    submit(jobs)
    submit(jobs)
    with pytest.raises(JobSlotBusy) as info:
        submit(jobs)
    assert len(info.value.running) == 2 and info.value.limit == 2


def test_unknown_tenant_is_a_validation_error(jobs: JobManager) -> None:
    with pytest.raises(ValidationFailed, match="tenant 'nobody'"):
        jobs.submit("nobody", USER, GROUPS, export_folder())


def test_cancel_before_the_worker_claims(ws: Workspace, jobs: JobManager) -> None:
    job = submit(jobs)
    cancelled = jobs.cancel(TENANT, job.id, USER, GROUPS)
    assert cancelled.status is JobStatus.cancelled and cancelled.errors[0].code == Code.CANCELLED.value
    assert run_job(ws, job.id) is JobStatus.cancelled
    assert leftovers(ws, job.id) == []
    with pytest.raises(JobFinished, match="cancelled"):
        jobs.cancel(TENANT, job.id, USER, GROUPS)
    with pytest.raises(JobNotFound):
        jobs.cancel(TENANT, "no-such-job", USER, GROUPS)


def test_cancel_a_running_job_leaves_nothing(ws: Workspace, jobs: JobManager, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHUNK_DELAY_ENV, "0.05")
    job = submit(jobs)
    thread = start_in_thread(ws, job.id)
    wait_for(lambda: job_row(ws, job.id)["bytes_done"] > 0, what="packaging to start")
    assert jobs.cancel(TENANT, job.id, USER, GROUPS).status is JobStatus.cancelled
    thread.join(timeout=20)
    assert not thread.is_alive()
    assert jobs.status(TENANT, job.id, USER, GROUPS).status is JobStatus.cancelled
    assert leftovers(ws, job.id) == []


def test_a_cancel_during_the_final_update_wins(ws: Workspace, jobs: JobManager, monkeypatch: pytest.MonkeyPatch) -> None:
    job = submit(jobs)

    def write_then_cancel(*args, **kwargs):
        result = packager.write_package(*args, **kwargs)
        assert result.path.exists()
        jobs.cancel(TENANT, job.id, USER, GROUPS)
        return result

    monkeypatch.setattr(worker, "write_package", write_then_cancel)
    assert run_job(ws, job.id) is JobStatus.cancelled
    assert jobs.status(TENANT, job.id, USER, GROUPS).outputs.files == []
    assert leftovers(ws, job.id) == []


def test_timeout_closes_the_job_and_leaves_nothing(ws: Workspace, jobs: JobManager, monkeypatch: pytest.MonkeyPatch) -> None:
    ws.configure_tenant(TENANT, timeout_s=1)
    monkeypatch.setenv(CHUNK_DELAY_ENV, "0.2")
    job = submit(jobs)
    assert run_job(ws, job.id) is JobStatus.closed_by_timeout
    ended = jobs.status(TENANT, job.id, USER, GROUPS)
    assert ended.errors[0].code == Code.TIMEOUT.value and "1 s" in ended.errors[0].message
    assert ended.outputs.files == []
    assert leftovers(ws, job.id) == []


@pytest.mark.parametrize("error, code, exit_code", [
    (errno.ENOSPC, Code.DISK_FULL, 3), (errno.EDQUOT, Code.DISK_FULL, 3), (errno.EIO, Code.WRITE_FAILED, 1),
])
def test_disk_full_fails_the_job_as_an_import_does(
    ws: Workspace, jobs: JobManager, monkeypatch: pytest.MonkeyPatch, error: int, code: Code, exit_code: int,
) -> None:
    written = []

    def emit(self, data) -> None:
        if written:
            raise OSError(error, os.strerror(error), str(ws.root / "packages" / "x"))
        written.append(len(data))

    monkeypatch.setattr(packager._HashingWriter, "_emit", emit)
    job = submit(jobs, file_name="full.zip")
    assert run_job(ws, job.id) is JobStatus.failed
    failed = jobs.status(TENANT, job.id, USER, GROUPS)
    assert [e.code for e in failed.errors] == [code.value] and exit_code_for(failed) == exit_code
    if code is Code.DISK_FULL:
        assert failed.errors[0].message == (
            "disk full while writing export package full.zip; nothing was kept — free space in the workspace's file system and retry")
    assert leftovers(ws, job.id) == []
    with pytest.raises(JobNotFound):
        jobs.package_path(TENANT, job.id, USER, GROUPS)


def test_size_limit_while_writing_fails_the_job(ws: Workspace, jobs: JobManager) -> None:
    job = submit(jobs)
    ws.configure_tenant(TENANT, size_limit=1000)
    assert run_job(ws, job.id) is JobStatus.failed
    assert jobs.status(TENANT, job.id, USER, GROUPS).errors[0].code == Code.PACKAGE_TOO_LARGE.value
    assert leftovers(ws, job.id) == []


def test_visibility_own_jobs_or_supervisor(ws: Workspace, jobs: JobManager) -> None:
    mine = submit(jobs)
    run_job(ws, mine.id)
    theirs = submit(jobs, user=OTHER)
    with pytest.raises(JobNotFound):
        jobs.status(TENANT, mine.id, OTHER, GROUPS)
    with pytest.raises(JobNotFound):
        jobs.cancel(TENANT, mine.id, OTHER, GROUPS)
    with pytest.raises(JobNotFound):
        jobs.package_path(TENANT, mine.id, OTHER, GROUPS)
    with pytest.raises(JobNotFound):
        jobs.status("other-tenant", mine.id, USER, SUPERVISOR)
    assert jobs.status(TENANT, mine.id, "boss@example.com", SUPERVISOR).id == mine.id

    assert [j.id for j in jobs.list_jobs(TENANT, USER, GROUPS, all_users=True)] == [mine.id]
    assert [j.id for j in jobs.list_jobs(TENANT, "boss@example.com", SUPERVISOR)] == []
    assert [j.id for j in jobs.list_jobs(TENANT, "boss@example.com", SUPERVISOR, all_users=True)] == [theirs.id, mine.id]

    own = jobs.tenant_status(TENANT, USER, GROUPS)
    assert [j.id for j in own.recent_exports] == [mine.id] and own.in_progress_exports == []
    assert own.tenant.status.export_api_jobs_in_progress == 1
    assert own.tenant.configuration.export_api_job_limit == 1
    everyone = jobs.tenant_status(TENANT, "boss@example.com", SUPERVISOR)
    assert [j.id for j in everyone.in_progress_exports] == [theirs.id]
    assert everyone.in_progress_exports[0].data.created_by == OTHER
    assert everyone.recent_exports[0].data.export_status is JobStatus.closed


def test_recent_means_finished_within_the_past_hour(ws: Workspace, jobs: JobManager) -> None:
    old = submit(jobs)
    run_job(ws, old.id)
    fresh = submit(jobs)
    run_job(ws, fresh.id)
    set_row(ws, old.id, finished=ago(3601))
    set_row(ws, fresh.id, finished=ago(3500))
    recent = jobs.tenant_status(TENANT, USER, GROUPS).recent_exports
    assert [j.id for j in recent] == [fresh.id]
    assert [j.id for j in jobs.list_jobs(TENANT, USER, GROUPS)] == [fresh.id]
    assert jobs.status(TENANT, old.id, USER, GROUPS).status is JobStatus.closed


def test_jobs_persist_across_a_new_manager(ws: Workspace, jobs: JobManager) -> None:
    job = submit(jobs)
    run_job(ws, job.id)
    reopened = JobManager(Workspace(ws.root), spawn=False)
    again = reopened.status(TENANT, job.id, USER, GROUPS)
    assert again.status is JobStatus.closed
    assert again.outputs.files == jobs.status(TENANT, job.id, USER, GROUPS).outputs.files


def test_retention_removes_old_packages(ws: Workspace, jobs: JobManager) -> None:
    kept = submit(jobs)
    run_job(ws, kept.id)
    expired = submit(jobs)
    run_job(ws, expired.id)
    ws.configure_tenant(TENANT, retention_s=600)
    set_row(ws, expired.id, finished=ago(601))
    assert jobs.status(TENANT, expired.id, USER, GROUPS).outputs.files == []
    assert not (ws.packages / expired.id).exists()
    with pytest.raises(JobNotFound):
        jobs.package_path(TENANT, expired.id, USER, GROUPS)
    assert jobs.package_path(TENANT, kept.id, USER, GROUPS).exists()


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_job_whose_worker_died_is_failed_when_seen(ws: Workspace, jobs: JobManager) -> None:
    job = submit(jobs)
    (ws.packages / job.id).mkdir()
    (ws.packages / job.id / ".package.zip.x.part").write_bytes(b"partial")
    pid = _dead_pid()
    set_row(ws, job.id, status="in_progress", started=ago(2), worker_pid=pid, heartbeat=time.time())
    seen = jobs.status(TENANT, job.id, USER, GROUPS)
    assert seen.status is JobStatus.failed
    assert seen.errors[0].code == Code.WORKER_DIED.value
    assert seen.errors[0].message == f"worker process {pid} died; no package was kept"
    assert leftovers(ws, job.id) == []
    assert submit(jobs).status is JobStatus.created


STUCK = {
    "stale-heartbeat": lambda: {"status": "in_progress", "started": ago(30), "heartbeat": time.time() - HEARTBEAT_STALE_S - 1},
    "never-claimed": lambda: {"created": ago(CLAIM_TIMEOUT_S + 1)},
}


@pytest.mark.parametrize("how", sorted(STUCK))
def test_stuck_jobs_are_failed_when_the_slot_is_wanted(ws: Workspace, jobs: JobManager, how: str) -> None:
    job = submit(jobs)
    set_row(ws, job.id, **STUCK[how]())
    assert submit(jobs, user=OTHER).status is JobStatus.created
    assert jobs.status(TENANT, job.id, USER, GROUPS).errors[0].code == Code.WORKER_DIED.value


def test_a_job_past_its_timeout_is_closed_when_seen(ws: Workspace, jobs: JobManager) -> None:
    ws.configure_tenant(TENANT, timeout_s=60)
    job = submit(jobs)
    set_row(ws, job.id, status="in_progress", started=ago(75), heartbeat=time.time())
    seen = jobs.status(TENANT, job.id, USER, GROUPS)
    assert seen.status is JobStatus.closed_by_timeout
    assert seen.process_time >= 75_000
    assert job_row(ws, job.id)["cancel_requested"] == 1


def test_running_job_reports_elapsed_time_and_outputs(ws: Workspace, jobs: JobManager) -> None:
    job = submit(jobs)
    set_row(ws, job.id, status="in_progress", started=ago(3), heartbeat=time.time())
    running = jobs.status(TENANT, job.id, USER, GROUPS)
    assert running.process_time >= 3000
    assert len(running.outputs.service_versions) == 2 and running.outputs.files == []
    assert parse_iso(running.response_timestamp) >= parse_iso(job.response_timestamp)
    tenant = jobs.tenant_status(TENANT, USER, GROUPS)
    assert tenant.in_progress_exports[0].data.process_time >= 3000


def test_threads_collecting_the_same_finished_worker_do_not_collide(tmp_path: Path) -> None:
    """The server and the TUI share one JobManager across threads; both may see a worker end."""
    manager = JobManager(Workspace(tmp_path), spawn=False)
    both_polled = threading.Barrier(2)

    class FinishedWorker:
        def poll(self) -> int:
            both_polled.wait(timeout=5)  # both threads are past poll() before either removes it
            return 0

    manager._children["j"] = FinishedWorker()  # type: ignore[assignment]
    errors: list[BaseException] = []

    def collect() -> None:
        try:
            manager._collect_children()
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)

    threads = [threading.Thread(target=collect) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and manager._children == {}


@pytest.mark.parametrize("which", [0, -1])
def test_a_missing_blob_is_a_blob_integrity_error_naming_the_file_in_the_package(ws: Workspace, jobs: JobManager, which: int) -> None:
    job = submit(jobs)
    rows = ws.connect().execute("SELECT DISTINCT sha256, name FROM version_files ORDER BY name").fetchall()
    sha, name = rows[which]
    ws.blob_path(sha).unlink()
    assert run_job(ws, job.id) is JobStatus.failed
    (error,) = jobs.status(TENANT, job.id, USER, GROUPS).errors
    assert error.code == Code.BLOB_CORRUPT.value and error.ref.endswith("/" + name)
    assert "is missing from the workspace's blob store" in error.message and str(ws.root) not in error.message
    assert leftovers(ws, job.id) == []
