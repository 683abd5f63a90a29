"""TUI benchmarks: cold start vs a bare Textual app, a 10,000-service folder, idle CPU with 200 jobs.

Run: `python tests/bench/bench_tui.py` (prints numbers and ratios measured in the same run).
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "tui"))

FIRST_FRAME = """\
import sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
{setup}
class Timed(App_):
    def on_mount(self):
        self.call_after_refresh(self._done)

    def _done(self):
        {ready}

Timed({args}).run(headless=True, size=(120, 40))
"""

BARE = dict(setup="""\
from textual.app import App, ComposeResult
from textual.widgets import Label

class App_(App):
    def compose(self) -> ComposeResult:
        yield Label("hello")
""", args="", ready="print(time.perf_counter() - t0); self.exit()")

SPARK = dict(setup="""\
from spark_tui.backends.embedded import EmbeddedBackend
from spark_tui.tui.app import SparkApp as App_
from spark_tui.tui.widgets.catalog import CatalogTree
backend = EmbeddedBackend({ws!r}, "demo", "me@example.com", ("supervisor:pf",), spawn=False)
""", args="backend",
    # first full frame: the folders are drawn in the tree and no loader is still running
    ready="self.set_interval(0.005, lambda: (len(self.main.query_one(CatalogTree).root.children) > 1 and "
          "(print(time.perf_counter() - t0), self.exit())))")


def cold_start(kind: dict, ws: str, runs: int = 5) -> float:
    code = FIRST_FRAME.format(root=str(ROOT), setup=kind["setup"].format(ws=ws), args=kind["args"], ready=kind["ready"])
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
        if out.returncode != 0:
            raise SystemExit(out.stderr)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


async def big_folder(ws: Path) -> None:
    from spark_tui.backends.embedded import EmbeddedBackend
    from spark_tui.tui.app import SparkApp
    from spark_tui.tui.widgets.catalog import CatalogTree

    backend = EmbeddedBackend(ws, "big", "me@example.com", ("supervisor:pf",), spawn=False)
    app = SparkApp(backend)
    lags: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        async def probe() -> None:  # measures how late the event loop runs a 10 ms timer
            while True:
                start = time.perf_counter()
                await asyncio.sleep(0.01)
                lags.append(time.perf_counter() - start - 0.01)

        task = asyncio.create_task(probe())
        tree = app.main.query_one(CatalogTree)
        while tree._find("folder:synth-0000") is None:
            await pilot.pause(0.02)
        start = time.perf_counter()
        tree._find("folder:synth-0000").expand()
        while len(tree._find("folder:synth-0000").children) < 100:
            await pilot.pause(0.01)
        expand_s = time.perf_counter() - start
        tree.focus()
        tree.move_cursor(tree._find("folder:synth-0000"))
        start = time.perf_counter()
        for _ in range(150):
            await pilot.press("down")
        await pilot.press("enter")  # the "load more" row after 100 services loads page 2
        while len(tree.catalog.services["synth-0000"]) < 200:
            await pilot.pause(0.01)
        moves_s = time.perf_counter() - start
        for _ in range(100):
            await pilot.press("up")
        task.cancel()
    backend.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"10,000-service folder: expand to first page {expand_s * 1000:.0f} ms; 150 moves + page 2 "
          f"{moves_s * 1000:.0f} ms; max event-loop lag {max(lags) * 1000:.1f} ms (target < 100); "
          f"p99 lag {sorted(lags)[int(len(lags) * 0.99)] * 1000:.1f} ms; peak RSS {rss:.0f} MiB")


async def idle_jobs() -> None:
    from fake_backend import FakeBackend, fixed_job

    from spark_tui.spark.models import JobStatus
    from spark_tui.tui.app import SparkApp

    jobs = [fixed_job(n, JobStatus.in_progress if n % 10 == 0 else JobStatus.closed, done=n, total=1000)
            for n in range(1, 201)]
    app = SparkApp(FakeBackend(jobs))
    async with app.run_test(size=(120, 40)) as pilot:
        from spark_tui.tui.widgets.jobs_table import JobsTable

        table = app.main.query_one(JobsTable)
        while table.row_count < 200:
            await pilot.pause(0.05)
        await pilot.pause(1.0)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(5.0)
        cpu = time.process_time() - cpu0
        wall = time.perf_counter() - wall0
    print(f"jobs table, 200 rows refreshing every 1 s: CPU {cpu / wall * 100:.1f}% of one core while idle "
          f"({cpu * 1000:.0f} ms CPU in {wall:.1f} s)")


def main() -> None:
    from spark_tui.engine.demo import ensure_demo
    from spark_tui.engine.store import Workspace
    from spark_tui.engine.synth import generate

    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        ws = Workspace(demo)
        ensure_demo(ws, "demo")
        ws.close()
        bare = cold_start(BARE, str(demo))
        spark = cold_start(SPARK, str(demo))
        print(f"cold start to first full frame (median of 5): bare Textual label app {bare * 1000:.0f} ms, "
              f"spark-tui {spark * 1000:.0f} ms, ratio {spark / bare:.2f}x (target <= 2x)")

        big = Path(tmp) / "big"
        ws = Workspace(big)
        generate(ws, "big", folders=1, services=10_000, versions=1, payload_bytes=64)
        ws.close()
        asyncio.run(big_folder(big))
    asyncio.run(idle_jobs())


if __name__ == "__main__":
    main()
