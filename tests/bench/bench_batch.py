"""Wall time of `spark-tui --help` and of a demo-folder `--batch` export (process start to verified file).

Run: `python tests/bench/bench_batch.py`. Reference measured in the same run: a bare interpreter
(`python -c pass`).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNS = 7


def wall(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    """Median wall time of `argv` over RUNS runs (each must succeed)."""
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(argv, env=env, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home, out = Path(tmp) / "home", Path(tmp) / "out"
        out.mkdir()
        env = {**os.environ, "SPARK_TUI_HOME": str(home), "PYTHONPATH": str(ROOT)}
        py = sys.executable
        bare = wall([py, "-c", "pass"], env, ROOT)
        help_s = wall([py, "-m", "spark_tui", "--help"], env, ROOT)
        subprocess.run([py, "-m", "spark_tui", "--batch", "--list-folders"], env=env, check=True, capture_output=True)  # demo data
        export_s = wall([py, "-m", "spark_tui", "--batch", "--folder", "insurance-pricing", "-o", str(out)], env, ROOT)
        size = (out / "package.zip").stat().st_size
    print(f"reference  python -c pass          {bare * 1000:7.1f} ms")
    print(f"spark-tui --help                    {help_s * 1000:7.1f} ms  = {help_s / bare:.2f}x bare interpreter")
    print(f"demo-folder export ({size / 2**20:.1f} MiB, 11 versions), start to verified file: "
          f"{export_s * 1000:7.1f} ms  = {export_s / bare:.1f}x bare interpreter")


if __name__ == "__main__":
    main()
