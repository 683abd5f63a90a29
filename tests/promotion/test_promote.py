"""Embedded → embedded promotions through the core API: the plan matches the import item by item,
the receipt's ids match both tenants, and a failure at each step names it and leaves the target as it was."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest

from promokit import Pair
from spark_tui.promotion.mappings import parse_map
from spark_tui.promotion.prepare import prepare
from spark_tui.promotion.run import promote, run
from spark_tui.promotion.steps import PlanRefused, PromotionFailed, Step, StepUpdate
from spark_tui.engine.artifacts import version_files
from spark_tui.spark.errors import ValidationFailed
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
from spark_tui.spark.values import FileFilter, IfPresent

SELECTION = ExportRequest(inputs=ExportInputs(folders=["synth-0000"]))
RENAMES = [parse_map("synth-0000=UAT"), parse_map("synth-0000/service-0001=UAT/rates:major")]


def versions_of(backend, folder: str, service: str) -> dict[str, str]:
    return {v.version: v.id for v in backend.list_versions(folder, service)}


def test_promote_with_renames(pair: Pair, out_dir: Path) -> None:
    prepared = prepare(pair.source, pair.target, SELECTION, RENAMES, if_present=IfPresent.add_version)
    planned = [(v.service_uri_source, v.service_uri_destination, v.status) for v in prepared.plan.versions]
    assert planned == [
        ("synth-0000/service-0000[1.0.0]", "UAT/service-0000[1.0.0]", "added"),
        ("synth-0000/service-0000[1.0.1]", "UAT/service-0000[1.0.1]", "added"),
        ("synth-0000/service-0001[1.0.0]", "UAT/rates[3.0.0]", "added"),
        ("synth-0000/service-0001[1.0.1]", "UAT/rates[4.0.0]", "added"),
    ]
    outcome = run(pair.source, pair.target, prepared, out_dir)

    receipt = outcome.receipt
    assert receipt.outcome == "promoted" and receipt.deviations == []
    assert outcome.receipt_path == out_dir / (outcome.package.stem + ".receipt.json")
    assert json.loads(outcome.receipt_path.read_text())["import_job_id"] == receipt.import_job_id
    # the import did what the plan said, item by item
    done = [(v.service_uri_source, v.service_uri_destination, v.status) for v in receipt.service_versions]
    assert done == planned
    # the receipt's ids are the ids in both tenants
    for v in receipt.service_versions:
        source_uri, _, source_version = v.service_uri_source.rstrip("]").partition("[")
        dest_uri, _, dest_version = v.service_uri_destination.rstrip("]").partition("[")
        assert versions_of(pair.source, *source_uri.split("/"))[source_version] == v.version_id_source
        assert versions_of(pair.target, *dest_uri.split("/"))[dest_version] == v.version_id_destination
    assert receipt.export_job_id == pair.source.status(receipt.export_job_id).id
    assert receipt.package.verified and receipt.package.sha256 == pair.source.status(receipt.export_job_id).outputs.files[0].file_hash
    assert (receipt.source.tenant, receipt.target.tenant, receipt.user) == ("dev", "uat", "uat@example.com")
    assert (receipt.source.user, receipt.source.user_source) == ("dev@example.com", "profile")


def test_a_refusing_plan_exports_nothing(one_workspace: Pair, out_dir: Path) -> None:
    before = one_workspace.snapshot()
    with pytest.raises(PlanRefused) as exc:
        promote(one_workspace.source, one_workspace.target, SELECTION, RENAMES, out_dir)  # abort: UAT/rates exists
    assert [e.code for e in exc.value.errors] == ["SERVICE_EXISTS"] and exc.value.exit_code == 2
    assert one_workspace.source.list_jobs(all_users=True) == [] and list(out_dir.iterdir()) == []
    assert one_workspace.snapshot() == before


def test_export_failure(one_workspace: Pair, out_dir: Path) -> None:
    pair = one_workspace
    from spark_tui.backends.embedded import EmbeddedBackend

    holder = EmbeddedBackend(pair.source.ws.root, "dev", "other@example.com", (), spawn=False)
    holder.submit(ExportRequest(inputs=ExportInputs(folders=["synth-0000"])))  # holds the export slot
    before = pair.snapshot()
    with pytest.raises(PromotionFailed) as exc:
        promote(pair.source, pair.target, SELECTION, RENAMES, out_dir, if_present=IfPresent.add_version)
    assert exc.value.step is Step.export and exc.value.exit_code == 6 and "already runs 1 export job" in exc.value.message
    assert list(out_dir.iterdir()) == [exc.value.receipt_path]  # no package, the receipt says where it stopped
    receipt = json.loads(exc.value.receipt_path.read_text())
    assert (receipt["outcome"], receipt["step"], receipt["target_may_have_changed"]) == ("failed", "export", False)
    assert pair.snapshot() == before and pair.target.list_imports() == []
    holder.close()


def test_corrupt_download(one_workspace: Pair, out_dir: Path) -> None:
    pair = one_workspace

    def corrupt(update: StepUpdate) -> None:
        job = update.export_job
        if job is not None and job.status.value == "closed":
            path = pair.source.jobs.package_path("dev", job.id, pair.source.user, pair.source.groups)
            data = bytearray(path.read_bytes())
            data[len(data) // 2] ^= 0xFF
            path.write_bytes(bytes(data))

    before = pair.snapshot()
    with pytest.raises(PromotionFailed) as exc:
        promote(pair.source, pair.target, SELECTION, RENAMES, out_dir, if_present=IfPresent.add_version, on_update=corrupt)
    assert exc.value.step is Step.download and exc.value.exit_code == 3 and "SHA-256" in exc.value.message
    assert list(out_dir.iterdir()) == [exc.value.receipt_path]  # the corrupt package was not kept
    receipt = json.loads(exc.value.receipt_path.read_text())
    assert (receipt["outcome"], receipt["step"], receipt["package"]) == ("failed", "download", None)
    assert pair.snapshot() == before and pair.target.list_imports() == []


def test_import_refused(one_workspace: Pair, out_dir: Path) -> None:
    pair = one_workspace

    def race(update: StepUpdate) -> None:  # someone creates the destination service after the plan
        if update.step is Step.verify:
            pair.target_ws.add_service("uat", "UAT", "service-0000")

    prepared = prepare(pair.source, pair.target, SELECTION, [parse_map("synth-0000=UAT"), parse_map("synth-0000/service-0001=Other/x")])
    before = pair.snapshot()
    with pytest.raises(PromotionFailed) as exc:
        run(pair.source, pair.target, prepared, out_dir, on_update=race)
    assert exc.value.step is Step.import_ and exc.value.exit_code == 1
    assert "'UAT/service-0000' already exists" in exc.value.message
    assert pair.snapshot() == before  # no version or blob written (the raced service has no versions)
    receipt = json.loads(exc.value.receipt_path.read_text())
    assert (receipt["outcome"], receipt["failed_step"]) == ("failed", "import")
    assert receipt["export_job_id"] and receipt["import_job_id"] and receipt["service_versions"] == []


def test_source_changed_after_the_plan(one_workspace: Pair, out_dir: Path) -> None:
    pair = one_workspace
    prepared = prepare(pair.source, pair.target, SELECTION, RENAMES, if_present=IfPresent.add_version)
    ws = pair.source.ws
    sid = ws.service("dev", "synth-0000", "service-0000")["id"]
    vid = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
    ws.add_version("dev", sid, "1.1.0", version_files(ws, "dev", "synth-0000", "service-0000", "1.1.0", vid, payload_bytes=100),
                   version_id=vid)
    before = pair.snapshot()
    with pytest.raises(PromotionFailed) as exc:
        run(pair.source, pair.target, prepared, out_dir)
    assert exc.value.step is Step.verify and f"extra version ids ['{vid}']" in exc.value.message
    assert pair.snapshot() == before and pair.target.list_imports() == []
    assert json.loads(exc.value.receipt_path.read_text())["failed_step"] == "verify"


def test_cancel_during_the_export_cancels_the_job(one_workspace: Pair, out_dir: Path) -> None:
    pair = one_workspace
    cancel = threading.Event()
    seen = []

    def on_update(update: StepUpdate) -> None:
        if update.export_job is not None:
            seen.append(update.export_job.id)
            cancel.set()

    before = pair.snapshot()
    with pytest.raises(PromotionFailed) as exc:
        promote(pair.source, pair.target, SELECTION, RENAMES, out_dir, if_present=IfPresent.add_version,
                on_update=on_update, cancel=cancel)
    assert exc.value.step is Step.export and exc.value.exit_code == 130 and exc.value.cancelled
    status = pair.source.status(seen[0]).status.value
    assert status in ("cancelled", "closed")  # a tiny export may close before the cancel lands
    assert list(out_dir.iterdir()) == [exc.value.receipt_path] and pair.snapshot() == before
    assert json.loads(exc.value.receipt_path.read_text())["outcome"] == "cancelled"


def test_file_filter_onpremises_is_refused_before_anything(one_workspace: Pair) -> None:
    request = SELECTION.model_copy(update={"file_filter": FileFilter.onpremises})
    with pytest.raises(ValidationFailed, match="imports only file_filter=migrate"):
        prepare(one_workspace.source, one_workspace.target, request, [])
    assert one_workspace.source.list_jobs(all_users=True) == []


def test_an_existing_package_name_is_refused_before_exporting(one_workspace: Pair, out_dir: Path) -> None:
    (out_dir / "p.zip").write_bytes(b"mine")
    request = SELECTION.model_copy(update={"file_name": "p.zip"})
    with pytest.raises(PromotionFailed, match="p.zip already exists") as exc:
        promote(one_workspace.source, one_workspace.target, request, RENAMES, out_dir, if_present=IfPresent.add_version)
    assert exc.value.step is Step.export and exc.value.exit_code == 2
    assert one_workspace.source.list_jobs(all_users=True) == [] and (out_dir / "p.zip").read_bytes() == b"mine"


def test_cancel_while_importing_stops_waiting_and_says_the_import_goes_on(one_workspace: Pair, out_dir: Path) -> None:
    pair = one_workspace
    cancel = threading.Event()

    def on_update(update: StepUpdate) -> None:
        if update.import_job is not None:
            cancel.set()

    with pytest.raises(PromotionFailed) as exc:
        promote(pair.source, pair.target, SELECTION, RENAMES, out_dir, if_present=IfPresent.add_version,
                on_update=on_update, cancel=cancel)
    failure = exc.value
    assert failure.step is Step.import_ and failure.cancelled and failure.exit_code == 130
    assert failure.target_may_change and "goes on in the target" in failure.message
    receipt = json.loads(failure.receipt_path.read_text())
    assert receipt["outcome"] == "cancelled" and receipt["import_job_id"]


def test_the_default_package_name_names_the_profiles_not_their_tenants() -> None:
    from types import SimpleNamespace

    from spark_tui.backends.base import BackendInfo
    from spark_tui.promotion.run import default_file_name

    def source(profile: str) -> SimpleNamespace:
        return SimpleNamespace(info=BackendInfo(profile=profile, kind="spark", location="https://x", tenant="demo", user="u"))

    # both profiles on tenant demo: the tenants alone would give promote-demo-to-demo-…
    assert re.fullmatch(r"promote-staging-to-prod-\d{8}T\d{6}Z\.zip", default_file_name(source("staging"), "prod"))
    assert default_file_name(source("eu west/1"), "..prod").startswith("promote-eu-west-1-to-prod-")
