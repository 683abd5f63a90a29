"""Undo a promotion: import its backup (`NAME.before.zip`) into the target with `replace`.

The same gates as any import: the backup's SHA-256 must match its receipt, and the plan of importing
it must go (else PlanRefused, nothing written). The replaced services come back with their version
ids; what the promotion added (new services, added versions) stays — Spark's API cannot remove
them — and the undo's receipt lists it.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from spark_tui.backends.base import Backend
from spark_tui.backends.polling import DEFAULT_DEADLINE_S
from spark_tui.spark.package_format import open_package
from spark_tui.promotion import receipt as receipts
from spark_tui.promotion.prepare import package_endpoint, plan_package
from spark_tui.promotion.receipt import NO_REMOVAL, Recorder, RunState
from spark_tui.promotion.run import SOURCE_SYSTEM, identified, import_package
from spark_tui.spark.errors import Code, ValidationFailed
from spark_tui.spark.export_wire import ApiError
from spark_tui.spark.values import IfPresent, iso, utc_now
from spark_tui.spark.import_wire import ImportInputs, ImportRequestEntity, ServiceMapping
from spark_tui.spark.promotion_wire import PackageRecord, Plan, Receipt
from spark_tui.promotion.steps import Listener, Outcome, PlanRefused, PromotionFailed, Step, StepUpdate, quiet


def undo_request(receipt: Receipt) -> tuple[Path, ImportRequestEntity]:
    """The backup of `receipt` (checked against its SHA-256) and the import request that restores it."""
    backup = receipt.backup
    if backup is None:
        raise ValidationFailed.of([ApiError(code=Code.INVALID_VALUE.value, ref=receipt.id, message=(
            f"receipt {receipt.id} has no backup: its import replaced no service, or it ran with --no-backup; "
            + (f"{NO_REMOVAL}: {', '.join(receipt.not_removable)}" if receipt.not_removable else "there is nothing to undo")))])
    path = Path(backup.path)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ValidationFailed.of([ApiError(code=Code.PACKAGE_NOT_FOUND.value, ref=str(path), message=(
            f"backup {path} of receipt {receipt.id} cannot be read ({exc.strerror or exc}); restore the file"))]) from None
    if digest != backup.sha256:
        raise ValidationFailed.of([ApiError(code=Code.BAD_PACKAGE.value, ref=str(path), message=(
            f"backup {path} has SHA-256 {digest}, its receipt says {backup.sha256}; it changed since, undo refused"))])
    entity = ImportRequestEntity(
        inputs=ImportInputs(services_modify=[ServiceMapping(service_uri_source=s, service_uri_destination=s)
                                             for s in backup.services]),
        services_existing=IfPresent.replace, source_system=SOURCE_SYSTEM + " undo", correlation_id=receipt.id,
    )
    return path, entity


def plan_undo(receipt: Receipt, target: Backend) -> Plan:
    """What undoing `receipt` will do in `target` (nothing is written)."""
    path, entity = undo_request(receipt)
    return plan_package(path, target, entity)


def undo(
    receipt: Receipt,
    target: Backend,
    *,
    on_update: Listener | None = None,
    cancel: threading.Event | None = None,
    deadline_s: float = DEFAULT_DEADLINE_S,
) -> Outcome:
    """Import the backup of `receipt` with replace; its receipt goes beside the backup."""
    path, entity = undo_request(receipt)
    plan = plan_package(path, target, entity)
    if not plan.go:
        raise PlanRefused(plan)
    notify, cancel = on_update or quiet, cancel or threading.Event()
    with open_package(path) as pkg:
        source = package_endpoint(path, pkg)
    state = RunState(source, identified(target), iso(utc_now()), IfPresent.replace)
    state.plan = plan
    backup = receipt.backup
    state.package = PackageRecord(path=str(path), bytes=backup.bytes, sha256=backup.sha256, verified=True)
    recorder = Recorder(path, state)
    try:
        import_package(target, path, entity, state, notify, cancel, deadline_s, recorder)
    except PromotionFailed as exc:
        exc.receipt_path = recorder.fail(exc)
        raise
    state.deviations = receipts.compare(plan, state.import_job)
    state.step = Step.receipt
    result, written = recorder.finish()
    if receipt.not_removable:
        notify(StepUpdate(Step.receipt, f"{NO_REMOVAL}: {', '.join(receipt.not_removable)}"))
    notify(StepUpdate(Step.receipt, f"receipt {written}"))
    return Outcome(result, written, path, plan)
