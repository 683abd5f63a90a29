"""TUI benchmarks: cold start vs a bare Textual app, a 10,000-service folder, idle CPU with 200 jobs.

Run: `python tests/bench/bench_tui.py [--runs 5 --services 10000 --moves 150 --idle-seconds 5]` (prints numbers
and ratios measured in the same run; `--cold-start-only` skips the other two; `--against DIR` also times the
spark-tui of another checkout, e.g. a `git worktree` of main, interleaved with this one: before/after in the
same minutes).
Cold start runs both programs for real on a 120×40 pseudo-terminal and times, from process spawn,
when given text first appears on it: "hello" for the bare app, the first demo folder for spark-tui.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import fcntl
import os
import pty
import resource
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "tui"))

BARE_APP = """\
from textual.app import App, ComposeResult
from textual.widgets import Label


class Bare(App):
    def compose(self) -> ComposeResult:
        yield Label("hello")


Bare().run()
"""


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, every thread, those ended too) process `pid` has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drawn(cmd: list[str], markers: dict[str, bytes], env: dict[str, str], cwd: Path,
          timeout: float = 120.0) -> dict[str, tuple[float, float]]:  # a safety net: a loaded machine draws late
    """Seconds from spawning `cmd` on a 120×40 pseudo-terminal until each marker text has been drawn: wall
    time, and the CPU time the program had used by then (on a shared machine the wall time also counts the
    waits for a core; the CPU time does not)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, start_new_session=True)
    os.close(slave)
    screen, seen = b"", {}
    try:
        while len(seen) < len(markers):
            missing = sorted(set(markers) - set(seen))
            if time.perf_counter() - start > timeout:
                raise SystemExit(f"{cmd}: {missing} not drawn after {timeout} s: {screen[-2000:]!r}")
            if select.select([master], [], [], 0.1)[0]:
                try:
                    screen += os.read(master, 65536)
                except OSError:  # the terminal closed: the program ended
                    raise SystemExit(f"{cmd} ended before drawing {missing}: {screen[-2000:]!r}") from None
                now = time.perf_counter() - start
                new = [name for name, marker in markers.items() if name not in seen and marker in screen]
                if new:
                    cpu = cpu_seconds(proc.pid)
                    seen.update({name: (now, cpu) for name in new})
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(master)
    return seen


def cold_start(demo: Path, tmp: Path, runs: int = 5, roots: tuple[Path, ...] = (ROOT,)
               ) -> tuple[tuple[float, float], dict[Path, dict[str, tuple[float, float]]]]:
    """Median (wall, CPU) seconds to first frame: the bare app's, and the stages of the spark-tui of each checkout
    in `roots` (runs alternate, same conditions; both programs run by the same interpreter, environment and
    terminal).

    spark-tui is the real command (`python -m spark_tui --workspace <demo>`). Its stages: "folders", the
    first full frame (the catalog tree shows the folders), and "form", the export form's fields, which
    are mounted just after it.
    """
    from spark_tui.engine.demo import DEMO_FOLDERS

    env = dict(os.environ, TERM="xterm-256color", SPARK_TUI_HOME=str(tmp / "home"), PYTHONPATH=str(ROOT))
    for size in ("COLUMNS", "LINES"):  # they override the pseudo-terminal's 120×40 (a test runner may set them)
        env.pop(size, None)
    bare_cmd = [sys.executable, "-c", BARE_APP]
    spark_cmd = [sys.executable, "-m", "spark_tui", "--workspace", str(demo)]
    spark_markers = {"folders": DEMO_FOLDERS[0][0].encode(), "form": b"Correlation id"}
    bare: list[tuple[float, float]] = []
    spark: dict[Path, dict[str, list[tuple[float, float]]]] = {root: {} for root in roots}
    for _ in range(runs):
        bare.append(drawn(bare_cmd, {"frame": b"hello"}, env, tmp)["frame"])
        for root in roots:
            for name, seconds in drawn(spark_cmd, spark_markers, dict(env, PYTHONPATH=str(root)), tmp).items():
                spark[root].setdefault(name, []).append(seconds)
    return medians(bare), {root: {name: medians(values) for name, values in stages.items()}
                           for root, stages in spark.items()}


