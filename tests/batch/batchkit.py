"""Helpers of the batch tests: results, a second client of the demo workspace, small tenants, subprocesses."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TypeVar

from spark_tui import paths
from spark_tui.backends.embedded import EmbeddedBackend
from spark_tui.engine.demo import ensure_demo
from spark_tui.engine.store import Workspace

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("error: ")]


def demo_backend(user: str = "ci@localhost") -> EmbeddedBackend:
    """A second client of the default demo workspace (as another process would be)."""
    ensure_demo(Workspace(paths.default_workspace()))
    return EmbeddedBackend(paths.default_workspace(), "demo", user, ("supervisor:pf",), spawn=False)


def wait_for(condition: Callable[[], T], *, timeout: float = 20.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)
    return value


def build_tenant(root: Path, tenant: str = "acme", *, versions: int = 2, payload_bytes: int = 32 * 1024) -> Workspace:
    """A small purpose-built tenant: folder `Pricing`, service `quote` with compiled versions 1.0.0, 1.1.0, …"""
    ws = Workspace(root)
    ws.ensure_tenant(tenant)
    ws.add_folder(tenant, "Pricing")
    service_id = ws.add_service(tenant, "Pricing", "quote")
    rng = random.Random(7)
    for n in range(versions):
        version_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        files = {
            f"{version_id}.zip": ws.put_blob(rng.randbytes(payload_bytes)),
            "ModelMetaData.json": ws.put_blob(b"{}"),
            "WASMMetaData.json": ws.put_blob(b"{}"),
            "DefaultValidations.json": ws.put_blob(b"[]"),
            "quote.xlsx": ws.put_blob(rng.randbytes(512)),
        }
        ws.add_version(tenant, service_id, f"1.{n}.0", files, version_id=version_id)
    return ws


def subprocess_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def spark_tui(*argv: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m spark_tui --batch ...` in a real process."""
    return subprocess.run(
        [sys.executable, "-m", "spark_tui", "--batch", *argv], cwd=cwd, env=subprocess_env(),
        capture_output=True, text=True, timeout=timeout,
    )
