"""What the benchmarks that run `spark-tui serve` share: a free loopback port, a served workspace
that answers /health, and a process's CPU time."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(config: Path, port: int, env: dict[str, str], timeout_s: float = 60) -> subprocess.Popen:
    """`spark-tui serve` of profile `local` in `config`, once it answers /health (SystemExit with its
    stderr when it does not within `timeout_s`)."""
    server = subprocess.Popen(
        [sys.executable, "-m", "spark_tui", "serve", "--config", str(config), "--profile", "local", "--port", str(port)],
        env=env, cwd=config.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                return server
        except httpx.ConnectError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"server did not start: {server.stderr.read().decode()[-2000:]}")
        time.sleep(0.05)


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
