"""The detached worker process: real spawned workers, concurrent submitters, kill -9."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from jobspace import GROUPS, TENANT, USER, build, export_folder, job_row, leftovers, reap_workers, wait_for

from spark_tui.engine.jobs import JobManager, pid_alive
from spark_tui.engine.store import Workspace
from spark_tui.engine.worker import CHUNK_DELAY_ENV
from spark_tui.spark.errors import Code
from spark_tui.spark.export_wire import ExportJob
from spark_tui.spark.values import JobStatus

ROOT = Path(__file__).resolve().parents[2]

# argv: workspace, go-file, spawn|no-spawn, user, seconds to hold the submit transaction open
# (resolve is slowed so that two submitters surely overlap inside it).
SUBMIT = """
import json, sys, time
from pathlib import Path
from spark_tui.engine import jobs
from spark_tui.engine.jobs import JobManager
from spark_tui.engine.store import Workspace
from spark_tui.spark.errors import JobSlotBusy
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
real_resolve = jobs.resolve
jobs.resolve = lambda *args: (time.sleep(float(sys.argv[5])), real_resolve(*args))[1]
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.005)
manager = JobManager(Workspace(sys.argv[1]), spawn=sys.argv[3] == "spawn")
try:
    job = manager.submit("acme", sys.argv[4], ("user:pf",), ExportRequest(inputs=ExportInputs(folders=["Pricing"])))
    print(json.dumps({"id": job.id, "status": job.status.value}))
except JobSlotBusy as exc:
    print(json.dumps({"busy": exc.running}))
