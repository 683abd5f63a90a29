"""Receipts that tell the truth: deviations only for real divergences, version ids predicted only where
Spark keeps them, identities from each side's whoami, and the whole receipt checked against both tenants."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
from pathlib import Path

import pytest

from promokit import Pair, RATES_ID, seed_source, seed_target
from spark_tui import __version__
from spark_tui.backends.remote import RemoteBackend
from spark_tui.config import Profile
from spark_tui.engine.artifacts import version_files
from spark_tui.engine.store import Workspace
from spark_tui.promotion.mappings import parse_map
from spark_tui.promotion.prepare import prepare
from spark_tui.promotion.receipt import compare
from spark_tui.promotion.run import run, without_secrets
from spark_tui.promotion.steps import Step, StepUpdate
from spark_tui.server import create_app
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
from spark_tui.spark.values import IfPresent
from spark_tui.spark.import_wire import ImportedServiceVersion, ImportJob, ImportOutputs
from spark_tui.spark.promotion_wire import Endpoint, Plan, PlannedService, PlannedVersion, ServiceAction

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import ALICE, BOB, LiveServer  # noqa: E402

SELECTION = ExportRequest(inputs=ExportInputs(folders=["synth-0000"]))
RENAMES = [parse_map("synth-0000=UAT"), parse_map("synth-0000/service-0001=UAT/rates:major")]


# --- compare(): the deviations, with hand-built import jobs -----------------------------------------


def planned(version: str, dest: str, vid: str, kept: str | None, status: str = "added") -> PlannedVersion:
    return PlannedVersion(
        service_uri_source=f"f/s[{version}]", version_source=version, version_id_source=vid,
        service_uri_destination=dest, version_destination=dest.rpartition("[")[2].rstrip("]"),
        version_id_destination=kept, status=status,
    )


def a_plan(*versions: PlannedVersion) -> Plan:
    side = Endpoint(profile="p", kind="embedded", location="/w", tenant="t")
    return Plan(source=side, target=side, services=[PlannedService(
        service_uri_source="f/s", folder_source="f", service_source="s", service_id_source="sid",
        service_uri_destination="F/S", folder_destination="F", service_destination="S", action=ServiceAction.new,
        versions=list(versions))])


def done(vid: str, dest: str, got_id: str, status: str = "added") -> ImportedServiceVersion:
    return ImportedServiceVersion(service_uri_source=f"f/s[{vid}]", version_id_source=vid,
                                  service_uri_destination=dest, version_id_destination=got_id, status=status)


def job(*items: ImportedServiceVersion) -> ImportJob:
    return ImportJob(id="j", status="closed", outputs=ImportOutputs(service_versions=list(items)))


def test_new_ids_where_spark_chooses_are_no_deviation() -> None:
    plan = a_plan(planned("1.0.0", "F/S[1.0.0]", "a", None), planned("1.1.0", "F/S[1.1.0]", "b", "b"))
    assert compare(plan, job(done("a", "F/S[1.0.0]", "new-a"), done("b", "F/S[1.1.0]", "b"))) == []


def test_an_id_spark_had_to_keep_but_did_not_is_a_deviation() -> None:
    plan = a_plan(planned("1.1.0", "F/S[1.1.0]", "b", "b"))
    assert compare(plan, job(done("b", "F/S[1.1.0]", "other"))) == [
        "f/s[1.1.0]: planned version id 'b', the import gave 'other'"]


def test_status_number_missing_and_extra_are_deviations() -> None:
    plan = a_plan(planned("1.0.0", "F/S[2.0.0]", "a", None), planned("1.1.0", "F/S[2.1.0]", "b", None),
                  planned("1.2.0", "F/S[2.2.0]", "c", None))
    got = job(done("a", "F/S[2.0.0]", "x", status="replaced"), done("b", "F/S[3.0.0]", "y"), done("z", "F/S[9.0.0]", "z"))
    assert compare(plan, got) == [
        "f/s[1.0.0]: planned status 'added', the import gave 'replaced'",
        "f/s[1.1.0]: planned destination 'F/S[2.1.0]', the import gave 'F/S[3.0.0]'",
        "f/s[1.2.0]: planned 'added' but the import did not report it",
        "f/s[z]: imported but not planned",
    ]


# --- the plan's ids and deviations in real promotions -------------------------------------------------


def test_promoting_again_where_the_target_holds_the_ids_has_no_deviation(pair: Pair, out_dir: Path, tmp_path: Path) -> None:
    """The README's dev → UAT again and again: the target already holds the source ids."""
    first = run(pair.source, pair.target, prepare(pair.source, pair.target, SELECTION, RENAMES,
                                                  if_present=IfPresent.add_version), out_dir)
    kept = {v.version_id_source: v.version_id_destination for v in first.receipt.service_versions}
    assert all(a == b for a, b in kept.items()) and first.receipt.deviations == []

    again = prepare(pair.source, pair.target, SELECTION, RENAMES, if_present=IfPresent.add_version)
    assert {v.version_id_destination for v in again.plan.versions} == {None}  # taken in the tenant: Spark chooses
    (tmp_path / "again").mkdir()
    second = run(pair.source, pair.target, again, tmp_path / "again")
    assert second.receipt.deviations == []
    assert not {v.version_id_destination for v in second.receipt.service_versions} & set(kept)

    # new services in another folder: the ids are held elsewhere in the tenant, not in the destination service
    elsewhere = prepare(pair.source, pair.target, SELECTION, [parse_map("synth-0000=Other")])
    assert {v.version_id_destination for v in elsewhere.plan.versions} == {None}
    (tmp_path / "elsewhere").mkdir()
    third = run(pair.source, pair.target, elsewhere, tmp_path / "elsewhere")
    assert third.receipt.deviations == [] and [v.status for v in third.receipt.service_versions] == ["added"] * 4


