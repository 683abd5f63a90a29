"""The receipt of a promotion: what a run has learnt, the record built from it, written atomically.

The receipt lives beside the package as `NAME.receipt.json` and, under the same id, in the data
directory's history (`receipts/ID.json`). `Recorder` writes it when the promotion starts and
replaces it after each step, so a killed run leaves one naming the last step reached.
`compare` lists where an import's result differs from its plan (the receipt's deviations).
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from spark_tui import paths
from spark_tui.atomic_file import atomic_write
from spark_tui.promotion.steps import PromotionFailed, Step
from spark_tui.spark.export_wire import ExportJob
from spark_tui.spark.values import IfPresent, JobStatus, iso, utc_now
from spark_tui.spark.import_wire import ImportJob
from spark_tui.spark.promotion_wire import (
    BackupRecord,
    Endpoint,
    PackageRecord,
    Plan,
    PromotionRequest,
    Receipt,
    ReceiptService,
    ReceiptVersion,
    RunnerUpload,
)
from spark_tui.spark.uri import service_uri

NO_REMOVAL = "Spark's API offers no removal of a version or a service; undo cannot take these back"


def new_id() -> str:
    """A receipt id: sortable by time, unique."""
    return f"{utc_now().strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:8]}"


@dataclass
class RunState:
    """What a run has learnt so far, for the receipt."""

    source: Endpoint
    target: Endpoint
    started: str
    if_present: IfPresent = IfPresent.abort
    id: str = field(default_factory=new_id)
    step: Step | None = None
    request: PromotionRequest | None = None
    plan: Plan | None = None
    export_job: ExportJob | None = None
    package: PackageRecord | None = None
    backup: BackupRecord | None = None
    import_job: ImportJob | None = None
    import_sent: bool = False  # the upload to the target's import started
    runner: RunnerUpload | None = None
    created_folders: list[str] = field(default_factory=list)
    deviations: list[str] = field(default_factory=list)

    @property
    def target_may_have_changed(self) -> bool:
        """Folders were created, or an import was sent and has not ended `failed` (all or nothing)."""
        if self.created_folders or self.runner is not None:
            return True
        if not self.import_sent:
            return False
        return self.import_job is None or self.import_job.status is not JobStatus.failed


def build(state: RunState, failure: PromotionFailed | None = None, *, done: bool = True) -> Receipt:
    """The receipt of `state`: finished (`done`), failed (`failure`) or still running."""
    job = state.import_job
    outputs = job.outputs if job is not None and job.status is JobStatus.closed else None
    if failure is not None:
        outcome = "cancelled" if failure.cancelled else "failed"
    elif not done:
        outcome = "running"
    else:
        outcome = "uploaded" if state.runner is not None else "promoted"
    services = [
        ReceiptService(
            service_uri_source=s.service_uri_source or "", service_id_source=s.service_id_source,
            service_uri_destination=s.service_uri_destination or "", service_id_destination=s.service_id_destination,
            status=s.status,
        )
        for s in (outputs.services if outputs else [])
    ]
    versions = [
        ReceiptVersion(
            service_uri_source=v.service_uri_source or "", version_id_source=v.version_id_source or "",
            service_uri_destination=v.service_uri_destination or "", version_id_destination=v.version_id_destination,
            status=v.status,
        )
        for v in (outputs.service_versions if outputs else [])
    ]
    return Receipt(
        id=state.id, outcome=outcome, step=(state.step.value if state.step else ""),
        target_may_have_changed=state.target_may_have_changed,
        failed_step=failure.step.value if failure else None,
        message=failure.message if failure else None, source=state.source, target=state.target,
        user=state.target.user or state.source.user or "", started=state.started,
        finished=iso(utc_now()) if done or failure else None, pid=os.getpid(), host=socket.gethostname(),
        request=state.request, plan=state.plan, backup=state.backup,
        export_job_id=state.export_job.id if state.export_job else None, import_job_id=job.id if job else None,
        package=state.package,
        services_existing=state.if_present, folders_created=state.created_folders,
        services=services, service_versions=versions, deviations=state.deviations,
        not_removable=not_removable(services, versions), runner=state.runner,
    )


def not_removable(services: list[ReceiptService], versions: list[ReceiptVersion]) -> list[str]:
    """What the import added that no undo can take back: new services and added versions."""
    new = [f"{s.service_uri_destination} (new service)" for s in services if s.status == "added"]
    added = [f"{v.service_uri_destination} (added version {v.version_id_destination})" for v in versions if v.status == "added"]
    return new + added


class Recorder:
    """Writes a run's receipt beside the package and into the history, after every step."""

    def __init__(self, package: Path, state: RunState) -> None:
        self.package, self.state = package, state

    def step(self, step: Step) -> None:
        self.state.step = step
        self.save()

    def save(self) -> None:
        self.write(build(self.state, done=False))

    def fail(self, failure: PromotionFailed) -> Path:
        return self.write(build(self.state, failure))

    def finish(self) -> tuple[Receipt, Path]:
        receipt = build(self.state)
        return receipt, self.write(receipt)

    def write(self, receipt: Receipt) -> Path:
        path = write(self.package, receipt)
        history = paths.receipts_dir()
        history.mkdir(parents=True, exist_ok=True)
        atomic_write(history / f"{receipt.id}.json", _text(receipt), mode=0o600)
        return path


def receipt_path(package: Path) -> Path:
    return package.with_name(package.stem + ".receipt.json")


def write(package: Path, receipt: Receipt) -> Path:
    """Write the receipt atomically beside the package (temp name, then rename)."""
    path = receipt_path(package)
    atomic_write(path, _text(receipt))
    return path


def _text(receipt: Receipt) -> str:
    return json.dumps(receipt.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


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
