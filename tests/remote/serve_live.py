"""A live `spark-tui serve` app on a free loopback port (uvicorn in a thread) and a small workspace."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from spark_tui.config import Profile, ServeUser
from spark_tui.engine.artifacts import version_files
from spark_tui.engine.store import Workspace
from spark_tui.engine.synth import generate
from spark_tui.server import create_app
from spark_tui.server.launch import bind

TENANT = "acme"
SECRET_FOLDER = "secret"
SECRET_GROUP = "team:secret"
ALICE = ServeUser(name="alice@example.com", groups=("supervisor:pf",), token="alice-token", api_key="alice-key")
BOB = ServeUser(name="bob@example.com", groups=(), token="bob-token")


def small_workspace(root: Path) -> Workspace:
    """Tenant `acme`: 2 folders x 2 services x 2 versions of ~2 kB, plus a folder restricted to a group."""
    ws = Workspace(root)
    ws.ensure_tenant(TENANT)
    generate(ws, TENANT, folders=2, services=2, versions=2, payload_bytes=2000)
    ws.add_folder(TENANT, SECRET_FOLDER, required_group=SECRET_GROUP)
    sid = ws.add_service(TENANT, SECRET_FOLDER, "hidden")
    vid = "6b4c3f0e-1d0a-4c55-9f4e-0d5c8a1b2c3d"
    ws.add_version(TENANT, sid, "1.0.0", version_files(ws, TENANT, SECRET_FOLDER, "hidden", "1.0.0", vid, payload_bytes=500, seed=1), version_id=vid)
    return ws


class LiveServer:
    def __init__(self, app) -> None:
        self.sock = bind("127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@dataclass
class Served:
    ws: Workspace
    url: str

    def profile(self, user: ServeUser, **extra) -> Profile:
        values = dict(
            name="served", backend="spark", base_url=f"{self.url}/{TENANT}", tenant=TENANT, user=user.name,
            groups=tuple(user.groups), token=user.token,
        )
        values.update(extra)
        return Profile(**values)


def serve_workspace(root: Path, **app_kwargs) -> tuple[Workspace, LiveServer]:
    ws = small_workspace(root)
    app = create_app(ws, [ALICE, BOB], **app_kwargs)
    return ws, LiveServer(app)
