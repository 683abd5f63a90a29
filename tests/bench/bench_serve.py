"""The same export through `spark-tui serve`, by `spark-tui --batch` (spark profile) and by `cspark export run`.

Run: python tests/bench/bench_serve.py [--folders 3 --services 4 --versions 3 --payload-bytes 1400000 --runs 3]
(defaults: a ~50 MB package).

Both clients run as child processes against one server process, one at a time (never overlapping);
wall time is measured around each client, peak memory is the client's max RSS as GNU time reports
it (`/usr/bin/time -f %M`, only the child, not this parent), with its CPU time (user + sys).
Each run gets a clean output directory, so the script can be re-run at will. The cspark CLI only
accepts `https://*.coherent.global` base URLs, so its httpx client gets a transport that routes
that host to the local server (tests/remote/spark_routing.py); its profile polls at
`retry_interval` 1 s, the smallest it accepts (the SDK sleeps 2·1 s·U(0, 1.5) before its second
status read, so its wall time varies by up to 3 s between runs). Prints medians and the ratio
spark-tui / cspark.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from spark_tui.engine.store import Workspace  # noqa: E402
from spark_tui.engine.synth import generate  # noqa: E402

GNU_TIME = "/usr/bin/time"
TENANT = "acme"
TOKEN = "bench-token-0123456789abcdef"
SPARK = "https://excel.bench.coherent.global"
CSPARK_WRAPPER = """
import sys, httpx
sys.path.insert(0, {routing_dir!r})
from spark_routing import RoutingTransport
import cspark.sdk._client as client_module
client_module.HttpClient = lambda **kw: httpx.Client(transport=RoutingTransport({spark!r}, {local!r}), **kw)
from cspark.cli import main
sys.argv = ["cspark", *sys.argv[1:]]
main()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(path: Path, ws: Path, port: int) -> None:
    path.write_text(
        f'default_profile = "local"\n\n[profiles.local]\nbackend = "embedded"\nworkspace = "{ws}"\ntenant = "{TENANT}"\n\n'
        f'[profiles.bench]\nbackend = "spark"\nbase_url = "http://127.0.0.1:{port}/{TENANT}"\ntoken = "{TOKEN}"\n'
        f'user = "bench@example.com"\n\n[[serve.users]]\nname = "bench@example.com"\ngroups = ["supervisor:pf"]\n'
        f'token = "{TOKEN}"\n'
    )
    path.chmod(0o600)


def write_cspark_profile(home: Path) -> None:
    (home / ".cspark").mkdir(parents=True)
    (home / ".cspark" / "profiles.yml").write_text(
        "version: '1.0'\nprofile: bench\naccounts:\n  - name: bench\n    created_at: '2025-01-01T00:00:00Z'\n"
        f"    updated_at: '2025-01-01T00:00:00Z'\n    base_url: {SPARK}/{TENANT}\n    auth:\n      token: {TOKEN}\n"
        "    max_retries: 60\n    retry_interval: 1\n    logger: false\n"
    )


def measure(cmd: list[str], env: dict[str, str], usage_file: Path) -> tuple[float, int, float, int]:
    """(wall seconds, peak RSS in KiB, CPU seconds user+sys, exit code) of one child process, run under GNU time."""
    start = time.perf_counter()
    proc = subprocess.run([GNU_TIME, "-f", "%M %U %S", "-o", str(usage_file), *cmd], env=env, cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.decode(errors="replace")[-2000:])
    rss, user, system = usage_file.read_text().split()[-3:]
    return wall, int(rss), float(user) + float(system), proc.returncode


