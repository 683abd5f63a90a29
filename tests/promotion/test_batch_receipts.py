"""`--batch` saved plans, history, receipts and undo, as a CI pipeline runs them."""

from __future__ import annotations

import json
from pathlib import Path

from promokit import Pair, RATES_ID
from spark_tui.engine.artifacts import version_files

PLAN = ("--profile", "dev", "--promote-to", "uat", "--folder", "synth-0000", "--map", "synth-0000=UAT",
        "--map", "synth-0000/service-0001=UAT/rates", "--if-present", "replace", "--plan")


def test_plan_approve_apply_list_show_and_undo(cli, profiles: Pair, tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    planned = cli(*PLAN, "--save-plan", str(plan))
    assert planned.code == 0 and f"plan saved to {plan}" in planned.err
    assert json.loads(plan.read_text())["object"] == "promotion_saved_plan"
    out = tmp_path / "out"
    out.mkdir()
    applied = cli("--apply", str(plan), "-o", str(out), "--json")
    assert applied.code == 0, applied.err
    receipt = applied.json
    assert receipt["request"]["saved_plan"] == str(plan.resolve()) and receipt["deviations"] == []
    assert receipt["request"]["argv"][:2] == ["--batch", "--apply"]
    assert receipt["backup"]["services"] == ["UAT/rates"]
    assert {v.version for v in profiles.target.list_versions("UAT", "rates")} == {"1.0.0", "1.0.1"}

    listed = cli("--promotions")
    assert listed.code == 0 and receipt["id"] in listed.out and "promoted" in listed.out
    assert receipt["package"]["sha256"] in listed.out and "uat@example.com" in listed.out
    shown = cli("--receipt", receipt["id"])
    assert shown.code == 0 and f"--undo {receipt['id']}" in shown.out
    assert "Spark's API offers no removal" in shown.out and "UAT/service-0000 (new service)" in shown.out

    undo_plan = cli("--undo", receipt["id"], "--plan", "--json")
    assert undo_plan.code == 0 and [(v["service_uri_destination"], v["version_id_destination"])
                                    for s in undo_plan.json["services"] for v in s["versions"]] == [
        ("UAT/rates[2.0.0]", RATES_ID)]
    undone = cli("--undo", receipt["id"])
    assert undone.code == 0, undone.err
    assert "UAT/service-0000 (new service)" in undone.err  # what undo cannot take back
    assert {v.version: v.id for v in profiles.target.list_versions("UAT", "rates")} == {"2.0.0": RATES_ID}
    assert len(cli("--promotions", "--json").json) == 2


def test_apply_refused_when_the_target_moved(cli, profiles: Pair, tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    assert cli(*PLAN, "--save-plan", str(plan)).code == 0
    ws, vid = profiles.target_ws, "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
    sid = ws.service("uat", "UAT", "rates")["id"]
    ws.add_version("uat", sid, "2.1.0", version_files(ws, "uat", "UAT", "rates", "2.1.0", vid, payload_bytes=100), version_id=vid)
    refused = cli("--apply", str(plan))
    assert refused.code == 2
    assert f"target: UAT/rates changed since the plan: new version(s) 2.1.0 {vid}" in refused.err
    assert profiles.source.list_jobs(all_users=True) == []


def test_bad_input_is_named(cli, profiles: Pair, tmp_path: Path) -> None:
    assert "add --plan" in cli(*PLAN[:-1], "--save-plan", str(tmp_path / "p.json")).err
    missing = cli("--apply", str(tmp_path / "nope.json"))
    assert missing.code == 2 and f"plan file {tmp_path / 'nope.json'} cannot be read" in missing.err
    unknown = cli("--receipt", "2099")
    assert unknown.code == 2 and "no receipt file or id '2099'" in unknown.err
    assert cli("--promotions").out.startswith("no promotions yet")
