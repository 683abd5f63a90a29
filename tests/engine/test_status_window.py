"""The tenant-wide status answers (export and import): every active job and the newest WINDOW_LIMIT
finished within the hour, read by index, whatever the hour held."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from spark_tui.engine.import_jobs import ImportJobs
from spark_tui.engine.jobs import SUPERVISOR_GROUP, WINDOW_LIMIT, JobManager
from spark_tui.engine.store import Workspace
from spark_tui.spark.values import iso, utc_now

TENANT = "acme"


def seed(ws: Workspace, kind: str, finished_minutes_ago: list[float], *, active: int = 0, user: str = "a@x") -> list[str]:
    """Jobs of `kind`: one finished job per entry (created and finished that long ago), then `active` running ones."""
    ids = []
    rows = []
    now = utc_now()
    for n, minutes in enumerate([*finished_minutes_ago, *([None] * active)]):
        at = iso(now - timedelta(minutes=minutes if minutes is not None else 0, microseconds=n))
        job_id = str(uuid.uuid4())
        ids.append(job_id)
        status = "closed" if minutes is not None else "in_progress"
        rows.append((job_id, TENANT, user, status, "{}", "p.zip", at, at, at, at if minutes is not None else None, 5, kind,
                     json.dumps([])))
    with ws.transaction() as db:
        db.executemany(
            "INSERT INTO jobs (id, tenant, created_by, status, request_json, file_name, created, updated, started, finished,"
            " process_time_ms, kind, groups_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows,
        )
    return ids


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    ws.ensure_tenant(TENANT)
    yield ws
    ws.close()


@pytest.mark.parametrize("finished", [0, 1, WINDOW_LIMIT, WINDOW_LIMIT + 1, 300])
@pytest.mark.parametrize("kind", ["export", "import"])
def test_the_answer_holds_the_newest_finished_jobs_of_the_hour_and_every_active_one(ws: Workspace, kind: str, finished: int) -> None:
    minutes = [50 * n / max(finished, 1) for n in range(finished)]  # newest first, all within the hour
    ids = seed(ws, kind, [*minutes, 61, 90], active=1)  # two jobs older than the hour
    manager = JobManager(ws, spawn=False)
    if kind == "export":
        answer = manager.tenant_status(TENANT, "boss@x", (SUPERVISOR_GROUP,))
        active, recent = answer.in_progress_exports, answer.recent_exports
    else:
        answer = ImportJobs(manager).tenant_status(TENANT, "boss@x", (SUPERVISOR_GROUP,))
        active, recent = answer.in_progress_imports, answer.recent_imports
    assert [j.id for j in recent] == ids[:min(finished, WINDOW_LIMIT)]
    assert [j.id for j in active] == ids[-1:]
    assert all(j.object == kind for j in [*active, *recent])


def test_a_caller_sees_only_their_own_jobs_unless_supervisor(ws: Workspace) -> None:
    mine = seed(ws, "export", [1, 2], user="me@x")
    theirs = seed(ws, "export", [1.5], user="them@x")
    manager = JobManager(ws, spawn=False)
    assert [j.id for j in manager.tenant_status(TENANT, "me@x", ()).recent_exports] == mine
    assert [j.id for j in manager.tenant_status(TENANT, "me@x", (SUPERVISOR_GROUP,)).recent_exports] == [mine[0], theirs[0], mine[1]]


def test_the_window_and_package_expiry_are_read_by_index(ws: Workspace) -> None:
    """Every statement a tenant-wide status runs, as SQLite plans it: no full scan of the jobs table."""
    seed(ws, "export", [float(n) for n in range(200)])
    manager = JobManager(ws, spawn=False)
    db = ws.connect()
    db.execute("ANALYZE")
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    manager.tenant_status(TENANT, "boss@x", (SUPERVISOR_GROUP,))
    db.set_trace_callback(None)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and " jobs " in s]
    assert len(reads) >= 3
    for sql in reads:
        plan = [row[-1] for row in db.execute("EXPLAIN QUERY PLAN " + sql)]
        assert not any(step.startswith("SCAN jobs") for step in plan), (sql, plan)
    planned = " ".join(row[-1] for sql in reads for row in db.execute("EXPLAIN QUERY PLAN " + sql))
    assert "INDEX jobs_window" in planned and "INDEX jobs_kept_packages" in planned, planned
