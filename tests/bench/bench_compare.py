"""Compare two environments of 1,000 services × 5 versions with ~10% drift: over two `spark-tui serve`
instances, and embedded ↔ embedded.

Run: python tests/bench/bench_compare.py [--folders 10 --services 100 --versions 5 --drift-every 10 --runs 3]

Two workspaces (dev and uat, tenant `acme`) are generated with the same ids; every version gets its
own workbook hash (the comparison reads catalogs only, never a blob). uat then drifts in every
`--drift-every`-th service, by turns: its latest version is gone, a version holds other content, an
extra version, the service is gone, plus one extra service per folder. Measured, each as a child
process under GNU time (wall, peak RSS), medians of `--runs`:
- `spark-tui --batch --profile dev --compare uat --json` with both profiles on `serve` (metadata
  comparison over HTTP; target ≤ 5 s, ≤ 120 MiB);
- the same with both profiles embedded (target ≤ 1 s);
- reference, same run (once): the same reads one request at a time (RemoteBackend, no comparison),
  the least a sequential client must do.
Each run's JSON summary is checked against the drift that was made. CPU seconds of the client (GNU
time) and of the two servers (/proc) are printed too: on a busy machine they say what wall time an
idle one would give.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchkit import cpu_seconds, free_port, start_server  # noqa: E402

from spark_tui.engine.store import Workspace  # noqa: E402
from spark_tui.engine.synth import generate  # noqa: E402

TENANT = "acme"
TOKEN = "bench-token-0123456789abcdef"
TIME = "/usr/bin/time"
SEQUENTIAL_READS = """
import sys
from spark_tui.backends.factory import open_backend
from spark_tui.config import load_config
config = load_config(sys.argv[1])
for name in ("dev", "uat"):
    backend = open_backend(config.profile(name))
    page, folders = 1, []
    while True:
        listed = backend.list_folders(page=page, page_size=500)
        folders += listed.items
        if not listed.has_more:
            break
        page += 1
    for folder in folders:
        page = 1
        while True:
            services = backend.list_services(folder.name, page=page, page_size=500)
            for service in services.items:
                backend.list_versions(folder.name, service.name)
            if not services.has_more:
                break
            page += 1
    backend.close()
"""




def own_workbooks(ws: Workspace) -> None:
    """Give each version's workbook a hash of its own (synth shares one set of blobs between versions)."""
    rows = ws.connect().execute("SELECT version_id, name FROM version_files WHERE tenant=? AND name LIKE '%.xlsx'",
                                (TENANT,)).fetchall()
    with ws.transaction() as db:
        db.executemany("UPDATE version_files SET sha256=? WHERE tenant=? AND version_id=? AND name=?",
                       [(hashlib.sha256(vid.encode()).hexdigest(), TENANT, vid, name) for vid, name in rows])


def drift(ws: Workspace, every: int, versions: int) -> dict[str, int]:
    """Make uat drift in every `every`-th service (see the module docstring); the expected summary."""
    db = ws.connect()
    services = db.execute(
        "SELECT s.id, f.id FROM services s JOIN folders f ON f.id=s.folder_id WHERE s.tenant=? ORDER BY f.name, s.name",
        (TENANT,)).fetchall()
    folders = db.execute("SELECT id, name FROM folders WHERE tenant=? ORDER BY name", (TENANT,)).fetchall()
    expected = {"same": len(services), "differs": 0, "missing": 0, "missing_versions": 0, "extra": 0,
                "extra_versions": 0, "not_accessible": 0}
    kinds = ("missing_versions", "differs", "extra_versions", "missing")
    with ws.transaction() as db:
        for n, (sid, _) in enumerate(services[::every]):
            kind = kinds[n % len(kinds)]
            expected["same"] -= 1
            expected[kind] += 1
            vids = [r[0] for r in db.execute("SELECT id FROM versions WHERE tenant=? AND service_id=? ORDER BY created",
                                             (TENANT, sid))]
            if kind == "missing_versions":
                db.execute("DELETE FROM versions WHERE tenant=? AND id=?", (TENANT, vids[-1]))
            elif kind == "differs":
                db.execute("UPDATE version_files SET sha256=? WHERE tenant=? AND version_id=? AND name LIKE '%.xlsx'",
                           (hashlib.sha256(b"edited " + vids[0].encode()).hexdigest(), TENANT, vids[0]))
            elif kind == "extra_versions":
                _copy_version(db, vids[-1], sid, f"9.{versions}.0")
            else:
                db.execute("DELETE FROM services WHERE tenant=? AND id=?", (TENANT, sid))
        [any_version] = db.execute("SELECT id FROM versions WHERE tenant=? LIMIT 1", (TENANT,)).fetchone()
        for folder_id, name in folders:
            new_sid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"extra:{name}"))
            db.execute("INSERT INTO services VALUES (?,?,?,?,?)", (TENANT, new_sid, folder_id, "zz-uat-only", "2025-06-02T09:30:00Z"))
            _copy_version(db, any_version, new_sid, "0.1.0")
            expected["extra"] += 1
    return expected


