"""Benchmark: package ≥ 150 MB of incompressible payload vs `sha256sum` of the package it wrote.

    python tests/bench/bench_packager.py [--versions 30 --payload-mb 5] [--runs 3] [--workspace DIR]

Targets: packaging ≤ 1.2× the time of `sha256sum` over the finished package (both read warm from
the page cache; packaging also checks every blob against its SHA-256, deflates the small files,
writes, hashes and fsyncs the ZIP), and peak memory growth < 64 MB while packaging (VmHWM of a
child process, reset just before). `sha256sum` over the source blobs is shown for comparison.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from spark_tui.engine.packager import write_package  # noqa: E402
from spark_tui.engine.resolver import resolve  # noqa: E402
from spark_tui.engine.store import Workspace  # noqa: E402
from spark_tui.engine.synth import generate  # noqa: E402
from spark_tui.spark.export_wire import ExportInputs, ExportRequest  # noqa: E402
from spark_tui.spark.values import FileFilter

TENANT = "bench"
MB = 1024 * 1024
TARGET_RATIO = 1.2
TARGET_MEMORY = 64 * MB


def status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} missing from /proc/self/status")


def select(ws: Workspace, file_filter: FileFilter):
    folders = [r[0] for r in ws.connect().execute("SELECT name FROM folders WHERE tenant=?", (TENANT,))]
    return resolve(ws, TENANT, ExportRequest(inputs=ExportInputs(folders=folders), file_filter=file_filter), ())


def child(workspace: Path, dest: Path, file_filter: FileFilter) -> None:
    """Package once and print {seconds, peak_growth, size, sha256} as JSON (run in a fresh process)."""
    ws = Workspace(workspace)
    selection = select(ws, file_filter)
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    before = status_kib("VmRSS")
    started = time.perf_counter()
    result = write_package(ws, selection, "bench-job", dest, size_limit=2**62)
    seconds = time.perf_counter() - started
    growth = (status_kib("VmHWM") - before) * 1024
    print(json.dumps({"seconds": seconds, "peak_growth": growth, "size": result.size, "sha256": result.sha256}))


def package_once(workspace: Path, dest: Path, file_filter: FileFilter) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(workspace), str(dest), file_filter.value],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout)


def sha256sum_once(paths: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(["sha256sum", *paths], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=30, help="versions (services of 1 version each)")
    parser.add_argument("--payload-mb", type=float, default=5.0, help="incompressible .wasm payload per version")
    parser.add_argument("--file-filter", choices=[f.value for f in FileFilter], default=FileFilter.onpremises.value)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workspace", type=Path, help="keep the workspace here (default: a temporary directory)")
    parser.add_argument("--child", nargs=3, metavar=("WORKSPACE", "DEST", "FILTER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), FileFilter(args.child[2]))
        return 0
    file_filter = FileFilter(args.file_filter)

    with tempfile.TemporaryDirectory(prefix="bench-packager-") as tmp:
        root = args.workspace or Path(tmp) / "ws"
        ws = Workspace(root)
        if not ws.has_tenant(TENANT):
            started = time.perf_counter()
            generate(ws, TENANT, folders=1, services=args.versions, versions=1, payload_bytes=int(args.payload_mb * MB))
            print(f"generated {args.versions} versions of {args.payload_mb} MB payload in {time.perf_counter() - started:.1f} s")
        selection = select(ws, file_filter)
        blobs = [str(ws.blob_path(f.sha256)) for v in selection.versions for f in selection.files_of(ws, v)]
        source = sum(os.path.getsize(p) for p in blobs)
        dest = ws.packages / "bench.zip"

        sha256sum_once(blobs)  # warm the page cache for both contenders
        pack_runs, sum_runs, source_runs = [], [], []
        for _ in range(args.runs):
            pack_runs.append(package_once(root, dest, file_filter))
            sum_runs.append(sha256sum_once([str(dest)]))
            source_runs.append(sha256sum_once(blobs))
        with open(dest, "rb") as f:
            assert hashlib.file_digest(f, "sha256").hexdigest() == pack_runs[-1]["sha256"], "returned sha256 is wrong"
        ws.close()

    pack_s = statistics.median(r["seconds"] for r in pack_runs)
    sum_s = statistics.median(sum_runs)
    growth = max(r["peak_growth"] for r in pack_runs)
    ratio = pack_s / sum_s
    print(f"source: {len(selection.versions)} versions, {len(blobs)} files, {source / MB:.1f} MB ({file_filter.value})")
    print(f"package: {pack_runs[-1]['size'] / MB:.1f} MB in {pack_s:.3f} s ({source / MB / pack_s:.0f} MB/s), median of {args.runs}")
    print(f"sha256sum of the package: {sum_s:.3f} s ({pack_runs[-1]['size'] / MB / sum_s:.0f} MB/s)")
    print(f"sha256sum of the source files (for comparison): {statistics.median(source_runs):.3f} s")
    print(f"ratio packaging / sha256sum of the package: {ratio:.2f}× (target ≤ {TARGET_RATIO}×)")
    print(f"peak memory growth while packaging: {growth / MB:.1f} MB (target < {TARGET_MEMORY // MB} MB)")
    ok = ratio <= TARGET_RATIO and growth < TARGET_MEMORY and source >= 150 * 10**6
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
