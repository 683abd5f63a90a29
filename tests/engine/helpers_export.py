"""Small purpose-made workspaces for the resolver and packager tests, built through the Workspace API."""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from spark_tui.engine.store import Workspace
from spark_tui.spark.values import EngineType

TENANT = "acme"
OTHER_TENANT = "other"
SECRET_GROUP = "finance"


def version_files(ws: Workspace, service: str, version: str, version_id: str, *, module_bytes: int = 300, seed: int = 0) -> dict[str, tuple[str, int]]:
    """A version's stored files: the Hybrid Runner set (onpremises) plus the original workbook (migrate)."""
    rnd = random.Random(f"{seed}/{service}/{version}")
    contents = {
        f"{version_id}.zip": rnd.randbytes(module_bytes),
        "ModelMetaData.json": json.dumps({"EngineInformation": {"ServiceName": service, "Revision": version}}, indent=2).encode(),
        "WASMMetaData.json": json.dumps({"Revision": version}).encode(),
        "DefaultValidations.json": json.dumps({"outputs": {}, "warnings": None}, indent=2).encode(),
        f"{service}.xlsx": rnd.randbytes(200),
    }
    return {name: ws.put_blob(data) for name, data in contents.items()}


@dataclass
class Built:
    """A workspace plus the ids of what was put in it: services[(folder, service)], versions[(folder, service, version)]."""

    ws: Workspace
    services: dict[tuple[str, str], str] = field(default_factory=dict)
    versions: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def add(self, tenant: str, folder: str, service: str, versions: list[str], *, engine_type: EngineType = EngineType.neuron,
            has_module: bool = True, module_bytes: int = 300) -> None:
        sid = self.ws.add_service(tenant, folder, service)
        self.services[(folder, service)] = sid
        for v in versions:
            vid = str(uuid.uuid4())
            files = version_files(self.ws, service, v, vid, module_bytes=module_bytes)
            self.ws.add_version(tenant, sid, v, files, version_id=vid, engine_type=engine_type, has_module=has_module)
            self.versions[(folder, service, v)] = vid


# Inserted out of order on purpose: the resolver must sort by semver precedence.
CALC_VERSIONS = ["3.20.1", "1.10.0", "1.2.3", "2.0.0-rc.10", "1.9.0", "3.2.0", "2.0.0-rc.2", "1.2.0", "3.2.7", "2.0.0-rc.1"]
LOAN_VERSIONS = ["0.10.0", "0.10.1-rc.1", "0.9.0"]


def build_catalog(root: Path) -> Built:
    """Tenant `acme`: alpha/{calc,loan}; beta/{rates, xconn (XConnector), raw (uncompiled)}; `empty`;
    `secret` (needs group `finance`) with secret/pay. Tenant `other` has its own alpha/calc."""
    built = Built(Workspace(root))
    ws = built.ws
    for tenant in (TENANT, OTHER_TENANT):
        ws.ensure_tenant(tenant)
    ws.add_folder(TENANT, "alpha")
    ws.add_folder(TENANT, "beta")
    ws.add_folder(TENANT, "empty")
    ws.add_folder(TENANT, "secret", required_group=SECRET_GROUP)
    built.add(TENANT, "alpha", "calc", CALC_VERSIONS)
    built.add(TENANT, "alpha", "loan", LOAN_VERSIONS)
    built.add(TENANT, "beta", "rates", ["1.0.0"])
    built.add(TENANT, "beta", "xconn", ["1.0.0"], engine_type=EngineType.xconnector, has_module=False)
    built.add(TENANT, "beta", "raw", ["1.0.0"], has_module=False)
    built.add(TENANT, "secret", "pay", ["1.0.0"])
    ws.add_folder(OTHER_TENANT, "alpha")
    other = Built(ws)
    other.add(OTHER_TENANT, "alpha", "calc", ["9.9.9"])
    built.services[("other:alpha", "calc")] = other.services[("alpha", "calc")]
    built.versions[("other:alpha", "calc", "9.9.9")] = other.versions[("alpha", "calc", "9.9.9")]
    return built
