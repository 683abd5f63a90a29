"""The demo tenant: realistic, complete, deterministic, idempotent and fast."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

from spark_tui.engine.access import list_folders
from spark_tui.engine.demo import (
    DEMO_TENANT,
    EMPTY_FOLDER,
    RESTRICTED_FOLDER,
    RESTRICTED_GROUP,
    XCONNECTOR_FOLDER,
    XCONNECTOR_SERVICE,
    ensure_demo,
)
from spark_tui.engine.store import Workspace
from spark_tui.spark.values import EngineType

DEFAULT_GROUPS = ("supervisor:pf",)


def all_versions(ws: Workspace):
    folders, _ = list_folders(ws, DEMO_TENANT)
    for folder in folders:
        services, _ = ws.list_services(DEMO_TENANT, folder.name)
        for service in services:
            yield from ws.list_versions(DEMO_TENANT, folder.name, service.name)


def test_demo_has_enough_realistic_data(shared_demo_ws: Workspace) -> None:
    folders, total = list_folders(shared_demo_ws, DEMO_TENANT, DEFAULT_GROUPS)
    assert total >= 4
    services = [s for f in folders for s in shared_demo_ws.list_services(DEMO_TENANT, f.name)[0]]
    versions = list(all_versions(shared_demo_ws))
    assert len(services) >= 10 and len(versions) >= 30
    assert len({v.id for v in versions}) == len(versions)
    names = {f.name for f in folders}
    assert {"insurance-pricing", "claims", "actuarial-models", RESTRICTED_FOLDER, EMPTY_FOLDER} <= names


def test_demo_exercises_version_matching(shared_demo_ws: Workspace) -> None:
    versions = {v.version for v in all_versions(shared_demo_ws)}
    assert {"1.2.0", "1.2.3", "1.10.0", "2.0.0-rc.1", "3.2.7", "3.20.1"} <= versions


def test_restricted_folder_needs_a_group_the_default_profile_lacks(shared_demo_ws: Workspace) -> None:
    folders = {f.name: f for f in list_folders(shared_demo_ws, DEMO_TENANT, DEFAULT_GROUPS)[0]}
    restricted = folders[RESTRICTED_FOLDER]
    assert restricted.required_group == RESTRICTED_GROUP and not restricted.accessible
    assert restricted.service_count > 0
    assert all(f.accessible for name, f in folders.items() if name != RESTRICTED_FOLDER)
    member = {f.name: f for f in list_folders(shared_demo_ws, DEMO_TENANT, (RESTRICTED_GROUP,))[0]}
    assert member[RESTRICTED_FOLDER].accessible


def test_empty_folder_and_xconnector_service(shared_demo_ws: Workspace) -> None:
    assert shared_demo_ws.list_services(DEMO_TENANT, EMPTY_FOLDER)[1] == 0
    versions = shared_demo_ws.list_versions(DEMO_TENANT, XCONNECTOR_FOLDER, XCONNECTOR_SERVICE)
    assert versions and all(v.engine_type is EngineType.xconnector and not v.has_module for v in versions)
    for v in versions:
        names = {f.name for f in shared_demo_ws.version_files(DEMO_TENANT, v.id)}
        assert f"{v.id}.zip" not in names and "ModelMetaData.json" in names
    service = next(s for s in shared_demo_ws.list_services(DEMO_TENANT, XCONNECTOR_FOLDER)[0] if s.name == XCONNECTOR_SERVICE)
    assert not service.exportable


def test_compiled_versions_have_the_hybrid_runner_set_and_sizes_show_progress(shared_demo_ws: Workspace) -> None:
    compiled = [v for v in all_versions(shared_demo_ws) if v.has_module]
    for v in compiled:
        files = {f.name: f for f in shared_demo_ws.version_files(DEMO_TENANT, v.id)}
        onprem = {n for n, f in files.items() if f.onpremises}
        assert onprem == {f"{v.id}.zip", "ModelMetaData.json", "WASMMetaData.json", "DefaultValidations.json"}
        assert f"{v.service}.xlsx" in files and v.original_file_name == f"{v.service}.xlsx"
        assert all(shared_demo_ws.blob_path(f.sha256).stat().st_size == f.size for f in files.values())
    sizes = [v.size for v in compiled]
    assert min(sizes) >= 40_000 and 2_000_000 <= max(sizes) <= 8_000_000


def test_created_timestamps_spread_over_months(shared_demo_ws: Workspace) -> None:
    created = sorted(datetime.fromisoformat(v.created.replace("Z", "+00:00")) for v in all_versions(shared_demo_ws))
    assert (created[-1] - created[0]).days >= 60


def test_ensure_demo_is_idempotent(ws: Workspace) -> None:
    assert ensure_demo(ws) is True
    before = sorted((v.id, v.size) for v in all_versions(ws))
    assert ensure_demo(ws) is False
    assert sorted((v.id, v.size) for v in all_versions(ws)) == before


def test_ensure_demo_creates_only_a_missing_tenant(ws: Workspace) -> None:
    ws.ensure_tenant(DEMO_TENANT)
    assert ensure_demo(ws) is False
    assert list_folders(ws, DEMO_TENANT)[1] == 0


def test_demo_is_deterministic(tmp_path: Path) -> None:
    a, b = Workspace(tmp_path / "a"), Workspace(tmp_path / "b")
    ensure_demo(a)
    ensure_demo(b)

    def snapshot(ws: Workspace) -> list:
        return sorted((v.folder, v.service, v.version, v.id, v.created, tuple(ws.version_files(DEMO_TENANT, v.id))) for v in all_versions(ws))

    assert snapshot(a) == snapshot(b)


def test_demo_tenants_of_one_workspace_do_not_collide(ws: Workspace) -> None:
    assert ensure_demo(ws, "demo") and ensure_demo(ws, "demo2")
    assert list_folders(ws, "demo2")[1] == list_folders(ws, "demo")[1]


def test_concurrent_first_use_creates_the_demo_once(tmp_path: Path) -> None:
    root = tmp_path / "shared"
    Workspace(root)
    results: list[bool] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(ensure_demo(Workspace(root)))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sorted(results) == [False, True]
    assert len(list(all_versions(Workspace(root)))) >= 30
