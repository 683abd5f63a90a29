"""The plan against a real embedded target: every action, every refusal, version numbers as the importer's."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from spark_tui.backends.embedded import EmbeddedBackend
from spark_tui.engine.store import Workspace
from spark_tui.promotion.mappings import parse_map, service_mappings
from spark_tui.promotion.plan import make_plan, version_sizes
from spark_tui.spark.export_wire import ServiceVersionOutput
from spark_tui.spark.values import IfPresent, VersionBump
from spark_tui.spark.promotion_wire import Endpoint, ServiceAction

SOURCE = Endpoint(profile="dev", kind="embedded", location="/dev", tenant="dev")
QUOTE_ID = "11111111-1111-4111-8111-111111111111"
TAKEN = "22222222-2222-4222-8222-222222222222"


def sv(folder: str, service: str, version: str, version_id: str | None = None) -> ServiceVersionOutput:
    return ServiceVersionOutput(
        service_uri_source=f"{folder}/{service}[{version}]", folder_source=folder, service_source=service,
        version_source=version, service_id_source=QUOTE_ID, version_id_source=version_id or str(uuid.uuid4()),
    )


@pytest.fixture
def target(tmp_path: Path) -> EmbeddedBackend:
    """Tenant `uat`: `UAT/quote` 1.0.0 and 1.2.0 (ids: one of them TAKEN), an empty `Empty` folder, a locked folder."""
    ws = Workspace(tmp_path / "ws")
    ws.ensure_tenant("uat")
    ws.add_folder("uat", "UAT")
    ws.add_folder("uat", "Empty")
    ws.add_folder("uat", "Locked", required_group="team:locked")
    sid = ws.add_service("uat", "UAT", "quote")
    for version, vid in (("1.0.0", TAKEN), ("1.2.0", str(uuid.uuid4()))):
        ws.add_version("uat", sid, version, {"m.zip": ws.put_blob(b"x")}, version_id=vid)
    backend = EmbeddedBackend(tmp_path / "ws", "uat", "ci@uat", (), profile="uat", spawn=False)
    yield backend
    backend.close()


def plan_of(target: EmbeddedBackend, versions: list[ServiceVersionOutput], maps: list[str], if_present: IfPresent,
            bump: VersionBump = VersionBump.minor, **kw):
    services = [(v.folder_source, v.service_source) for v in versions]
    mappings = service_mappings([parse_map(m) for m in maps], services, bump)
    return make_plan(target, SOURCE, versions, mappings, if_present, **kw)


def test_add_version_numbers_after_the_latest_and_new_ids_only_where_taken(target: EmbeddedBackend) -> None:
    versions = [sv("Pricing", "quote", "1.1.0"), sv("Pricing", "quote", "1.0.0", TAKEN)]
    plan = plan_of(target, versions, ["Pricing/quote=UAT/quote"], IfPresent.add_version)
    assert plan.go
    (service,) = plan.services
    assert service.action is ServiceAction.add_version and service.latest_destination == "1.2.0"
    assert [(v.version_source, v.version_destination, v.status) for v in service.versions] == [
        ("1.0.0", "1.3.0", "added"), ("1.1.0", "1.4.0", "added"),
    ]
    assert service.versions[0].version_id_destination is None  # TAKEN already lives in UAT/quote
    assert service.versions[1].version_id_destination == versions[0].version_id_source
    assert service.versions[1].service_uri_destination == "UAT/quote[1.4.0]"


def test_major_bump_per_mapping(target: EmbeddedBackend) -> None:
    plan = plan_of(target, [sv("Pricing", "quote", "1.1.0")], ["Pricing/quote=UAT/quote:major"], IfPresent.add_version)
    assert plan.services[0].versions[0].version_destination == "2.0.0"


def test_replace_and_new(target: EmbeddedBackend) -> None:
    versions = [sv("Pricing", "quote", "1.1.0"), sv("Pricing", "extra", "0.1.0")]
    plan = plan_of(target, versions, ["Pricing=UAT"], IfPresent.replace)
    assert plan.go
    by_source = {s.service_uri_source: s for s in plan.services}
    assert by_source["Pricing/quote"].action is ServiceAction.replace
    assert [v.status for v in by_source["Pricing/quote"].versions] == ["replaced"]
    assert by_source["Pricing/extra"].action is ServiceAction.new
    assert by_source["Pricing/extra"].versions[0].version_destination == "0.1.0"


def test_every_refusal_at_once(target: EmbeddedBackend) -> None:
    versions = [
        sv("Pricing", "quote", "1.0.0"), sv("Pricing", "gone", "1.0.0"), sv("Pricing", "locked", "1.0.0"),
        sv("A", "one", "1.0.0"), sv("B", "two", "1.0.0"),
    ]
    maps = ["Pricing/quote=UAT/quote", "Pricing/gone=Nowhere/gone", "Pricing/locked=Locked/x",
            "A/one=Empty/same", "B/two=Empty/same"]
    plan = plan_of(target, versions, maps, IfPresent.abort)
    assert not plan.go
    codes = sorted(e.code for e in plan.errors)
    assert codes == ["ACCESS_DENIED", "FOLDER_NOT_FOUND", "INVALID_VALUE", "INVALID_VALUE", "SERVICE_EXISTS"]
    assert all(s.action is ServiceAction.refused for s in plan.services)
    assert all(v.status == "refused" for v in plan.versions)
    messages = " ".join(e.message for e in plan.errors)
    assert "'Nowhere' does not exist" in messages and "name clash" in messages and "'UAT/quote' already exists" in messages


def test_missing_folder_is_planned_for_creation_when_asked(target: EmbeddedBackend) -> None:
    versions = [sv("Pricing", "a", "1.0.0"), sv("Pricing", "b", "1.0.0")]
    plan = plan_of(target, versions, ["Pricing=New"], IfPresent.abort, create_folders=True)
    assert plan.go and plan.folders_to_create == ["New"]
    assert [s.action for s in plan.services] == [ServiceAction.new, ServiceAction.new]


def test_version_sizes_from_package_paths() -> None:
    versions = [sv("F", "s", "1.0.0", TAKEN)]
    files = [("t/F/s/1.0.0/a", 10), ("t/F/s/1.0.0/b", 5), ("t/manifest.json", 99)]
    assert version_sizes(files, versions) == {TAKEN: 15}