def _copy_version(db, version_id: str, service_id: str, number: str) -> None:
    """A new version of `service_id` numbered `number` whose files are those of `version_id` with a new workbook."""
    new = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{service_id}:{number}"))
    db.execute("INSERT INTO versions SELECT tenant, ?, ?, ?, engine_type, has_module, created, author, release_note, "
               "original_file_name, size FROM versions WHERE tenant=? AND id=?", (new, service_id, number, TENANT, version_id))
    db.execute("INSERT INTO version_files SELECT tenant, ?, CASE WHEN name=? THEN ? ELSE name END, size, "
               "CASE WHEN name LIKE '%.xlsx' THEN ? ELSE sha256 END, onpremises FROM version_files WHERE tenant=? AND version_id=?",
               (new, f"{version_id}.zip", f"{new}.zip", hashlib.sha256(new.encode()).hexdigest(), TENANT, version_id))


def write_configs(tmp: Path, ports: dict[str, int]) -> tuple[Path, Path]:
    """The serve configs, and the client config with profiles dev/uat (served) and dev-local/uat-local (embedded)."""
    for name in ports:
        config = tmp / f"{name}-serve.toml"
        config.write_text(
            f'[profiles.local]\nbackend = "embedded"\nworkspace = "{tmp / name}"\ntenant = "{TENANT}"\n\n'
            f'[[serve.users]]\nname = "bench@example.com"\ngroups = ["supervisor:pf"]\ntoken = "{TOKEN}"\n')
        config.chmod(0o600)
    client = tmp / "client.toml"
    client.write_text("".join(
        f'[profiles.{name}]\nbackend = "spark"\nbase_url = "http://127.0.0.1:{port}/{TENANT}"\ntoken = "{TOKEN}"\n'
        f'user = "bench@example.com"\n\n[profiles.{name}-local]\nbackend = "embedded"\nworkspace = "{tmp / name}"\n'
        f'tenant = "{TENANT}"\ngroups = ["supervisor:pf"]\n\n'
        for name, port in ports.items()))
    client.chmod(0o600)
    return tmp / "dev-serve.toml", client