def test_replace_keeps_the_ids_the_replaced_service_held(pair: Pair, out_dir: Path, tmp_path: Path) -> None:
    run(pair.source, pair.target, prepare(pair.source, pair.target, SELECTION, RENAMES, if_present=IfPresent.add_version),
        out_dir)
    again = prepare(pair.source, pair.target, SELECTION, [parse_map("synth-0000=UAT")], if_present=IfPresent.replace)
    predicted = {v.version_id_source: v.version_id_destination for v in again.plan.versions}
    # service-0000's ids are held only by UAT/service-0000, which replace empties first; service-0001's are in UAT/rates
    assert [k == v for k, v in predicted.items()] == [True, True, False, False]
    (tmp_path / "again").mkdir()
    outcome = run(pair.source, pair.target, again, tmp_path / "again")
    assert outcome.receipt.deviations == []
    got = {v.version_id_source: v.version_id_destination for v in outcome.receipt.service_versions}
    assert [got[k] == k for k in predicted] == [True, True, False, False]


def test_a_real_divergence_is_reported(one_workspace: Pair, out_dir: Path) -> None:
    pair = one_workspace

    def race(update: StepUpdate) -> None:  # someone adds UAT/rates 3.0.0 between the plan and the import
        if update.step is Step.verify:
            ws, vid = pair.target_ws, "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
            sid = ws.service("uat", "UAT", "rates")["id"]
            ws.add_version("uat", sid, "3.0.0", version_files(ws, "uat", "UAT", "rates", "3.0.0", vid, payload_bytes=100),
                           version_id=vid)

    prepared = prepare(pair.source, pair.target, SELECTION, RENAMES, if_present=IfPresent.add_version)
    outcome = run(pair.source, pair.target, prepared, out_dir, on_update=race)
    assert outcome.receipt.deviations == [
        "synth-0000/service-0001[1.0.0]: planned destination 'UAT/rates[3.0.0]', the import gave 'UAT/rates[4.0.0]'",
        "synth-0000/service-0001[1.0.1]: planned destination 'UAT/rates[4.0.0]', the import gave 'UAT/rates[5.0.0]'",
    ]


