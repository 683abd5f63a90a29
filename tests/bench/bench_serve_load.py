"""`spark-tui serve` under load: 50 pollers of the tenant-wide status routes and 5 writers, on loopback.

Run: python tests/bench/bench_serve_load.py [--jobs 300 --pollers 50 --writers 5 --seconds 10 --max-requests 20000]

The workspace's job window is seeded with `--jobs` finished export and import jobs (half each,
all within the last hour, each with a ~1 KB request), as after a busy hour. One server process is
started; the clients run as asyncio tasks in this process, each on its own keep-alive connection:
pollers alternate `GET /{tenant}/api/v4/export/status` and `GET /{tenant}/api/v4/import/status`
(as a supervisor, who sees every job of the window); writers create folders
(`POST /api/v1/product/create`). The run stops after `--seconds` or `--max-requests`, whichever
comes first. Reports requests per second, p50/p99 latency, the mean size of a status answer, and
the server's RSS (VmRSS) after warm-up and at the end, with the machine's load (`uptime`): the
figures depend on what else runs. Targets (issue 18, 2-core machine): ≥ 400 req/s, p99 ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchkit import cpu_seconds, free_port  # noqa: E402

from spark_tui.engine.store import Workspace  # noqa: E402

TENANT = "acme"
TOKEN = "bench-load-token-0123456789abcdef"
USER = "bench@example.com"
TARGET_RPS = 400
TARGET_P99_MS = 300




def seed(root: Path, jobs: int) -> None:
    """A tenant whose last hour holds `jobs` finished jobs, half exports and half imports."""
    ws = Workspace(root)
    ws.ensure_tenant(TENANT)
    now = datetime.now(timezone.utc)
    request = json.dumps({"inputs": {"folders": ["f"] * 40, "services": [f"f/service-{n:04d}" for n in range(40)]}})
    rows = []
    for n in range(jobs):
        at = (now - timedelta(seconds=3000 * n / max(jobs, 1))).isoformat().replace("+00:00", "Z")
        kind = "export" if n % 2 == 0 else "import"
        rows.append((str(uuid.uuid4()), TENANT, f"user-{n % 7}@example.com", "closed", request, "p.zip", at, at, at, at,
                     1234, kind, json.dumps(["supervisor:pf"])))
    with ws.transaction() as db:
        db.executemany(
            "INSERT INTO jobs (id, tenant, created_by, status, request_json, file_name, created, updated, started, finished,"
            " process_time_ms, kind, groups_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows,
        )
    ws.close()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0




def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


async def load(base: str, pollers: int, writers: int, seconds: float, max_requests: int) -> tuple[list[float], list[int], int]:
    """Latencies (s) of every request, sizes of the status answers, and the number of failed requests."""
    latencies: list[float] = []
    sizes: list[int] = []
    failed = 0
    deadline = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {TOKEN}", "x-tenant-name": TENANT}

    def more() -> bool:
        return time.monotonic() < deadline and len(latencies) < max_requests

    async def poller(n: int) -> None:
        nonlocal failed
        routes = [f"{base}/{TENANT}/api/v4/export/status", f"{base}/{TENANT}/api/v4/import/status"]
        async with httpx.AsyncClient(headers=headers, timeout=30) as client:
            i = n
            while more():
                start = time.perf_counter()
                response = await client.get(routes[i % 2])
                latencies.append(time.perf_counter() - start)
                sizes.append(len(response.content))
                failed += response.status_code != 200
                i += 1

    async def writer(n: int) -> None:
        nonlocal failed
        async with httpx.AsyncClient(headers=headers, timeout=30) as client:
            i = 0
            while more():
                start = time.perf_counter()
                response = await client.post(f"{base}/api/v1/product/create", data={"Name": f"load-{n}-{i}"})
                latencies.append(time.perf_counter() - start)
                failed += response.status_code != 200 or response.json().get("status") != "Success"
                i += 1

    await asyncio.gather(*(poller(n) for n in range(pollers)), *(writer(n) for n in range(writers)))
    return latencies, sizes, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--pollers", type=int, default=50)
    parser.add_argument("--writers", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--max-requests", type=int, default=20_000)
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-serve-load-"))
    server = None
    try:
        seed(tmp / "ws", args.jobs)
        config = tmp / "config.toml"
        config.write_text(
            f'default_profile = "local"\n\n[profiles.local]\nbackend = "embedded"\nworkspace = "{tmp / "ws"}"\n'
            f'tenant = "{TENANT}"\n\n[[serve.users]]\nname = "{USER}"\ngroups = ["supervisor:pf"]\ntoken = "{TOKEN}"\n'
        )
        config.chmod(0o600)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "spark_tui", "serve", "--config", str(config), "--port", str(port)],
            cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        server.stdout.readline()  # the banner: the socket is bound
        warm = asyncio.run(load(base, 2, 0, 1.0, 50))  # imports, caches and the first connections
        assert warm[0], "the server answered nothing during warm-up"
        rss_start, load_start, cpu_start = rss_kib(server.pid), uptime(), cpu_seconds(server.pid)
        started, client_cpu = time.perf_counter(), time.process_time()
        latencies, sizes, failed = asyncio.run(load(base, args.pollers, args.writers, args.seconds, args.max_requests))
        elapsed, client_cpu = time.perf_counter() - started, time.process_time() - client_cpu
        rss_end, load_end, serve_cpu = rss_kib(server.pid), uptime(), cpu_seconds(server.pid) - cpu_start
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)

    ordered = sorted(latencies)
    rps = len(latencies) / elapsed
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    ok = rps >= TARGET_RPS and p99 <= TARGET_P99_MS and failed == 0
    print(f"serve under load: {args.pollers} pollers of the tenant-wide status routes, {args.writers} folder writers, "
          f"{args.jobs} jobs in the window, {elapsed:.1f} s, {len(latencies)} requests ({failed} failed)")
    print(f"throughput: {rps:.0f} req/s (target ≥ {TARGET_RPS})")
    print(f"latency: p50 {p50:.0f} ms, p99 {p99:.0f} ms (target p99 ≤ {TARGET_P99_MS} ms)")
    print(f"status answer: {sum(sizes) / max(len(sizes), 1) / 1024:.1f} KiB mean")
    print(f"CPU: serve {serve_cpu:.1f} s ({serve_cpu / max(len(latencies), 1) * 1000:.2f} ms per request), "
          f"the clients {client_cpu:.1f} s, in {elapsed:.1f} s on {os.cpu_count()} cores")
    print(f"serve RSS: {rss_start / 1024:.1f} MiB after warm-up, {rss_end / 1024:.1f} MiB at the end")
    print(f"machine load at start: {load_start}")
    print(f"machine load at end:   {load_end}")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
