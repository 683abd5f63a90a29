"""Helpers of the promotion tests: a source tenant `dev`, a target tenant `uat`, and their backends."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from spark_tui.backends.base import Backend
from spark_tui.backends.embedded import EmbeddedBackend
from spark_tui.engine.artifacts import version_files
from spark_tui.engine.store import Workspace
from spark_tui.engine.synth import SHARE_BELOW, generate

RATES_ID = "3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"


@dataclass
class Pair:
    source: EmbeddedBackend
    target: Backend
    target_ws: Workspace  # the target's workspace (served over HTTP when the target is remote)

    def snapshot(self) -> tuple:
        """The target's catalog rows and stored blobs: a failed promotion must leave them as they were."""
        db = self.target_ws.connect()
        rows = db.execute(
            "SELECT f.name, s.name, v.version, v.id FROM versions v JOIN services s ON s.id=v.service_id "
            "JOIN folders f ON f.id=s.folder_id WHERE v.tenant=? ORDER BY 1, 2, 3", ("uat",),
        ).fetchall()
        folders = db.execute("SELECT name FROM folders WHERE tenant='uat' ORDER BY name").fetchall()
        # only the blob store: a finished import job's worker removes packages/<job id>/ just after the
        # job reads closed, and walking the whole workspace then raced with that removal
        blobs = sorted(p.name for p in self.target_ws.blobs.rglob("*") if p.is_file())
        return [tuple(r) for r in rows], [r[0] for r in folders], blobs


def seed_source(root: Path) -> None:
    """`dev`: folder synth-0000 with service-0000 and service-0001, versions 1.0.0 and 1.0.1 each."""
    ws = Workspace(root)
    generate(ws, "dev", folders=1, services=2, versions=2, payload_bytes=SHARE_BELOW)  # distinct metadata per version
    ws.close()


def seed_target(root: Path) -> None:
    """`uat`: folder UAT with service `rates` 2.0.0, an empty folder `Other`."""
    ws = Workspace(root)
    ws.ensure_tenant("uat")
    ws.add_folder("uat", "UAT")
    ws.add_folder("uat", "Other")
    sid = ws.add_service("uat", "UAT", "rates")
    ws.add_version("uat", sid, "2.0.0", version_files(ws, "uat", "UAT", "rates", "2.0.0", RATES_ID, payload_bytes=500),
                   version_id=RATES_ID)
    ws.close()


def make_pair(source_root: Path, target_root: Path) -> Pair:
    seed_source(source_root)
    seed_target(target_root)
    target = EmbeddedBackend(target_root, "uat", "uat@example.com", ("supervisor:pf",), profile="uat")
    return Pair(EmbeddedBackend(source_root, "dev", "dev@example.com", ("supervisor:pf",), profile="dev"), target, target.ws)


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self):
        return json.loads(self.out)
