"""Importing a ~150 MB `migrate` package through `spark-tui serve`, against `sha256sum` of the same file.

Run: python tests/bench/bench_import.py [--services 10 --versions 3 --payload-bytes 5250000 --runs 3]

A source workspace is generated and exported (migrate, incompressible payloads); each run starts a
fresh server over an empty target workspace under `/usr/bin/time -f %M`, uploads the package with
a streaming multipart POST (as the SDKs do) and polls the import job until it is closed. Measured
per run: wall time from the POST to `closed`; the server's peak RSS (GNU time) minus its RSS when
idle before the upload; the import worker's peak RSS (VmHWM, read from /proc while it runs). The
reference is `sha256sum` of the package, timed in the same run. Prints medians and ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from spark_tui.engine.packager import write_package  # noqa: E402
from spark_tui.engine.resolver import resolve  # noqa: E402
from spark_tui.engine.store import Workspace  # noqa: E402
from spark_tui.engine.synth import generate  # noqa: E402
from spark_tui.spark.export_wire import ExportInputs, ExportRequest  # noqa: E402
from spark_tui.spark.values import FileFilter

SOURCE, TARGET, TOKEN = "acme", "target", "bench-token-0123456789abcdef"
GNU_TIME = "/usr/bin/time"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kib(pid: int, field: str) -> int:
    """VmRSS / VmHWM of a process in KiB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def child_of(pid: int) -> int:
    """The one child of `pid` (the server under GNU time)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.01)
    raise SystemExit("the server process did not start under GNU time")


def export_package(tmp: Path, services: int, versions: int, payload: int) -> tuple[Path, list[str]]:
    ws = Workspace(tmp / "source")
    ws.ensure_tenant(SOURCE)
    ws.configure_tenant(SOURCE, size_limit=2**40)
    generate(ws, SOURCE, folders=1, services=services, versions=versions, payload_bytes=payload)
    request = ExportRequest(inputs=ExportInputs(folders=["synth-0000"]), file_filter=FileFilter.migrate)
    selection = resolve(ws, SOURCE, request, ("supervisor:pf",))
    path = write_package(ws, selection, "7a1f0c3e-2b4d-4e6f-8a9b-0c1d2e3f4a5b", tmp / "package.zip", size_limit=2**40).path
    names = [s.service_uri_source for s in selection.outputs().services]
    ws.close()
    return path, names


def sha256sum(path: Path) -> float:
    start = time.perf_counter()
    subprocess.run(["sha256sum", str(path)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def one_import(tmp: Path, package: Path, services: list[str], run: int) -> tuple[float, float, int, int]:
    """(wall s, upload s, server peak RSS growth KiB, worker peak RSS KiB) of one import into a fresh server."""
    root = tmp / f"target-{run}"
    ws = Workspace(root / "ws")
    ws.ensure_tenant(TARGET)
    ws.configure_tenant(TARGET, size_limit=2**40)
    ws.add_folder(TARGET, "uat")
    ws.close()
    port = free_port()
    config = root / "config.toml"
    config.write_text(
        f'default_profile = "local"\n[profiles.local]\nbackend = "embedded"\nworkspace = "{root / "ws"}"\n'
        f'tenant = "{TARGET}"\n[[serve.users]]\nname = "bench@example.com"\ngroups = ["supervisor:pf"]\ntoken = "{TOKEN}"\n'
    )
    config.chmod(0o600)
    rss_file = root / "server-rss.txt"
    env = dict(os.environ, SPARK_TUI_HOME=str(root / "home"), PYTHONPATH=str(ROOT))
    timed = subprocess.Popen(
        [GNU_TIME, "-f", "%M", "-o", str(rss_file), sys.executable, "-m", "spark_tui", "serve", "--config", str(config),
         "--port", str(port)],
        env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    server = child_of(timed.pid)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health").status_code == 200:
                    break
            except httpx.ConnectError:
                pass
            if timed.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("server did not start")
            time.sleep(0.05)
        idle = kib(server, "VmRSS")
        entity = {"inputs": {"services_modify": [
            {"service_uri_source": s, "service_uri_destination": f"uat/{s.split('/')[1]}-imported"} for s in services
        ]}, "services_existing": "abort"}
        headers = {"Authorization": f"Bearer {TOKEN}"}
        worker_peak = 0
        with httpx.Client(timeout=600, headers=headers) as http, package.open("rb") as handle:
            start = time.perf_counter()
            created = http.post(
                f"{url}/{TARGET}/api/v4/import", data={"importRequestEntity": json.dumps(entity)},
                files={"file": ("package.zip", handle, "application/zip")},
            )
            created.raise_for_status()
            uploaded = time.perf_counter() - start
            job_id = created.json()["id"]
            db = sqlite3.connect(f"file:{root / 'ws' / 'workspace.db'}?mode=ro", uri=True)
            while True:
                status, pid = db.execute("SELECT status, worker_pid FROM jobs WHERE id=?", (job_id,)).fetchone()
                if pid:
                    worker_peak = max(worker_peak, kib(pid, "VmHWM"))
                if status not in ("created", "in_progress"):
                    break
                time.sleep(0.02)
            wall = time.perf_counter() - start
            db.close()
            job = http.get(f"{url}/{TARGET}/api/v4/import/{job_id}/status").json()
        if job["status"] != "closed":
            raise SystemExit(f"import ended {job['status']}: {job['errors']}")
    finally:
        if timed.poll() is None:  # a server that failed to start has already exited
            os.kill(server, signal.SIGTERM)
        timed.wait(30)
    peak = int(rss_file.read_text().strip().splitlines()[-1])
    shutil.rmtree(root, ignore_errors=True)
    return wall, uploaded, peak - idle, worker_peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10)
    parser.add_argument("--versions", type=int, default=3)
    parser.add_argument("--payload-bytes", type=int, default=5_250_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if not Path(GNU_TIME).exists():
        raise SystemExit("GNU time is missing: apt-get install -y time")
    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        package, services = export_package(tmp, args.services, args.versions, args.payload_bytes)
        size_mib = package.stat().st_size / 2**20
        walls, uploads, growths, workers, refs = [], [], [], [], []
        for run in range(args.runs):
            refs.append(sha256sum(package))
            wall, upload, growth, worker = one_import(tmp, package, services, run)
            walls.append(wall)
            uploads.append(upload)
            growths.append(growth)
            workers.append(worker)
        wall, ref = statistics.median(walls), statistics.median(refs)
        print(f"import of a {size_mib:.1f} MiB migrate package ({len(services)} services x {args.versions} versions) "
              f"through spark-tui serve, {args.runs} run(s), medians:")
        print(f"  wall, POST to closed      {wall:8.2f} s   (upload until the job is created: {statistics.median(uploads):.2f} s)")
        print(f"  sha256sum of the package  {ref:8.2f} s   ratio {wall / ref:.2f}x")
        print(f"  server peak RSS growth    {statistics.median(growths) / 1024:8.1f} MiB")
        print(f"  import worker peak RSS    {statistics.median(workers) / 1024:8.1f} MiB")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
