"""The status routes clients poll run one at a time on a thread of their own (server/polled.py): many
pollers do not occupy the threads other routes use, and their answers are those of the engine."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import ALICE, TENANT, small_workspace  # noqa: E402

from spark_tui.engine.import_jobs import ImportJobs
from spark_tui.engine.jobs import JobManager
from spark_tui.server import create_app

ROUTES = [f"/{TENANT}/api/v4/export/status", f"/{TENANT}/api/v4/import/status"]


@pytest.mark.parametrize("route", ROUTES)
async def test_concurrent_polls_run_one_at_a_time_and_answer_alike(tmp_path: Path, monkeypatch, route: str) -> None:
    ws = small_workspace(tmp_path / "ws")
    app = create_app(ws, [ALICE], jobs=JobManager(ws, spawn=False))
    running, most, threads = 0, 0, set()
    lock = threading.Lock()

    def watched(real):
        def status(self, *args, **kwargs):
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
                threads.add(threading.get_ident())
            time.sleep(0.005)  # holds the thread so that calls on a shared pool would overlap
            with lock:
                running -= 1
            return real(self, *args, **kwargs)
        return status

    monkeypatch.setattr(JobManager, "tenant_status", watched(JobManager.tenant_status))
    monkeypatch.setattr(ImportJobs, "tenant_status", watched(ImportJobs.tenant_status))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://spark.test",
                                 headers={"Authorization": f"Bearer {ALICE.token}"}) as client:
        answers = await asyncio.gather(*(client.get(route) for _ in range(12)))
    ws.close()
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert most == 1 and threading.get_ident() not in threads