def check_package(path: Path) -> int:
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None, f"corrupt package {path}"
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folders", type=int, default=3)
    parser.add_argument("--services", type=int, default=4)
    parser.add_argument("--versions", type=int, default=3)
    parser.add_argument("--payload-bytes", type=int, default=1_400_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if not Path(GNU_TIME).is_file():
        raise SystemExit(f"{GNU_TIME} (GNU time) is missing; install it: apt-get install -y time")

    tmp = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    server = None
    try:
        ws_dir = tmp / "ws"
        ws = Workspace(ws_dir)
        ws.ensure_tenant(TENANT)
        generate(ws, TENANT, folders=args.folders, services=args.services, versions=args.versions, payload_bytes=args.payload_bytes)
        ws.close()
        folders = [f"synth-{i:04d}" for i in range(args.folders)]
        port = free_port()
        local = f"http://127.0.0.1:{port}"
        config = tmp / "config.toml"
        write_config(config, ws_dir, port)
        home = tmp / "home"
        write_cspark_profile(home)
        env = dict(os.environ, SPARK_TUI_HOME=str(tmp / "spark-tui-home"), HOME=str(home), PYTHONPATH=str(ROOT))
        for var in ("CSPARK_BASE_URL", "CSPARK_BEARER_TOKEN", "CSPARK_API_KEY", "CSPARK_CLIENT_ID", "CSPARK_CLIENT_SECRET"):
            env.pop(var, None)

        server = subprocess.Popen(
            [sys.executable, "-m", "spark_tui", "serve", "--config", str(config), "--profile", "local", "--port", str(port)],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{local}/health").status_code == 200:
                    break
            except httpx.ConnectError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start: {server.stderr.read().decode()[-2000:]}")
            time.sleep(0.05)

        folder_args = [a for f in folders for a in ("--folder", f)]
        wrapper = CSPARK_WRAPPER.format(routing_dir=str(ROOT / "tests" / "remote"), spark=SPARK, local=local)
        results: dict[str, list[tuple[float, int, float]]] = {"spark-tui --batch": [], "cspark export run": []}
        sizes: dict[str, int] = {}
        out = tmp / "out"
        for run in range(args.runs):
            ours = out / "spark-tui"
            theirs = out / "cspark" / "package.zip"
            cmd_ours = [sys.executable, "-m", "spark_tui", "--config", str(config), "--profile", "bench", "--batch",
                        *folder_args, "--version-filter", "all", "-o", str(ours)]
            cmd_theirs = [sys.executable, "-c", wrapper, "export", "run", *folder_args, "--version-filter", "all",
                          "-o", str(theirs)]
            for label, cmd, produced in (("spark-tui --batch", cmd_ours, ours / "package.zip"),
                                         ("cspark export run", cmd_theirs, theirs)):
                shutil.rmtree(out, ignore_errors=True)  # a clean output directory for every client and run
                ours.mkdir(parents=True)
                theirs.parent.mkdir(parents=True)
                wall, rss, cpu, code = measure(cmd, env, tmp / "usage.txt")
                if code != 0:
                    raise SystemExit(f"{label} exited {code}")
                sizes[label] = check_package(produced)
                results[label].append((wall, rss, cpu))

        print(f"export of {len(folders)} folders x {args.services} services x {args.versions} versions "
              f"({args.payload_bytes} B payload each) through spark-tui serve, {args.runs} run(s), medians:")
        print(f"{'client':<20} {'wall s':>8} {'peak RSS MiB':>13} {'CPU s':>7} {'package MiB':>12}")
        medians = {}
        for label, samples in results.items():
            wall = statistics.median(s[0] for s in samples)
            rss = statistics.median(s[1] for s in samples) / 1024
            cpu = statistics.median(s[2] for s in samples)
            medians[label] = (wall, rss)
            print(f"{label:<20} {wall:>8.2f} {rss:>13.1f} {cpu:>7.2f} {sizes[label] / 2**20:>12.1f}")
        print(f"load average at the end: {os.getloadavg()[0]:.1f} (other processes slow both clients)")
        (w1, m1), (w2, m2) = medians["spark-tui --batch"], medians["cspark export run"]
        print(f"ratio spark-tui / cspark: wall {w1 / w2:.2f}x, peak memory {m1 / m2:.2f}x")
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