def medians(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(wall for wall, _ in pairs), statistics.median(cpu for _, cpu in pairs)


def load_average() -> str:
    return " ".join(f"{load:.1f}" for load in os.getloadavg())


async def big_folder(ws: Path, services: int, moves: int) -> None:
    from spark_tui.backends.embedded import EmbeddedBackend
    from spark_tui.tui.app import SparkApp
    from spark_tui.tui.widgets.catalog import CatalogTree

    backend = EmbeddedBackend(ws, "big", "me@example.com", ("supervisor:pf",), spawn=False)
    app = SparkApp(backend)
    lags: list[tuple[float, float]] = []  # (when the probe's sleep started, how late it woke)
    async with app.run_test(size=(120, 40)) as pilot:
        async def probe() -> None:  # measures how late the event loop runs a 10 ms timer
            while True:
                start = time.perf_counter()
                await asyncio.sleep(0.01)
                lags.append((start, time.perf_counter() - start - 0.01))

        task = asyncio.create_task(probe())
        settled_at = time.perf_counter() + 1.0  # by then the export form's fields and the jobs table are drawn
        tree = app.main.query_one(CatalogTree)
        while tree._find("folder:synth-0000") is None:
            await pilot.pause(0.02)
        start = time.perf_counter()
        tree._find("folder:synth-0000").expand()
        while len(tree._find("folder:synth-0000").children) < min(100, services):
            await pilot.pause(0.01)
        expand_s = time.perf_counter() - start
        tree.focus()
        tree.move_cursor(tree._find("folder:synth-0000"))
        start = time.perf_counter()
        for _ in range(moves):
            await pilot.press("down")
        await pilot.press("enter")  # the "load more" row after 100 services loads page 2
        while len(tree.catalog.services["synth-0000"]) < min(200, services):
            await pilot.pause(0.01)
        moves_s = time.perf_counter() - start
        for _ in range(moves * 2 // 3):
            await pilot.press("up")
        task.cancel()
    backend.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    late = sorted(lag for _, lag in lags)
    starting = max(lag for at, lag in lags if at < settled_at)
    browsing = max(lag for at, lag in lags if at >= settled_at)
    print(f"{services:,}-service folder: expand to first page {expand_s * 1000:.0f} ms; {moves} moves + page 2 "
          f"{moves_s * 1000:.0f} ms; max event-loop lag {late[-1] * 1000:.1f} ms (target < 100; "
          f"{starting * 1000:.1f} ms in the first second, while the app finishes starting, {browsing * 1000:.1f} ms "
          f"after it); "
          f"p99 lag {late[int(len(late) * 0.99)] * 1000:.1f} ms; peak RSS {rss:.0f} MiB")


async def idle_jobs(idle_s: float) -> None:
    from fake_backend import FakeBackend, fixed_job

    from spark_tui.spark.values import JobStatus
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
        await asyncio.sleep(idle_s)
        cpu = time.process_time() - cpu0
        wall = time.perf_counter() - wall0
    print(f"jobs table, 200 rows refreshing every 1 s: CPU {cpu / wall * 100:.1f}% of one core while idle "
          f"({cpu * 1000:.0f} ms CPU in {wall:.1f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold starts of each program (the median is printed)")
    parser.add_argument("--services", type=int, default=10_000, help="services of the big folder")
    parser.add_argument("--moves", type=int, default=150,
                        help="cursor moves down the folder (past 100 they reach 'load more'), then 2/3 as many up")
    parser.add_argument("--idle-seconds", type=float, default=5.0, help="how long the idle jobs table is measured")
    parser.add_argument("--cold-start-only", action="store_true", help="measure the cold start only")
    parser.add_argument("--against", metavar="DIR", type=Path, action="append", default=[],
                        help="also time the spark-tui of this checkout (repeatable), interleaved with this one")
    args = parser.parse_args(argv)
    for other in args.against:
        if not (other / "spark_tui" / "__main__.py").is_file():
            parser.error(f"--against {other}: no spark_tui/__main__.py there; give the root of a spark-tui checkout")

    from spark_tui.engine.demo import ensure_demo
    from spark_tui.engine.store import Workspace
    from spark_tui.engine.synth import generate

    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        ws = Workspace(demo)
        ensure_demo(ws, "demo")
        ws.close()
        # Byte-compile spark_tui as `pip install` does (Textual is compiled in the venv already), so that
        # compiling sources (skipped under PYTHONDONTWRITEBYTECODE) is not charged to one side only.
        roots = (ROOT, *(other.resolve() for other in args.against))
        for root in roots:
            compileall.compile_dir(root / "spark_tui", quiet=1)
        load_before = load_average()
        bare, spark = cold_start(demo, Path(tmp), args.runs, roots)
        print(f"cold start, process start to drawn on a 120x40 terminal, wall (CPU used by then), medians of "
              f"{args.runs} (load average {load_before} before, {load_average()} after): bare Textual label app "
              f"{bare[0] * 1000:.0f} ms ({bare[1] * 1000:.0f} ms CPU)")
        for root, stages in spark.items():
            (wall, cpu), (form_wall, form_cpu) = stages["folders"], stages["form"]
            print(f"  spark-tui{'' if root == ROOT else f' of {root}'}: first full frame (folders shown) "
                  f"{wall * 1000:.0f} ms ({cpu * 1000:.0f} ms CPU), ratio {wall / bare[0]:.2f}x (target <= 1.5x; "
                  f"CPU {cpu / bare[1]:.2f}x); export form's fields {form_wall * 1000:.0f} ms ({form_wall / bare[0]:.2f}x; "
                  f"CPU {form_cpu * 1000:.0f} ms, {form_cpu / bare[1]:.2f}x)")
        if args.cold_start_only:
            return 0

        big = Path(tmp) / "big"
        ws = Workspace(big)
        generate(ws, "big", folders=1, services=args.services, versions=1, payload_bytes=64)
        ws.close()
        asyncio.run(big_folder(big, args.services, args.moves))
    asyncio.run(idle_jobs(args.idle_seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
