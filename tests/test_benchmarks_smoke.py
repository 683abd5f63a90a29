"""Every benchmark of tests/bench runs to its report at a tiny size, so none can rot unnoticed.

The numbers mean nothing at these sizes (targets may print FAIL); what is checked is that each
benchmark imports, runs end to end on a fresh install and prints its measurements.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent / "bench"
TINY = {
    "bench_batch": (["--runs", "1"], ["spark-tui --help", "first run, demo data created", "demo-folder export"]),
    "bench_compare": (["--folders", "1", "--services", "4", "--versions", "2", "--drift-every", "2", "--runs", "1"],
                      ["compare over serve", "compare embedded", "ratio compare over serve / sequential reads"]),
    "bench_import": (["--services", "1", "--versions", "1", "--payload-bytes", "1000", "--runs", "1"],
                     ["sha256sum of the package", "import worker peak RSS"]),
    "bench_packager": (["--versions", "2", "--payload-mb", "0.05", "--runs", "1"], ["ratio packaging / sha256sum"]),
    "bench_promote": (["--folders", "1", "--services", "1", "--versions", "1", "--payload-bytes", "1000", "--runs", "1"],
                      ["ratio spark-tui / cspark"]),
    "bench_resolver": (["--folders", "2", "--services", "3", "--versions", "4", "--runs", "1"],
                       ["resolve every folder, version_filter=latest"]),
    "bench_serve": (["--folders", "1", "--services", "1", "--versions", "1", "--payload-bytes", "1000", "--runs", "1"],
                    ["ratio spark-tui / cspark"]),
    "bench_serve_load": (["--jobs", "20", "--pollers", "2", "--writers", "1", "--seconds", "0.5", "--max-requests", "40"],
                         ["throughput:", "latency: p50", "serve RSS:", "machine load at start:"]),
    "bench_tui": (["--runs", "1", "--services", "60", "--moves", "20", "--idle-seconds", "0.2"],
                  ["cold start", "60-service folder", "jobs table, 200 rows"]),
}


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench.{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_benchmark_has_a_smoke_run() -> None:
    assert sorted(p.stem for p in BENCH.glob("bench_*.py")) == sorted(TINY)


@pytest.mark.parametrize("name", sorted(TINY))
def test_benchmark_runs_at_a_tiny_size(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv, reported = TINY[name]
    code = load(name).main(argv)
    out = capsys.readouterr().out
    assert code in (0, 1), f"{name} exited {code}: {out[-2000:]}"  # 1: a target missed at this tiny size
    for text in reported:
        assert text in out, f"{name} did not report {text!r}: {out[-2000:]}"
