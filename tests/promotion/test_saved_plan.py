"""Saved plan → apply: exactly the approved plan runs, or nothing does when either side moved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promokit import Pair
from spark_tui.engine.artifacts import version_files
from spark_tui.promotion import saved_plan
from spark_tui.promotion.mappings import parse_map
from spark_tui.promotion.prepare import prepare
from spark_tui.promotion.run import run
from spark_tui.spark.errors import ValidationFailed
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
from spark_tui.spark.values import IfPresent, VersionFilter

SELECTION = ExportRequest(inputs=ExportInputs(folders=["synth-0000"]), version_filter=VersionFilter.latest)
MAPS = [parse_map("synth-0000=UAT"), parse_map("synth-0000/service-0001=UAT/rates")]
NEW_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def add_version(ws, tenant: str, folder: str, service: str, number: str) -> None:
    sid = ws.service(tenant, folder, service)["id"]
    ws.add_version(tenant, sid, number, version_files(ws, tenant, folder, service, number, NEW_ID, payload_bytes=100),
                   version_id=NEW_ID)


@pytest.fixture
def saved(one_workspace: Pair, tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    prepared = prepare(one_workspace.source, one_workspace.target, SELECTION, MAPS, if_present=IfPresent.replace)
    saved_plan.save(prepared, one_workspace.target, path, argv=["--plan"])
    return path


def test_save_then_apply_unchanged_runs_exactly_the_plan(one_workspace: Pair, saved: Path, out_dir: Path) -> None:
    pair = one_workspace
    plan = saved_plan.load(saved)
    assert [v.service_uri_source for v in plan.request.resolved] == [
        "synth-0000/service-0000[1.0.1]", "synth-0000/service-0001[1.0.1]"]  # latest, pinned
    assert [s.service_uri_destination for s in plan.target_services] == ["UAT/rates", "UAT/service-0000"]
    assert plan.target_services[0].exists and not plan.target_services[1].exists
    prepared = saved_plan.for_apply(plan, pair.source, pair.target)
    assert prepared.request.inputs.version_ids == [v.version_id_source for v in plan.request.resolved]
    outcome = run(pair.source, pair.target, prepared, out_dir, saved_plan=str(saved))
    receipt = outcome.receipt
    assert receipt.deviations == [] and receipt.request.saved_plan == str(saved)
    assert receipt.request.selection == SELECTION.inputs and receipt.request.version_filter is VersionFilter.latest
    assert [(v.version_id_source, v.service_uri_destination) for v in receipt.service_versions] == [
        (v.version_id_source, v.service_uri_destination) for v in plan.plan.versions]


def test_a_new_latest_in_the_source_is_refused_naming_it(one_workspace: Pair, saved: Path) -> None:
    add_version(one_workspace.source.ws, "dev", "synth-0000", "service-0000", "1.1.0")
    with pytest.raises(ValidationFailed) as exc:
        saved_plan.for_apply(saved_plan.load(saved), one_workspace.source, one_workspace.target)
    assert exc.value.exit_code == 2 and [e.message for e in exc.value.errors[:2]] == [
        f"source: synth-0000/service-0000[1.0.1] ({'id ' + saved_plan.load(saved).request.resolved[0].version_id_source}) "
        "is no longer in the selection",
        f"source: synth-0000/service-0000[1.1.0] (id {NEW_ID}) is new since the plan",
    ]
    assert one_workspace.source.list_jobs(all_users=True) == []


def test_a_new_version_in_a_replaced_service_is_refused_naming_it(one_workspace: Pair, saved: Path) -> None:
    before = one_workspace.snapshot()
    add_version(one_workspace.target_ws, "uat", "UAT", "rates", "2.1.0")
    with pytest.raises(ValidationFailed) as exc:
        saved_plan.for_apply(saved_plan.load(saved), one_workspace.source, one_workspace.target)
    assert [(e.code, e.ref, e.message) for e in exc.value.errors[:-1]] == [
        ("PLAN_MOVED", "UAT/rates", f"target: UAT/rates changed since the plan: new version(s) 2.1.0 {NEW_ID}")]
    assert "1 thing(s) moved" in exc.value.errors[-1].message
    assert one_workspace.snapshot()[0] == before[0] + [("UAT", "rates", "2.1.0", NEW_ID)]


def test_a_bad_plan_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"object": "promotion_receipt"}))
    with pytest.raises(ValidationFailed, match=f"plan file {path} is not a saved plan") as exc:
        saved_plan.load(path)
    assert exc.value.errors[0].code == "BAD_PLAN_FILE"