# --- identities and the whole receipt, against serve -----------------------------------------------


def test_receipt_against_serve_with_two_users_and_no_user_in_the_profiles(tmp_path: Path) -> None:
    seed_source(tmp_path / "dev")
    seed_target(tmp_path / "uat")
    dev_ws, uat_ws = Workspace(tmp_path / "dev"), Workspace(tmp_path / "uat")
    out = tmp_path / "out"
    out.mkdir()
    with LiveServer(create_app(dev_ws, [ALICE, BOB])) as dev, LiveServer(create_app(uat_ws, [ALICE, BOB])) as uat:
        source = RemoteBackend(Profile(name="dev", backend="spark", base_url=f"{dev.url}/dev", token=ALICE.token))
        target = RemoteBackend(Profile(name="uat", backend="spark", base_url=f"{uat.url}/uat", token=BOB.token))
        request = SELECTION.model_copy(update={"correlation_id": "ci-42", "file_name": "p.zip"})
        prepared = prepare(source, target, request, RENAMES, if_present=IfPresent.add_version)
        argv = ["--batch", "--profile", "dev", "--push-runner", "https://u:pw@runner/x?sig=abc", "--token", "t0p"]
        outcome = run(source, target, prepared, out, argv=argv)
        receipt = json.loads(outcome.receipt_path.read_text())

        src_versions = {(f"synth-0000/{s}[{v.version}]"): v.id for s in ("service-0000", "service-0001")
                        for v in source.list_versions("synth-0000", s)}
        dst = {f"UAT/{s}[{v.version}]": v.id for s in ("service-0000", "rates") for v in target.list_versions("UAT", s)}
        src_services = {s.name: s.id for s in source.list_services("synth-0000").items}
        dst_services = {s.name: s.id for s in target.list_services("UAT").items}
        [export] = source.list_jobs()
        [imported] = target.list_imports()
        package = out / "p.zip"
        source.close()
        target.close()
    dev_ws.close()
    uat_ws.close()
    assert imported.outputs and export.status.value == "closed"
    sides = {
        "dev": {"profile": "dev", "kind": "spark", "location": f"{dev.url}/dev", "tenant": "dev",
                "user": ALICE.name, "user_source": "server"},
        "uat": {"profile": "uat", "kind": "spark", "location": f"{uat.url}/uat", "tenant": "uat",
                "user": BOB.name, "user_source": "server"},
    }
    pairs = [("service-0000", "service-0000", "1.0.0", "1.0.0"), ("service-0000", "service-0000", "1.0.1", "1.0.1"),
             ("service-0001", "rates", "1.0.0", "3.0.0"), ("service-0001", "rates", "1.0.1", "4.0.0")]
    versions = [{"service_uri_source": f"synth-0000/{s}[{v}]", "version_id_source": src_versions[f"synth-0000/{s}[{v}]"],
                 "service_uri_destination": f"UAT/{d}[{dv}]", "version_id_destination": dst[f"UAT/{d}[{dv}]"],
                 "status": "added"} for s, d, v, dv in pairs]
    expected = {
        "object": "promotion_receipt", "id": receipt["id"], "outcome": "promoted", "step": "receipt",
        "target_may_have_changed": True, "failed_step": None, "message": None,
        "source": sides["dev"], "target": sides["uat"], "user": BOB.name,
        "started": "T", "finished": "T", "pid": os.getpid(), "host": socket.gethostname(),
        "request": {
            "selection": {"folders": ["synth-0000"], "services": [], "version_ids": []}, "version_filter": "all",
            "resolved": [{"service_uri_source": v["service_uri_source"], "version_id_source": v["version_id_source"]}
                         for v in versions],
            "mappings": [
                {"service_uri_source": "synth-0000/service-0000", "service_uri_destination": "UAT/service-0000",
                 "update_version_type": "minor"},
                {"service_uri_source": "synth-0000/service-0001", "service_uri_destination": "UAT/rates",
                 "update_version_type": "major"}],
            "if_present": "add_version", "upgrade": "minor", "create_folders": False, "source_system": None,
            "correlation_id": "ci-42",
            "argv": ["--batch", "--profile", "dev", "--push-runner", "https://runner/x", "--token", "***"],
            "tool": f"spark-tui {__version__}", "saved_plan": None,
        },
        "plan": outcome.plan.model_dump(mode="json"), "backup": None,
        "export_job_id": export.id, "import_job_id": imported.id,
        "package": {"path": str(package), "bytes": package.stat().st_size,
                    "sha256": hashlib.sha256(package.read_bytes()).hexdigest(), "verified": True},
        "services_existing": "add_version", "folders_created": [],
        "services": [
            {"service_uri_source": "synth-0000/service-0000", "service_id_source": src_services["service-0000"],
             "service_uri_destination": "UAT/service-0000", "service_id_destination": dst_services["service-0000"],
             "status": "added"},
            {"service_uri_source": "synth-0000/service-0001", "service_id_source": src_services["service-0001"],
             "service_uri_destination": "UAT/rates", "service_id_destination": dst_services["rates"],
             "status": "updated"}],
        "service_versions": versions, "deviations": [],
        "not_removable": ["UAT/service-0000 (new service)"] + [
            f"{v['service_uri_destination']} (added version {v['version_id_destination']})" for v in versions],
        "runner": None,
    }
    assert imported.outputs.services[0].service_id_destination == dst_services["service-0000"]
    assert {**receipt, "started": "T", "finished": "T"} == expected
    assert receipt["started"] <= receipt["finished"]
    # the plan predicted ids only where uat held none: every id kept, rates' number as the import gave it
    assert [v.version_id_destination for v in outcome.plan.versions] == [v["version_id_source"] for v in versions]
    # the history holds the same receipt under its id
    assert json.loads((Path(os.environ["SPARK_TUI_HOME"]) / "data" / "receipts" / f"{receipt['id']}.json").read_text()) == receipt
    assert RATES_ID in dst.values()  # the existing version stays


