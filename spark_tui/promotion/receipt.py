"""The receipt of a promotion: what a run has learnt, the record built from it, written atomically.

The receipt lives beside the package as `NAME.receipt.json`; `compare` lists where an import's
result differs from its plan (the receipt's deviations).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from spark_tui.promotion.steps import PromotionFailed
from spark_tui.spark.export_wire import ExportJob, IfPresent, JobStatus, iso, utc_now
from spark_tui.spark.import_wire import ImportJob
from spark_tui.spark.promotion_wire import (
    Endpoint,
    PackageRecord,
    Plan,
    Receipt,
    ReceiptService,
    ReceiptVersion,
    RunnerUpload,
)
from spark_tui.spark.uri import service_uri


@dataclass
class RunState:
    """What a run has learnt so far, for the receipt."""

    source: Endpoint
    target: Endpoint
    started: str
    if_present: IfPresent = IfPresent.abort
    export_job: ExportJob | None = None
    package: PackageRecord | None = None
    import_job: ImportJob | None = None
    runner: RunnerUpload | None = None
    created_folders: list[str] = field(default_factory=list)
    deviations: list[str] = field(default_factory=list)


def build(state: RunState, failure: PromotionFailed | None = None) -> Receipt:
    job = state.import_job
    outputs = job.outputs if job is not None and job.status is JobStatus.closed else None
    if failure is None:
        outcome = "uploaded" if state.runner is not None else "promoted"
    else:
        outcome = "cancelled" if failure.cancelled else "failed"
    return Receipt(
        outcome=outcome, failed_step=failure.step.value if failure else None,
        message=failure.message if failure else None, source=state.source, target=state.target,
        user=state.source.user or "", started=state.started, finished=iso(utc_now()),
        export_job_id=state.export_job.id if state.export_job else None, import_job_id=job.id if job else None,
        package=state.package,
        services_existing=state.if_present, folders_created=state.created_folders,
        services=[
            ReceiptService(
                service_uri_source=s.service_uri_source or "", service_id_source=s.service_id_source,
                service_uri_destination=s.service_uri_destination or "", service_id_destination=s.service_id_destination,
                status=s.status,
            )
            for s in (outputs.services if outputs else [])
        ],
        service_versions=[
            ReceiptVersion(
                service_uri_source=v.service_uri_source or "", version_id_source=v.version_id_source or "",
                service_uri_destination=v.service_uri_destination or "", version_id_destination=v.version_id_destination,
                status=v.status,
            )
            for v in (outputs.service_versions if outputs else [])
        ],
        deviations=state.deviations, runner=state.runner,
    )


def receipt_path(package: Path) -> Path:
    return package.with_name(package.stem + ".receipt.json")


def write(package: Path, receipt: Receipt) -> Path:
    """Write the receipt atomically beside the package (temp name, then rename)."""
    path = receipt_path(package)
    text = json.dumps(receipt.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".receipt-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def compare(plan: Plan, job: ImportJob | None) -> list[str]:
    """Where an import's result differs from the plan, one line per difference (empty: as planned)."""
    if job is None:
        return ["no import job"]
    done = {v.version_id_source: v for v in job.outputs.service_versions if v.version_id_source}
    lines = []
    for planned in plan.versions:
        item = done.pop(planned.version_id_source, None)
        if item is None:
            lines.append(f"{planned.service_uri_source}: planned '{planned.status}' but the import did not report it")
            continue
        got_uri = item.service_uri_destination or service_uri(
            item.folder_destination or "", item.service_destination or "", item.version_destination)
        expected = [
            ("destination", planned.service_uri_destination, got_uri),
            ("status", planned.status, item.status),
        ]
        if planned.version_id_destination is not None:
            expected.append(("version id", planned.version_id_destination, item.version_id_destination))
        for what, want, got in expected:
            if want != got:
                lines.append(f"{planned.service_uri_source}: planned {what} '{want}', the import gave '{got}'")
    lines += [f"{v.service_uri_source}: imported but not planned" for v in done.values()]
    return lines
