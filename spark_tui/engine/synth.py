"""Synthetic workspaces for benchmarks.

`generate` adds N folders × M services × K versions to a tenant with bulk `executemany` in one
transaction. Small payloads share one set of blobs; with `incompressible=True` and a payload of
at least SHARE_BELOW bytes every version gets its own distinct payload.

    python -m spark_tui.engine.synth --workspace DIR --tenant T --folders N --services M \
        --versions K --payload-bytes B
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

from spark_tui.engine.artifacts import DEFAULT_CREATED, version_files
from spark_tui.engine.store import Workspace, is_onpremises_file
from spark_tui.spark.values import EngineType, iso
from spark_tui.spark.uri import validate_name

SHARE_BELOW = 64 * 1024
TEMPLATE_VERSION_ID = "00000000-0000-4000-8000-000000000000"
TEMPLATE_SERVICE = "synthetic-template"
AUTHOR = "synth@example.com"


def seeded_uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from `rng` (deterministic for a seed)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def synthetic_version(k: int) -> str:
    """The k-th version of a synthetic service: 1.0.0, 1.0.1, … 1.9.9, 2.0.0, …"""
    return f"{1 + k // 100}.{(k // 10) % 10}.{k % 10}"


def generate(
    ws: Workspace,
    tenant: str,
    *,
    folders: int,
    services: int,
    versions: int,
    payload_bytes: int,
    incompressible: bool = True,
    seed: int = 0,
) -> None:
    """Add `folders` × `services` × `versions` exportable Neuron versions to `tenant`."""
    for label, value in (("folders", folders), ("services", services), ("versions", versions), ("payload_bytes", payload_bytes)):
        if value < 0:
            raise ValueError(f"{label} must be >= 0, got {value}")
    validate_name("tenant", tenant)
    rng = random.Random(f"synth:{seed}:{tenant}")
    folder_names = [f"synth-{i:04d}" for i in range(folders)]
    taken = {r[0] for r in ws.connect().execute("SELECT name FROM folders WHERE tenant=?", (tenant,))}
    if clash := sorted(taken.intersection(folder_names)):
        raise ValueError(f"folder '{clash[0]}' already exists in tenant '{tenant}'; generate into another tenant")

    folder_rows = [(seeded_uuid(rng), tenant, name, None, iso(DEFAULT_CREATED)) for name in folder_names]
    service_rows = [
        (tenant, seeded_uuid(rng), frow[0], f"service-{j:04d}", iso(DEFAULT_CREATED))
        for frow in folder_rows
        for j in range(services)
    ]
    version_ids = [[seeded_uuid(rng) for _ in range(versions)] for _ in service_rows]
    created = [iso(DEFAULT_CREATED - timedelta(hours=6 * (versions - k))) for k in range(versions)]

    distinct = incompressible and payload_bytes >= SHARE_BELOW
    template = None if distinct else version_files(
        ws, tenant, "synth", TEMPLATE_SERVICE, "1.0.0", TEMPLATE_VERSION_ID,
        payload_bytes=payload_bytes, seed=seed, incompressible=incompressible,
    )
    per_version: dict[str, dict[str, tuple[str, int]]] = {}
    if distinct:
        names = {frow[0]: frow[2] for frow in folder_rows}
        for srow, vids in zip(service_rows, version_ids):
            for k, vid in enumerate(vids):
                per_version[vid] = version_files(
                    ws, tenant, names[srow[2]], srow[3], synthetic_version(k), vid, payload_bytes=payload_bytes,
                    seed=seed, created=datetime.fromisoformat(created[k]),
                )

    def files_of(service: str, vid: str) -> dict[str, tuple[str, int]]:
        if template is None:
            return per_version[vid]
        return {_rename(name, service, vid): blob for name, blob in template.items()}

    def version_rows() -> Iterator[tuple]:
        for srow, vids in zip(service_rows, version_ids):
            for k, vid in enumerate(vids):
                size = sum(s for _, s in files_of(srow[3], vid).values())
                yield (tenant, vid, srow[1], synthetic_version(k), EngineType.neuron.value, 1, created[k], AUTHOR,
                       None, f"{srow[3]}.xlsx", size)

    def file_rows() -> Iterator[tuple]:
        for srow, vids in zip(service_rows, version_ids):
            for vid in vids:
                for name, (sha, size) in files_of(srow[3], vid).items():
                    yield (tenant, vid, name, size, sha, int(is_onpremises_file(vid, name)))

    with ws.transaction() as conn:
        ws.ensure_tenant(tenant, db=conn)
        conn.executemany("INSERT INTO folders (id, tenant, name, required_group, created) VALUES (?,?,?,?,?)", folder_rows)
        conn.executemany("INSERT INTO services VALUES (?,?,?,?,?)", service_rows)
        conn.executemany("INSERT INTO versions VALUES (?,?,?,?,?,?,?,?,?,?,?)", version_rows())
        conn.executemany("INSERT INTO version_files VALUES (?,?,?,?,?,?)", file_rows())


def _rename(name: str, service: str, version_id: str) -> str:
    """A template file name for another service and version."""
    if name == f"{TEMPLATE_VERSION_ID}.zip":
        return f"{version_id}.zip"
    if name.startswith(TEMPLATE_SERVICE + "."):
        return service + name[len(TEMPLATE_SERVICE):]
    return name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spark_tui.engine.synth", description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--folders", type=int, required=True)
    parser.add_argument("--services", type=int, required=True, help="services per folder")
    parser.add_argument("--versions", type=int, required=True, help="versions per service")
    parser.add_argument("--payload-bytes", type=int, default=0, help="size of each version's .wasm payload")
    parser.add_argument("--compressible", action="store_true", help="share one compressible payload")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        generate(
            Workspace(args.workspace), args.tenant, folders=args.folders, services=args.services,
            versions=args.versions, payload_bytes=args.payload_bytes, incompressible=not args.compressible,
            seed=args.seed,
        )
    except ValueError as exc:
        print(f"synth: {exc}", file=sys.stderr)
        return 2
    total = args.folders * args.services * args.versions
    print(f"generated {total} versions in tenant '{args.tenant}' of {args.workspace} in {time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
