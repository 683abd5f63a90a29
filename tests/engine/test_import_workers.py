"""Import jobs across processes: the one-job slot under concurrent submitters, a real spawned worker."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from importspace import DEST, TARGET, exported, mapping, request, source_and_target
from jobspace import OTHER, USER, leftovers, wait_for

from spark_tui.engine.import_jobs import ImportJobs
from spark_tui.engine.jobs import JobManager
from spark_tui.engine.store import Workspace
from spark_tui.spark.values import JobStatus

ROOT = Path(__file__).resolve().parents[2]
# argv: workspace, go-file, package, user, destination service
SUBMIT = """
import json, sys, time
from pathlib import Path
from spark_tui.engine.import_jobs import ImportJobs
from spark_tui.engine.jobs import JobManager
from spark_tui.engine.store import Workspace
from spark_tui.spark.errors import JobSlotBusy
from spark_tui.spark.import_wire import ImportInputs, ImportRequestEntity, ServiceMapping
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.002)
entity = ImportRequestEntity(inputs=ImportInputs(services_modify=[
    ServiceMapping(service_uri_source="Pricing/quote", service_uri_destination=sys.argv[5])]))
try:
    job = ImportJobs(JobManager(Workspace(sys.argv[1]), spawn=False)).submit("beta", sys.argv[4], (), Path(sys.argv[3]), entity)
    print(json.dumps({"id": job.id}))
except JobSlotBusy as exc:
    print(json.dumps({"busy": exc.running}))
"""


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = source_and_target(tmp_path / "workspace")
    yield workspace
    workspace.close()


def test_concurrent_submitters_get_exactly_one_import_slot(ws: Workspace, tmp_path: Path) -> None:
    package = exported(ws, tmp_path / "in" / "migrate.zip")
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SUBMIT, str(ws.root), str(go), str(package), f"user{n}@example.com", f"{DEST}/q{n}"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for n in range(4)
    ]
    go.touch()
    answers = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        answers.append(json.loads(out))
    created = [a["id"] for a in answers if "id" in a]
    assert len(created) == 1 and all(a["busy"] == created for a in answers if "busy" in a)
    assert ws.connect().execute("SELECT COUNT(*) FROM jobs WHERE kind='import'").fetchone()[0] == 1
    export_dirs = {r[0] for r in ws.connect().execute("SELECT id FROM jobs WHERE kind='export'")}
    assert [p.name for p in ws.packages.iterdir() if p.name not in export_dirs] == created  # losers left nothing


def test_a_spawned_worker_imports_and_cleans_up(ws: Workspace, tmp_path: Path) -> None:
    package = exported(ws, tmp_path / "in" / "migrate.zip")
    imports = ImportJobs(JobManager(ws))
    job = imports.submit(TARGET, USER, (), package, request(mapping("Pricing/quote", f"{DEST}/spawned")))
    done = wait_for(lambda: (j := imports.status(TARGET, job.id, USER, ())).status.is_terminal and j, what="import job end")
    assert done.status is JobStatus.closed, done.errors
    assert [s.name for s in ws.list_services(TARGET, DEST)[0]] == ["spawned"]
    wait_for(lambda: leftovers(ws, job.id) == [], what="the worker's clean-up after the commit that closed the job")
    with pytest.raises(Exception, match="import job"):
        imports.status(TARGET, job.id, OTHER, ())
