"""Wall time of `spark-tui --help`, of a first run that creates the demo data, and of a demo-folder
`--batch` export (process start to verified file).

    python tests/bench/bench_batch.py [--runs 7]

References measured in the same run: a bare interpreter (`python -c pass`), and `--list-folders`
on a workspace that already holds the demo data. Every export saves into a directory of its own
(packages are never overwritten), every first run into a new workspace, all in a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]


def wall(argv_of_run: Callable[[int], list[str]], runs: int, env: dict[str, str], cwd: Path) -> float:
    """Median wall time over `runs` runs of `argv_of_run(run)` (each must succeed)."""
    times = []
    for run in range(runs):
        argv = argv_of_run(run)
        started = time.perf_counter()
        subprocess.run(argv, env=env, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per measurement (the median is printed)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        home, out = Path(tmp) / "home", Path(tmp) / "out"
        env = {**os.environ, "SPARK_TUI_HOME": str(home), "PYTHONPATH": str(ROOT)}
        py = sys.executable

        def export_into(run: int) -> list[str]:
            (out / str(run)).mkdir(parents=True)
            return [py, "-m", "spark_tui", "--batch", "--folder", "insurance-pricing", "-o", str(out / str(run))]

        bare = wall(lambda _: [py, "-c", "pass"], args.runs, env, Path(tmp))
        help_s = wall(lambda _: [py, "-m", "spark_tui", "--help"], args.runs, env, Path(tmp))
        def list_folders(workspace: Path) -> list[str]:
            return [py, "-m", "spark_tui", "--batch", "--workspace", str(workspace), "--list-folders"]

        first_s = wall(lambda run: list_folders(Path(tmp) / f"fresh-{run}"), args.runs, env, Path(tmp))
        again_s = wall(lambda _: list_folders(Path(tmp) / "fresh-0"), args.runs, env, Path(tmp))
        subprocess.run([py, "-m", "spark_tui", "--batch", "--list-folders"], env=env, check=True, capture_output=True)  # demo data
        export_s = wall(export_into, args.runs, env, Path(tmp))
        size = (out / "0" / "package.zip").stat().st_size
    print(f"reference  python -c pass          {bare * 1000:7.1f} ms")
    print(f"spark-tui --help                    {help_s * 1000:7.1f} ms  = {help_s / bare:.2f}x bare interpreter")
    print(f"first run, demo data created        {first_s * 1000:7.1f} ms  = {first_s / again_s:.2f}x the same "
          f"listing once the data exists ({again_s * 1000:.1f} ms)")
    print(f"demo-folder export ({size / 2**20:.1f} MiB, 11 versions), start to verified file: "
          f"{export_s * 1000:7.1f} ms  = {export_s / bare:.1f}x bare interpreter")
    return 0


if __name__ == "__main__":
    sys.exit(main())
