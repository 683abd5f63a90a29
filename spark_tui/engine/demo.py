"""The demo tenant: realistic folders, services and versions so the app is useful at once.

Deterministic (ids, files and timestamps derive from the tenant name) and fast. It includes
versions that exercise "starts with" matching (1.2.0, 1.2.3, 1.10.0, 2.0.0-rc.1, 3.2.7 vs
3.20.1), an XConnector service with no compiled module, an empty folder, and a folder restricted
to a group the default profile lacks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from spark_tui.engine.artifacts import DEFAULT_CREATED, version_files
from spark_tui.engine.store import Workspace
from spark_tui.engine.synth import seeded_uuid
from spark_tui.spark.values import EngineType, iso

DEMO_TENANT = "demo"
RESTRICTED_GROUP = "underwriting:admin"
RESTRICTED_FOLDER = "underwriting-restricted"
EMPTY_FOLDER = "sandbox-empty"
XCONNECTOR_FOLDER = "claims"
XCONNECTOR_SERVICE = "claims-xconnector"
LARGE_SERVICE = "reserve-projection"  # versions of a few MB, so packaging progress is visible


@dataclass(frozen=True)
class DemoService:
    name: str
    versions: tuple[str, ...]
    engine_type: EngineType = EngineType.neuron

    @property
    def compiled(self) -> bool:
        """Only Neuron services have a compiled WebAssembly module."""
        return self.engine_type is EngineType.neuron


DEMO_FOLDERS: tuple[tuple[str, str | None, tuple[DemoService, ...]], ...] = (
    ("insurance-pricing", None, (
        DemoService("motor-premium", ("1.0.0", "1.2.0", "1.2.3", "1.10.0", "2.0.0-rc.1")),
        DemoService("home-premium", ("0.9.0", "1.0.0", "1.1.0")),
        DemoService("travel-quote", ("3.2.0", "3.2.7", "3.20.1")),
    )),
    (XCONNECTOR_FOLDER, None, (
        DemoService("claim-triage", ("1.0.0", "1.1.0", "2.0.0")),
        DemoService("fraud-score", ("0.1.0", "0.2.0", "0.3.0-beta.1", "0.3.0")),
        DemoService(XCONNECTOR_SERVICE, ("1.0.0", "1.1.0"), EngineType.xconnector),
    )),
    ("actuarial-models", None, (
        DemoService("mortality-table", ("1.0.0", "1.0.1", "1.1.0")),
        DemoService("lapse-model", ("2.1.0", "2.2.0")),
        DemoService(LARGE_SERVICE, ("0.5.0", "1.0.0-rc.1", "1.0.0")),
    )),
    (RESTRICTED_FOLDER, RESTRICTED_GROUP, (
        DemoService("risk-appetite", ("1.0.0", "1.1.0")),
        DemoService("medical-rating", ("1.0.0",)),
    )),
    (EMPTY_FOLDER, None, ()),
)
AUTHORS = ("ana.silva@example.com", "raj.patel@example.com", "mei.chen@example.com", "tom.weber@example.com")


def _payload_bytes(rng: random.Random, service: str) -> int:
    if service == LARGE_SERVICE:
        return rng.randint(2_000_000, 4_000_000)
    return rng.randint(48_000, 400_000)


def ensure_demo(ws: Workspace, tenant: str = DEMO_TENANT) -> bool:
    """Create the demo data when `tenant` does not exist yet; True when it was created.

    Blobs are written first; the catalog in one transaction that re-checks the tenant, so two
    processes starting at once create it once.
    """
    if ws.has_tenant(tenant):
        return False
    rng = random.Random(f"demo:{tenant}")
    folders = []
    day = 0
    for folder, group, services in DEMO_FOLDERS:
        planned = []
        for svc in services:
            versions = []
            for version in svc.versions:
                day += 3
                vid = seeded_uuid(rng)
                created = DEFAULT_CREATED - timedelta(days=200 - day, hours=rng.randint(0, 9))
                author = rng.choice(AUTHORS)
                note = f"Release {version} of {svc.name}"
                files = version_files(
                    ws, tenant, folder, svc.name, version, vid, engine_type=svc.engine_type, has_module=svc.compiled,
                    payload_bytes=_payload_bytes(rng, svc.name), seed=rng.getrandbits(32), created=created,
                    author=author, release_note=note,
                )
                versions.append((version, vid, files, iso(created), author, note))
            planned.append((svc, seeded_uuid(rng), versions))
        folders.append((folder, group, seeded_uuid(rng), planned))

    with ws.transaction() as conn:
        if conn.execute("SELECT 1 FROM tenants WHERE name=?", (tenant,)).fetchone():
            return False
        ws.ensure_tenant(tenant, db=conn)
        stamp = iso(DEFAULT_CREATED - timedelta(days=220))
        for folder, group, folder_id, planned in folders:
            ws.add_folder(tenant, folder, group, folder_id, created=stamp, db=conn)
            for svc, service_id, versions in planned:
                ws.add_service(tenant, folder, svc.name, service_id, created=stamp, db=conn)
                for version, vid, files, created, author, note in versions:
                    ws.add_version(
                        tenant, service_id, version, files, version_id=vid, engine_type=svc.engine_type,
                        has_module=svc.compiled, created=created, author=author, release_note=note,
                        original_file_name=f"{svc.name}.xlsx", db=conn,
                    )
    return True