def measure(cmd: list[str], env: dict[str, str], tmp: Path, servers: list[subprocess.Popen]) -> tuple[float, int, float, float, str]:
    """(wall s, peak RSS KiB, CPU s, servers' CPU s, stdout) of one child under GNU time; exits on failure
    (10, "they differ", is a success here)."""
    report = tmp / "time"
    served = sum(cpu_seconds(s.pid) for s in servers)
    start = time.perf_counter()
    proc = subprocess.run([TIME, "-f", "%M %U %S", "-o", str(report), *cmd], env=env, cwd=tmp, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 10):
        raise SystemExit(f"{cmd[:6]} exited {proc.returncode}: {proc.stderr[-2000:]}")
    rss, user, system = report.read_text().split()[-3:]
    return wall, int(rss), float(user) + float(system), sum(cpu_seconds(s.pid) for s in servers) - served, proc.stdout


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folders", type=int, default=10)
    parser.add_argument("--services", type=int, default=100, help="services per folder")
    parser.add_argument("--versions", type=int, default=5, help="versions per service")
    parser.add_argument("--drift-every", type=int, default=10, help="every N-th service of uat drifts")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if not Path(TIME).exists():
        raise SystemExit(f"{TIME} is missing; install GNU time (apt-get install -y time)")

    tmp = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    servers: list[subprocess.Popen] = []
    try:
        for name in ("dev", "uat"):
            ws = Workspace(tmp / name)
            generate(ws, TENANT, folders=args.folders, services=args.services, versions=args.versions, payload_bytes=0)
            own_workbooks(ws)
            if name == "uat":
                expected = drift(ws, args.drift_every, args.versions)
            ws.close()
        env = dict(os.environ, SPARK_TUI_HOME=str(tmp / "home"), PYTHONPATH=str(ROOT))
        for var in ("CSPARK_BASE_URL", "CSPARK_BEARER_TOKEN", "CSPARK_API_KEY", "CSPARK_CLIENT_ID", "CSPARK_CLIENT_SECRET"):
            env.pop(var, None)
        ports = {"dev": free_port(), "uat": free_port()}
        _, client = write_configs(tmp, ports)
        for name in ports:
            servers.append(start_server(tmp / f"{name}-serve.toml", ports[name], env))

        spark_tui = [sys.executable, "-m", "spark_tui", "--config", str(client), "--batch"]
        runs = {
            "compare over serve (remote ↔ remote)": spark_tui + ["--profile", "dev", "--compare", "uat", "--json"],
            "compare embedded ↔ embedded": spark_tui + ["--profile", "dev-local", "--compare", "uat-local", "--json"],
            "reference: the same reads, one at a time": [sys.executable, "-c", SEQUENTIAL_READS, str(client)],
        }
        samples: dict[str, list[tuple[float, int, float, float]]] = {label: [] for label in runs}
        loads = [load_average()]
        for n in range(args.runs):
            for label, cmd in runs.items():
                if label.startswith("reference") and n:
                    continue  # one sequential run is enough (and takes long on a busy machine)
                wall, rss, cpu, served, out = measure(cmd, env, tmp, servers)
                samples[label].append((wall, rss, cpu, served))
                if out:
                    got = json.loads(out)["targets"][0]["summary"]
                    if got != expected:
                        raise SystemExit(f"{label}: summary {got} is not the drift that was made, {expected}")
            loads.append(load_average())

        total = args.folders * args.services
        drifted = total - expected["same"]
        print(f"compare {total} services x {args.versions} versions ({drifted} drifted in uat, "
              f"{expected['extra']} extra), {args.runs} run(s), medians; load average {loads[0]} before, {loads[-1]} after:")
        print(f"{'what':<44} {'wall s':>7} {'peak RSS MiB':>13} {'CPU s':>6} {'serve CPU s':>12}")
        medians = {}
        for label, values in samples.items():
            wall, rss, cpu, served = (statistics.median(v[i] for v in values) for i in range(4))
            medians[label] = (wall, rss / 1024, cpu, served)
            print(f"{label:<44} {wall:>7.2f} {rss / 1024:>13.1f} {cpu:>6.2f} {served:>12.2f}")
        (remote_wall, remote_rss, remote_cpu, remote_served), (local_wall, _, local_cpu, _), (reads_wall, *_) = medians.values()
        print(f"ratio compare over serve / sequential reads: {remote_wall / reads_wall:.2f}x wall")
        print(f"CPU needed over serve: {remote_cpu + remote_served:.2f} s (client {remote_cpu:.2f} + the two servers "
              f"{remote_served:.2f}), i.e. >= {max(remote_cpu, (remote_cpu + remote_served) / 2):.2f} s on 2 idle cores; "
              f"embedded: {local_cpu:.2f} s")
        ok = remote_wall <= 5 and remote_rss <= 120 and local_wall <= 1
        print(f"targets: over serve <= 5 s and <= 120 MiB, embedded <= 1 s: {'met' if ok else 'FAIL'}")
        return 0 if ok else 1
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
