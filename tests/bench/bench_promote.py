"""Promote a ~150 MB selection between two `spark-tui serve` instances, vs `cspark export run` then `cspark import run`.

Run: python tests/bench/bench_promote.py [--folders 3 --services 4 --versions 3 --payload-bytes 4000000 --runs 3 --no-backup]

Two servers (dev and uat, one workspace each, tenant `acme`); uat has the destination folders
`uat-synth-*`. Each run promotes every service of the dev folders into the uat folders under the same
service names with `replace`:
- spark-tui: one process, `--batch --profile dev --promote-to uat --map synth-000N=uat-synth-000N ...`
  (from the second run on, the services exist: it backs them up before replacing, unless --no-backup);
- reference: `cspark export run` (download to a file) then `cspark import run -d src=dst ...` on the
  same servers, two processes; its wall time is the sum, its peak memory the larger of the two.
Each child's peak RSS comes from `/usr/bin/time -f %M`. The cspark CLI only accepts
`https://*.coherent.global` base URLs, so a small wrapper gives its httpx client a transport that
streams those requests to the local servers; its profiles poll at `retry_interval` 1 s, the
smallest it accepts. Prints medians and the ratios spark-tui / cspark.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchkit import free_port, start_server  # noqa: E402

from spark_tui.engine.store import Workspace  # noqa: E402
from spark_tui.engine.synth import generate  # noqa: E402

TENANT = "acme"
TOKEN = "bench-token-0123456789abcdef"
TIME = "/usr/bin/time"
CSPARK_WRAPPER = """
import sys, httpx
ROUTES = {routes!r}

class Routing(httpx.HTTPTransport):
    def handle_request(self, request):
        local = ROUTES.get(request.url.host)
        if local is not None:
            target = httpx.URL(local)
            url = request.url.copy_with(scheme=target.scheme, host=target.host, port=target.port)
            headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"host"]
            headers.append((b"host", (target.host + ":" + str(target.port)).encode()))
            request = httpx.Request(request.method, url, headers=headers, stream=request.stream)
        return super().handle_request(request)