"""


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return build(tmp_path / "ws")


def submitter(ws: Workspace, go: Path, mode: str, user: str, hold_s: float = 0.0) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", SUBMIT, str(ws.root), str(go), mode, user, str(hold_s)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def status(jobs: JobManager, job_id: str) -> ExportJob:
    return jobs.status(TENANT, job_id, USER, GROUPS)


def test_spawned_worker_runs_the_job_to_a_verified_package(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHUNK_DELAY_ENV, "0.05")
    jobs = JobManager(ws)
    job = jobs.submit(TENANT, USER, GROUPS, export_folder())
    assert job.status is JobStatus.created
    seen = {job.status}

    def finished() -> ExportJob | None:
        current = status(jobs, job.id)
        seen.add(current.status)
        return current if current.status.is_terminal else None

    final = wait_for(finished, what="the worker to finish")
    assert JobStatus.in_progress in seen
    assert final.status is JobStatus.closed, final.errors
    package = jobs.package_path(TENANT, job.id, USER, GROUPS)
    assert final.outputs.files[0].file == package.as_uri()
    assert final.outputs.files[0].file_hash == hashlib.sha256(package.read_bytes()).hexdigest()
    assert job_row(ws, job.id)["worker_pid"] not in (None, os.getpid())
    reap_workers(jobs)


def test_worker_outlives_the_process_that_submitted(ws: Workspace, tmp_path: Path) -> None:
    go = tmp_path / "go"
    go.touch()
    proc = submitter(ws, go, "spawn", USER)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    job_id = json.loads(out)["id"]
    jobs = JobManager(ws, spawn=False)
    final = wait_for(lambda: (j := status(jobs, job_id)).status.is_terminal and j, what="the orphaned worker")
    assert final.status is JobStatus.closed, final.errors


def test_two_processes_submitting_at_once_get_one_job(ws: Workspace, tmp_path: Path) -> None:
    go = tmp_path / "go"
    procs = [submitter(ws, go, "no-spawn", f"user{n}@example.com", hold_s=0.3) for n in range(2)]
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    created = [r for r in results if r.get("status") == "created"]
    busy = [r for r in results if "busy" in r]
    assert len(created) == 1 and len(busy) == 1, results
    assert busy[0]["busy"] == [created[0]["id"]]
    rows = ws.connect().execute("SELECT status FROM jobs").fetchall()
    assert [r["status"] for r in rows] == ["created"]


def test_kill_9_during_packaging_fails_the_job_and_leaves_nothing(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHUNK_DELAY_ENV, "0.5")
    jobs = JobManager(ws)
    job = jobs.submit(TENANT, USER, GROUPS, export_folder())
    row = wait_for(lambda: (r := job_row(ws, job.id))["bytes_done"] > 0 and r, what="packaging to start")
    assert list((ws.packages / job.id).glob("*.part")), "a partial package is being written"
    os.kill(row["worker_pid"], signal.SIGKILL)
    wait_for(lambda: not pid_alive(row["worker_pid"]), what="the worker to die")
    failed = status(jobs, job.id)
    assert failed.status is JobStatus.failed
    assert failed.errors[0].code == Code.WORKER_DIED.value
    assert str(row["worker_pid"]) in failed.errors[0].message
    assert leftovers(ws, job.id) == []
    reap_workers(jobs)


def test_sigterm_ends_the_job_failed_and_cleans_up(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHUNK_DELAY_ENV, "0.5")
    jobs = JobManager(ws)
    job = jobs.submit(TENANT, USER, GROUPS, export_folder())
    row = wait_for(lambda: (r := job_row(ws, job.id))["bytes_done"] > 0 and r, what="packaging to start")
    os.kill(row["worker_pid"], signal.SIGTERM)
    final = wait_for(lambda: (j := status(jobs, job.id)).status.is_terminal and j, what="the worker to stop")
    assert final.status is JobStatus.failed
    assert "was stopped" in final.errors[0].message
    wait_for(lambda: leftovers(ws, job.id) == [], what="the partial package to go")
    reap_workers(jobs)


def test_worker_main_rejects_an_unknown_job(ws: Workspace) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "spark_tui.engine.worker", "--workspace", str(ws.root), "--job", "nope"],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )
    assert proc.returncode == 1
    assert "job 'nope' not found" in proc.stderr and "Traceback" not in proc.stderr


def test_standby_worker_runs_the_next_job_and_a_new_one_is_started(ws: Workspace) -> None:
    jobs = JobManager(ws, standby=True)
    jobs.warm_standby()
    standby = jobs._standby[0]
    job = jobs.submit(TENANT, USER, GROUPS, export_folder())
    assert job_row(ws, job.id)["worker_pid"] == standby.pid
    final = wait_for(lambda: (j := status(jobs, job.id)).status.is_terminal and j, what="the standby worker to finish")
    assert final.status is JobStatus.closed, final.errors
    package = jobs.package_path(TENANT, job.id, USER, GROUPS)
    assert final.outputs.files[0].file_hash == hashlib.sha256(package.read_bytes()).hexdigest()
    following = jobs._standby[0]
    assert following.pid != standby.pid and following.poll() is None
    jobs.close_standby()
    assert following.wait(timeout=30) == 0 and jobs._standby is None
    reap_workers(jobs)


def test_standby_started_in_another_environment_is_replaced_by_a_fresh_worker(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = JobManager(ws, standby=True)
    jobs.warm_standby()
    stale = jobs._standby[0]
    monkeypatch.setenv(CHUNK_DELAY_ENV, "0.01")
    job = jobs.submit(TENANT, USER, GROUPS, export_folder())
    assert job_row(ws, job.id)["worker_pid"] != stale.pid
    assert stale.wait(timeout=30) == 0  # told to exit without a job
    final = wait_for(lambda: (j := status(jobs, job.id)).status.is_terminal and j, what="the fresh worker to finish")
    assert final.status is JobStatus.closed, final.errors
    jobs.close_standby()
    reap_workers(jobs)


def test_standby_worker_exits_when_no_job_is_given(ws: Workspace) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "spark_tui.engine.worker", "--workspace", str(ws.root), "--standby"],
        cwd=ROOT, input="", capture_output=True, text=True, timeout=30,
    )
    assert proc.returncode == 0 and proc.stderr == ""


def test_closing_the_standby_reaps_its_worker(ws: Workspace) -> None:
    """serve's shutdown: the standby worker ends with its stdin and is waited for (no process left behind)."""
    jobs = JobManager(ws, standby=True)
    jobs.warm_standby()
    proc = jobs._standby[0]
    jobs.close_standby()
    assert proc.returncode == 0 and jobs._standby is None
