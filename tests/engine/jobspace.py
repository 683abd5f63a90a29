"""Small purpose-built workspaces and waiting helpers for the job manager and worker tests."""

from __future__ import annotations

import random
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Callable, TypeVar

from spark_tui.engine.jobs import JobManager
from spark_tui.engine.store import Workspace
from spark_tui.spark.export_wire import ExportInputs, ExportRequest

TENANT = "acme"
FOLDER = "Pricing"
USER = "alice@example.com"
OTHER = "bob@example.com"
GROUPS: tuple[str, ...] = ("user:pf",)
SUPERVISOR: tuple[str, ...] = ("supervisor:pf",)

T = TypeVar("T")


def build(root: Path, *, versions: int = 2, payload_bytes: int = 64 * 1024, seed: int = 0) -> Workspace:
    """Tenant `acme`, folder `Pricing`, service `quote` with `versions` compiled Neuron versions."""
    ws = Workspace(root)
    ws.ensure_tenant(TENANT)
    ws.add_folder(TENANT, FOLDER)
    service_id = ws.add_service(TENANT, FOLDER, "quote")
    rng = random.Random(seed)
    for n in range(versions):
        version_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        files = {
            f"{version_id}.zip": ws.put_blob(rng.randbytes(payload_bytes)),
            "ModelMetaData.json": ws.put_blob(b'{"EngineInformation": {}}'),
            "WASMMetaData.json": ws.put_blob(b'{"Revision": "1.%d.0"}' % n),
            "DefaultValidations.json": ws.put_blob(b"[]"),
            "quote.xlsx": ws.put_blob(rng.randbytes(1024)),
        }
        ws.add_version(TENANT, service_id, f"1.{n}.0", files, version_id=version_id)
    return ws


def export_folder(**fields: object) -> ExportRequest:
    return ExportRequest(inputs=ExportInputs(folders=[FOLDER]), **fields)


def wait_for(condition: Callable[[], T], *, timeout: float = 20.0, what: str = "condition") -> T:
    """Poll `condition` until it returns something truthy (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def job_row(ws: Workspace, job_id: str) -> sqlite3.Row:
    return ws.connect().execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()


def leftovers(ws: Workspace, job_id: str) -> list[Path]:
    """What a job left in the workspace: its package directory and anything in it, and the tmp dir's files."""
    job_dir = ws.packages / job_id
    return ([job_dir, *sorted(job_dir.rglob("*"))] if job_dir.exists() else []) + sorted(ws.tmp.iterdir())


def reap_workers(jobs: JobManager, timeout: float = 30.0) -> None:
    """Wait for the workers `jobs` started. A worker marks its job ended just before it exits, so a test that
    ends on the job's state would leave it running, and Python warn 'subprocess … is still running'."""
    for proc in list(jobs._children.values()):
        proc.wait(timeout)