import cspark.sdk._client as client_module
client_module.HttpClient = lambda **kw: httpx.Client(transport=Routing(), **kw)
from cspark.cli import main
sys.argv = ["cspark", *sys.argv[1:]]
main()
"""




def serve_config(path: Path, ws: Path) -> None:
    path.write_text(
        f'[profiles.local]\nbackend = "embedded"\nworkspace = "{ws}"\ntenant = "{TENANT}"\n\n'
        f'[[serve.users]]\nname = "bench@example.com"\ngroups = ["supervisor:pf"]\ntoken = "{TOKEN}"\n'
    )
    path.chmod(0o600)


def client_config(path: Path, ports: dict[str, int]) -> None:
    path.write_text("".join(
        f'[profiles.{name}]\nbackend = "spark"\nbase_url = "http://127.0.0.1:{port}/{TENANT}"\ntoken = "{TOKEN}"\n'
        f'user = "bench@example.com"\n\n'
        for name, port in ports.items()
    ))
    path.chmod(0o600)


def cspark_home(home: Path, env_name: str) -> Path:
    (home / ".cspark").mkdir(parents=True)
    (home / ".cspark" / "profiles.yml").write_text(
        "version: '1.0'\nprofile: bench\naccounts:\n  - name: bench\n    created_at: '2025-01-01T00:00:00Z'\n"
        f"    updated_at: '2025-01-01T00:00:00Z'\n    base_url: https://excel.{env_name}.coherent.global/{TENANT}\n"
        f"    auth:\n      token: {TOKEN}\n    max_retries: 60\n    retry_interval: 1\n    logger: false\n"
    )
    return home




def measure(cmd: list[str], env: dict[str, str], rss_file: Path) -> tuple[float, int]:
    """(wall seconds, peak RSS KiB) of one child, measured by GNU time; exits on failure."""
    start = time.perf_counter()
    proc = subprocess.run([TIME, "-f", "%M", "-o", str(rss_file), *cmd], env=env, cwd=rss_file.parent,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:4]} exited {proc.returncode}: {proc.stderr.decode(errors='replace')[-2000:]}")
    return wall, int(rss_file.read_text().split()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folders", type=int, default=3)
    parser.add_argument("--services", type=int, default=4)
    parser.add_argument("--versions", type=int, default=3)
    parser.add_argument("--payload-bytes", type=int, default=4_400_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-backup", action="store_true",
                        help="pass --no-backup: no export of the replaced services before the import (cspark makes none)")
    args = parser.parse_args(argv)
    if not Path(TIME).exists():
        raise SystemExit(f"{TIME} is missing; install GNU time (apt-get install -y time)")

    tmp = Path(tempfile.mkdtemp(prefix="bench-promote-"))
    servers: list[subprocess.Popen] = []
    try:
        folders = [f"synth-{i:04d}" for i in range(args.folders)]
        dev_ws, uat_ws = Workspace(tmp / "dev-ws"), Workspace(tmp / "uat-ws")
        generate(dev_ws, TENANT, folders=args.folders, services=args.services, versions=args.versions,
                 payload_bytes=args.payload_bytes)
        uat_ws.ensure_tenant(TENANT)
        for folder in folders:
            uat_ws.add_folder(TENANT, f"uat-{folder}")
        dev_ws.close()
        uat_ws.close()

        env = dict(os.environ, SPARK_TUI_HOME=str(tmp / "spark-tui-home"), PYTHONPATH=str(ROOT))
        for var in ("CSPARK_BASE_URL", "CSPARK_BEARER_TOKEN", "CSPARK_API_KEY", "CSPARK_CLIENT_ID", "CSPARK_CLIENT_SECRET"):
            env.pop(var, None)
        ports = {"dev": free_port(), "uat": free_port()}
        for name in ports:
            serve_config(tmp / f"{name}-serve.toml", tmp / f"{name}-ws")
            servers.append(start_server(tmp / f"{name}-serve.toml", ports[name], env))
        client = tmp / "client.toml"
        client_config(client, ports)
        routes = {f"excel.{name}.coherent.global": f"http://127.0.0.1:{port}" for name, port in ports.items()}
        wrapper = CSPARK_WRAPPER.format(routes=routes)
        homes = {name: cspark_home(tmp / f"home-{name}", name) for name in ports}

        folder_args = [a for f in folders for a in ("--folder", f)]
        maps = [a for f in folders for a in ("--map", f"{f}=uat-{f}")]
        destinations = [
            a for f in folders for s in range(args.services)
            for a in ("-d", f"{f}/service-{s:04d}=uat-{f}/service-{s:04d}")
        ]
        ours_samples, theirs_samples, size = [], [], 0
        for run in range(args.runs):
            out = tmp / f"out-{run}"
            out.mkdir()
            ours = [sys.executable, "-m", "spark_tui", "--config", str(client), "--batch", "--profile", "dev",
                    "--promote-to", "uat", *folder_args, *maps, "--if-present", "replace", "-o", str(out)]
            ours += ["--no-backup"] if args.no_backup else []
            ours_samples.append(measure(ours, env, tmp / "rss"))
            size = max(p.stat().st_size for p in out.glob("*.zip"))
            package = out / "cspark.zip"
            export = [sys.executable, "-c", wrapper, "export", "run", *folder_args, "--version-filter", "all", "-o", str(package)]
            imported = [sys.executable, "-c", wrapper, "import", "run", str(package), *destinations, "--if-present", "replace"]
            w1, m1 = measure(export, dict(env, HOME=str(homes["dev"])), tmp / "rss")
            w2, m2 = measure(imported, dict(env, HOME=str(homes["uat"])), tmp / "rss")
            theirs_samples.append((w1 + w2, max(m1, m2)))
            shutil.rmtree(out)

        print(f"promotion of {args.folders} folders x {args.services} services x {args.versions} versions "
              f"({size / 2**20:.1f} MiB package) between two spark-tui serve instances, {args.runs} run(s), "
              f"{'no backup' if args.no_backup else 'backup before replace from run 2 on'}, medians:")
        print(f"{'client':<38} {'wall s':>8} {'peak RSS MiB':>13}")
        medians = {}
        for label, samples in (("spark-tui --promote-to (1 process)", ours_samples),
                               ("cspark export run + import run", theirs_samples)):
            wall, rss = statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples) / 1024
            medians[label] = (wall, rss)
            print(f"{label:<38} {wall:>8.2f} {rss:>13.1f}")
        (w1, m1), (w2, m2) = medians.values()
        print(f"ratio spark-tui / cspark: wall {w1 / w2:.2f}x, peak memory {m1 / m2:.2f}x")
        return 0
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