@pytest.mark.parametrize("argv, expected", [
    (["--token=abc", "--api-key", "k", "--folder", "f"], ["--token=***", "--api-key", "***", "--folder", "f"]),
    (["--push-runner", "http://me:pw@h:9/up?sig=1"], ["--push-runner", "http://h:9/up"]),
])
def test_argv_without_secrets(argv: list[str], expected: list[str]) -> None:
    assert without_secrets(argv) == expected


# --- kill -9 at each step ---------------------------------------------------------------------------


@pytest.mark.parametrize("step, changed", [
    ("export", False), ("download", False), ("verify", False), ("folders", False), ("import", True)])
def test_kill_at_each_step_leaves_a_receipt_naming_it(tmp_path: Path, step: str, changed: bool) -> None:
    import signal
    import subprocess

    from spark_tui.backends.embedded import EmbeddedBackend
    from spark_tui.backends.polling import wait_for_import

    out, marker = tmp_path / "out", tmp_path / "marker"
    out.mkdir()
    script = Path(__file__).with_name("kill_at_step.py")
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path / "ws"), str(out), step, str(marker)])
    try:
        while not marker.exists():  # the promotion reached the step (or died: then fail at once)
            assert proc.poll() is None, f"the promotion ended ({proc.returncode}) before step {step}"
            try:
                proc.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                pass
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    [path] = out.glob("*.receipt.json")
    receipt = json.loads(path.read_text())
    assert (receipt["outcome"], receipt["step"], receipt["finished"]) == ("running", step, None)
    assert receipt["pid"] == proc.pid and receipt["target_may_have_changed"] is changed
    assert receipt["request"]["resolved"] and receipt["export_job_id"]
    from spark_tui.promotion.history import list_receipts, shown_outcome

    [kept] = list_receipts()  # the history's copy, shown as interrupted: its process is gone
    assert kept.model_dump(mode="json") == receipt and shown_outcome(kept) == "interrupted"
    if step == "import":  # the recorded job settles it later
        target = EmbeddedBackend(tmp_path / "ws", "uat", "uat@example.com", ("supervisor:pf",))
        settled = wait_for_import(target, target.import_status(receipt["import_job_id"]))
        assert settled.status.value == "closed" and len(settled.outputs.service_versions) == 4
        target.close()


