"""Benchmark: resolve an export of every folder of a 100,000-version workspace (target ≤ 2 s).

    python tests/bench/bench_resolver.py [--folders 10 --services 100 --versions 100] [--workspace DIR]

Builds the workspace with `spark_tui.engine.synth` (reused when --workspace already holds it),
then times `resolve` (median of --runs) for `inputs.folders = [every folder]`, with
version_filter all and latest, against reading the same catalog rows with one plain query.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from spark_tui.engine import resolver  # noqa: E402
from spark_tui.engine.store import Workspace  # noqa: E402
from spark_tui.engine.synth import generate  # noqa: E402
from spark_tui.spark.semver import precedence_key  # noqa: E402
from spark_tui.spark.export_wire import ExportInputs, ExportRequest  # noqa: E402
from spark_tui.spark.values import VersionFilter

TENANT = "bench"
TARGET_S = 2.0
QUERY = (
    "SELECT v.id, v.version, f.name, vf.name, vf.size, vf.sha256 FROM versions v "
    "JOIN services s ON s.tenant = v.tenant AND s.id = v.service_id JOIN folders f ON f.id = s.folder_id "
    "JOIN version_files vf ON vf.tenant = v.tenant AND vf.version_id = v.id WHERE v.tenant = ?"
)


def timed(fn, runs: int) -> tuple[float, float, object]:
    """Median wall-clock and CPU seconds of `runs` calls, and the last result."""
    wall, cpu, result = [], [], None
    for _ in range(runs):
        precedence_key.cache_clear()  # every run pays for parsing the versions
        started, started_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folders", type=int, default=10)
    parser.add_argument("--services", type=int, default=100, help="services per folder")
    parser.add_argument("--versions", type=int, default=100, help="versions per service")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workspace", type=Path, help="keep the workspace here (default: a temporary directory)")
    args = parser.parse_args(argv)
    total = args.folders * args.services * args.versions

    with tempfile.TemporaryDirectory(prefix="bench-resolver-") as tmp:
        ws = Workspace(args.workspace or tmp)
        if not ws.has_tenant(TENANT):
            started = time.perf_counter()
            generate(ws, TENANT, folders=args.folders, services=args.services, versions=args.versions, payload_bytes=0)
            print(f"generated {total:,} versions in {time.perf_counter() - started:.1f} s")
        ws.configure_tenant(TENANT, size_limit=2**62)  # time resolution, not a size-limit refusal
        folders = [r[0] for r in ws.connect().execute("SELECT name FROM folders WHERE tenant=?", (TENANT,))]
        count = ws.connect().execute("SELECT COUNT(*) FROM versions WHERE tenant=?", (TENANT,)).fetchone()[0]

        def read_rows() -> int:
            """The reference: the same version file rows read by one join, as plain tuples, GC paused."""
            db = ws.connect().cursor()
            db.row_factory = None
            gc.disable()
            try:
                return len(db.execute(QUERY, (TENANT,)).fetchall())
            finally:
                gc.enable()

        baseline, baseline_cpu, file_rows = timed(read_rows, args.runs)
        print(f"workspace: {len(folders)} folders, {count:,} versions, {file_rows:,} version files")
        print(f"reference: one query reading every version file row: {baseline:.3f} s (cpu {baseline_cpu:.3f} s)")
        ok = True
        for vf in (VersionFilter.all, VersionFilter.latest):
            request = ExportRequest(inputs=ExportInputs(folders=folders), version_filter=vf)
            seconds, cpu, selection = timed(lambda: resolver.resolve(ws, TENANT, request, ()), args.runs)
            ok &= seconds <= TARGET_S
            print(
                f"resolve every folder, version_filter={vf.value}: {len(selection.versions):,} versions, "
                f"{selection.projected_bytes:,} bytes projected in {seconds:.3f} s (cpu {cpu:.3f} s; "
                f"target ≤ {TARGET_S} s; {seconds / baseline:.2f}× the reference query)"
            )
        ws.close()
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
