"""Embedded → `serve` (the remote backend over HTTP): the same promotion, plan and receipt as embedded → embedded."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

from promokit import Pair, seed_source, seed_target
from spark_tui.backends.embedded import EmbeddedBackend
from spark_tui.backends.remote import RemoteBackend
from spark_tui.config import Profile
from spark_tui.engine.store import Workspace
from spark_tui.promotion.mappings import parse_map
from spark_tui.promotion.prepare import prepare
from spark_tui.promotion.run import run
from spark_tui.promotion.steps import PromotionFailed, Step, StepUpdate
from spark_tui.server import create_app
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
from spark_tui.spark.values import IfPresent

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import ALICE, LiveServer  # noqa: E402

SELECTION = ExportRequest(inputs=ExportInputs(folders=["synth-0000"]))
RENAMES = [parse_map("synth-0000=UAT"), parse_map("synth-0000/service-0001=UAT/rates:patch")]


@pytest.fixture
def remote_pair(tmp_path: Path) -> Iterator[Pair]:
    seed_source(tmp_path / "dev")
    seed_target(tmp_path / "uat")
    ws = Workspace(tmp_path / "uat")
    with LiveServer(create_app(ws, [ALICE])) as server:
        profile = Profile(name="uat", backend="spark", base_url=f"{server.url}/uat", tenant="uat", user=ALICE.name,
                          groups=tuple(ALICE.groups), token=ALICE.token)
        pair = Pair(EmbeddedBackend(tmp_path / "dev", "dev", "dev@example.com", ("supervisor:pf",), profile="dev"),
                    RemoteBackend(profile), ws)
        yield pair
        pair.source.close()
        pair.target.close()
    ws.close()


def test_embedded_to_serve_with_renames(remote_pair: Pair, tmp_path: Path) -> None:
    prepared = prepare(remote_pair.source, remote_pair.target, SELECTION, RENAMES, if_present=IfPresent.add_version)
    planned = [(v.service_uri_source, v.service_uri_destination, v.status) for v in prepared.plan.versions]
    assert planned[2:] == [
        ("synth-0000/service-0001[1.0.0]", "UAT/rates[2.0.1]", "added"),
        ("synth-0000/service-0001[1.0.1]", "UAT/rates[2.0.2]", "added"),
    ]
    outcome = run(remote_pair.source, remote_pair.target, prepared, tmp_path)
    receipt = outcome.receipt
    assert receipt.outcome == "promoted" and receipt.deviations == []
    assert [(v.service_uri_source, v.service_uri_destination, v.status) for v in receipt.service_versions] == planned
    assert receipt.target.kind == "spark" and receipt.target.location.endswith("/uat")
    served = {v.version: v.id for v in remote_pair.target.list_versions("UAT", "rates")}
    for v in receipt.service_versions[2:]:
        assert served[v.service_uri_destination.rstrip("]").partition("[")[2]] == v.version_id_destination
    assert {s.service_uri_destination: s.status for s in receipt.services} == {
        "UAT/service-0000": "added", "UAT/rates": "updated"}


def test_import_refused_by_serve_leaves_it_unchanged(remote_pair: Pair, tmp_path: Path) -> None:
    def race(update: StepUpdate) -> None:
        if update.step is Step.verify:
            remote_pair.target_ws.add_service("uat", "UAT", "service-0000")

    prepared = prepare(remote_pair.source, remote_pair.target, SELECTION, [parse_map("synth-0000=UAT"),
                       parse_map("synth-0000/service-0001=Other/x")])
    before = remote_pair.snapshot()
    with pytest.raises(PromotionFailed) as exc:
        run(remote_pair.source, remote_pair.target, prepared, tmp_path, on_update=race)
    assert exc.value.step is Step.import_ and "already exists" in exc.value.message
    assert remote_pair.snapshot() == before


def test_serve_to_serve(tmp_path: Path) -> None:
    """spark → spark: both sides over HTTP (two `serve` apps, one workspace each)."""
    seed_source(tmp_path / "dev")
    seed_target(tmp_path / "uat")
    dev_ws, uat_ws = Workspace(tmp_path / "dev"), Workspace(tmp_path / "uat")
    with LiveServer(create_app(dev_ws, [ALICE])) as dev, LiveServer(create_app(uat_ws, [ALICE])) as uat:
        def backend(url: str, tenant: str) -> RemoteBackend:
            return RemoteBackend(Profile(name=tenant, backend="spark", base_url=f"{url}/{tenant}", tenant=tenant,
                                         user=ALICE.name, groups=tuple(ALICE.groups), token=ALICE.token))

        source, target = backend(dev.url, "dev"), backend(uat.url, "uat")
        prepared = prepare(source, target, SELECTION, RENAMES, if_present=IfPresent.replace)
        outcome = run(source, target, prepared, tmp_path)
        assert outcome.receipt.outcome == "promoted" and outcome.receipt.deviations == []
        assert [v.status for v in outcome.receipt.service_versions] == ["added", "added", "replaced", "replaced"]
        assert {v.version for v in target.list_versions("UAT", "rates")} == {"1.0.0", "1.0.1"}
        assert outcome.receipt.source.kind == outcome.receipt.target.kind == "spark"
        source.close()
        target.close()
    dev_ws.close()
    uat_ws.close()