# --- backup before replace, and undo -------------------------------------------------------------------


def version_entries(path: Path) -> dict[str, bytes]:
    """Every file of every version in a package, by its path below the tenant."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        return {n.split("/", 1)[1]: z.read(n) for n in z.namelist() if n.count("/") >= 4 and not n.endswith("/")}


def test_backup_and_undo_restore_the_replaced_versions_byte_for_byte(one_workspace: Pair, out_dir: Path, tmp_path: Path) -> None:
    from spark_tui.promotion.history import list_receipts, load_receipt
    from spark_tui.promotion.undo import plan_undo, undo

    pair = one_workspace
    before = {v.version: v.id for v in pair.target.list_versions("UAT", "rates")}
    prepared = prepare(pair.source, pair.target, SELECTION, RENAMES, if_present=IfPresent.replace)
    outcome = run(pair.source, pair.target, prepared, out_dir)
    receipt = outcome.receipt
    backup = receipt.backup
    assert backup.path == str(out_dir / (outcome.package.stem + ".before.zip")) and backup.verified
    assert backup.services == ["UAT/rates"]
    assert [(v.service_uri_source, v.version_id_source) for v in backup.service_versions] == [("UAT/rates[2.0.0]", RATES_ID)]
    assert backup.sha256 == hashlib.sha256(Path(backup.path).read_bytes()).hexdigest()
    assert receipt.not_removable == ["UAT/service-0000 (new service)"] + [
        f"{v.service_uri_destination} (added version {v.version_id_destination})" for v in receipt.service_versions[:2]]
    assert {v.version for v in pair.target.list_versions("UAT", "rates")} == {"1.0.0", "1.0.1"}

    assert [r.id for r in list_receipts()] == [receipt.id] and load_receipt(receipt.id) == load_receipt(outcome.receipt_path)
    plan = plan_undo(load_receipt(receipt.id), pair.target)
    assert [(v.service_uri_destination, v.version_id_destination, v.status) for v in plan.versions] == [
        ("UAT/rates[2.0.0]", RATES_ID, "replaced")]
    undone = undo(load_receipt(receipt.id), pair.target)
    assert undone.receipt.outcome == "promoted" and undone.receipt.deviations == []
    assert {v.version: v.id for v in pair.target.list_versions("UAT", "rates")} == before
    (tmp_path / "after").mkdir()
    again = run(pair.source, pair.target, prepare(pair.source, pair.target, SELECTION, RENAMES,
                                                  if_present=IfPresent.replace), tmp_path / "after")
    # the next replace backs up what undo restored: the same files, byte for byte, as the first backup
    rates = {k: v for k, v in version_entries(Path(again.receipt.backup.path)).items() if k.startswith("UAT/rates/")}
    assert rates == version_entries(Path(backup.path)) != {}
    assert [r.id for r in list_receipts()][0] == again.receipt.id and len(list_receipts()) == 3


def test_no_backup_and_a_receipt_without_one(one_workspace: Pair, out_dir: Path) -> None:
    from spark_tui.promotion.undo import plan_undo
    from spark_tui.spark.errors import ValidationFailed

    pair = one_workspace
    prepared = prepare(pair.source, pair.target, SELECTION, RENAMES, if_present=IfPresent.replace)
    outcome = run(pair.source, pair.target, prepared, out_dir, backup=False)
    assert outcome.receipt.backup is None and not list(out_dir.glob("*.before.zip"))
    with pytest.raises(ValidationFailed, match=f"receipt {outcome.receipt.id} has no backup") as exc:
        plan_undo(outcome.receipt, pair.target)
    assert "UAT/service-0000 (new service)" in exc.value.message
