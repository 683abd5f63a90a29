"""Real processes: `python -m spark_tui --batch` end to end, Ctrl-C (SIGINT) and the terminal progress bar."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from batchkit import ROOT, demo_backend, spark_tui, subprocess_env, wait_for
from spark_tui.spark.values import JobStatus

NO_WORKERS = """
import functools, sys
from spark_tui.backends import embedded
embedded.EmbeddedBackend = functools.partial(embedded.EmbeddedBackend, spawn=False)
from spark_tui.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def test_export_in_a_real_process(tmp_path: Path) -> None:
    started = time.perf_counter()
    result = spark_tui("--folder", "insurance-pricing", "-o", str(tmp_path), "--json", cwd=tmp_path)
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    download = body["downloads"][0]
    package = Path(download["path"])
    assert download["verified"] and hashlib.sha256(package.read_bytes()).hexdigest() == download["sha256"] == body["outputs"]["files"][0]["file_hash"]
    lines = result.stderr.splitlines()
    assert any(line.startswith("job ") and ": closed " in line for line in lines), lines
    assert "\r" not in result.stderr  # not a terminal: plain lines
    print(f"demo-folder export, process start to verified file: {elapsed:.2f} s")


def test_sigint_cancels_the_job_and_exits_130(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", NO_WORKERS, "--batch", "--folder", "insurance-pricing", "-o", str(tmp_path)],
        cwd=ROOT, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stderr is not None
    first = process.stderr.readline()  # "export job <id>: created"
    assert first.startswith("export job ") and first.rstrip().endswith(": created"), first
    job_id = first.split()[2].rstrip(":")
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "interrupt: cancelling the export job" in err and f"interrupted: export job {job_id} is 'cancelled'" in err
    assert demo_backend().status(job_id).status is JobStatus.cancelled
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.name == "nt", reason="needs a pseudo-terminal")
def test_progress_is_a_live_bar_on_a_terminal(tmp_path: Path) -> None:
    import pty

    master, slave = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "spark_tui", "--batch", "--folder", "actuarial-models", "-o", str(tmp_path)],
            cwd=tmp_path, env=subprocess_env(), stdout=subprocess.PIPE, stderr=slave, timeout=60,
        )
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    assert result.returncode == 0
    shown = b"".join(chunks).decode()
    assert "\r" in shown and "%" in shown and "ETA" in shown and "MiB" in shown
    assert wait_for(lambda: (tmp_path / "package.zip").exists())
