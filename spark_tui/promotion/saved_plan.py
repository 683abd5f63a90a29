"""Saved plans (Terraform's plan → apply): approve a plan in one place, apply exactly it in another.

`save` pins the source version ids the selection resolved to, the mappings and options, and the
state of the target's affected services (their version numbers and ids, hashed as a fingerprint).
`for_apply` re-reads both sides and refuses (ValidationFailed, PLAN_MOVED, exit 2) naming each
thing that moved; otherwise it prepares exactly that plan: an export of those version ids.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import ValidationError

from spark_tui.backends.base import Backend
from spark_tui.promotion.plan import TargetCatalog
from spark_tui.promotion.prepare import Prepared, planned, resolve
from spark_tui.atomic_file import atomic_write
from spark_tui.promotion.run import request_record
from spark_tui.spark.errors import Code, ValidationFailed
from spark_tui.spark.export_wire import ApiError, ExportInputs, ExportRequest
from spark_tui.spark.values import FileFilter, iso, utc_now
from spark_tui.spark.promotion_wire import Plan, SavedPlan, TargetServiceState


def target_state(target: Backend, plan: Plan) -> list[TargetServiceState]:
    """Each destination service of `plan` as the target holds it now (absent, or its versions)."""
    catalog = TargetCatalog(target)
    states = []
    for s in sorted(plan.services, key=lambda s: s.service_uri_destination):
        folder = catalog.folder(s.folder_destination)
        service = catalog.service(s.folder_destination, s.service_destination) if folder and folder.accessible else None
        versions = sorted(f"{v.version} {v.id}" for v in catalog.versions(s.folder_destination, s.service_destination)) \
            if service else []
        states.append(TargetServiceState(service_uri_destination=s.service_uri_destination, exists=service is not None,
                                         versions=versions))
    return states


def fingerprint(states: list[TargetServiceState]) -> str:
    text = json.dumps([s.model_dump(mode="json") for s in states], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def save(prepared: Prepared, target: Backend, path: Path, argv: list[str] | None = None) -> SavedPlan:
    """Write the plan of `prepared` to `path` (atomically) with the target's affected services pinned."""
    states = target_state(target, prepared.plan)
    saved = SavedPlan(created=iso(utc_now()), request=request_record(prepared, argv), plan=prepared.plan,
                      target_services=states, target_fingerprint=fingerprint(states))
    atomic_write(Path(path), saved.model_dump_json(indent=2) + "\n")
    return saved


def load(path: Path) -> SavedPlan:
    """The saved plan at `path`; ValidationFailed (BAD_PLAN_FILE) naming the file and what is wrong."""
    path = Path(path)
    try:
        return SavedPlan.model_validate_json(path.read_bytes())
    except OSError as exc:
        why = f"cannot be read ({exc.strerror or exc})"
    except ValidationError as exc:
        first = exc.errors()[0]
        why = f"is not a saved plan ({'.'.join(str(p) for p in first.get('loc', ())) or 'file'}: {first.get('msg')})"
    raise ValidationFailed.of([ApiError(code=Code.BAD_PLAN_FILE.value, ref=str(path), message=(
        f"plan file {path} {why}; write one with --plan --save-plan FILE"))])


def moved(saved: SavedPlan, source: Backend, target: Backend) -> list[ApiError]:
    """Everything that changed on either side since the plan was saved (empty: apply it as it is)."""
    problems: list[ApiError] = []
    asked = ExportRequest(inputs=saved.request.selection, version_filter=saved.request.version_filter)
    now = {v.service_uri_source: v.version_id_source for v in source.preview(asked).service_versions}
    then = {v.service_uri_source: v.version_id_source for v in saved.request.resolved}
    for uri in sorted(set(now) | set(then)):
        if uri not in then:
            what = f"source: {uri} (id {now[uri]}) is new since the plan"
        elif uri not in now:
            what = f"source: {uri} (id {then[uri]}) is no longer in the selection"
        elif now[uri] != then[uri]:
            what = f"source: {uri} is now id {now[uri]}, the plan has {then[uri]}"
        else:
            continue
        problems.append(ApiError(code=Code.PLAN_MOVED.value, ref=uri, message=what))
    current = {s.service_uri_destination: s for s in target_state(target, saved.plan)}
    for old in saved.target_services:
        new = current.get(old.service_uri_destination)
        if new is None or new == old:
            continue
        if old.exists != new.exists:
            what = "now exists" if new.exists else "no longer exists"
        else:
            added, gone = sorted(set(new.versions) - set(old.versions)), sorted(set(old.versions) - set(new.versions))
            parts = [f"new version(s) {', '.join(added)}"] if added else []
            parts += [f"version(s) {', '.join(gone)} gone"] if gone else []
            what = "; ".join(parts)
        problems.append(ApiError(code=Code.PLAN_MOVED.value, ref=old.service_uri_destination, message=(
            f"target: {old.service_uri_destination} changed since the plan: {what}")))
    return problems


def for_apply(saved: SavedPlan, source: Backend, target: Backend, file_name: str | None = None) -> Prepared:
    """Exactly the saved plan, ready to run; ValidationFailed (exit 2) naming each thing that moved."""
    if problems := moved(saved, source, target):
        raise ValidationFailed.of(problems + [ApiError(code=Code.PLAN_MOVED.value, message=(
            f"{len(problems)} thing(s) moved since the plan was saved ({saved.created}); nothing was exported "
            "or written: plan again and have the new plan approved"))])
    r = saved.request
    exact = ExportRequest(
        inputs=ExportInputs(version_ids=[v.version_id_source for v in r.resolved]), file_filter=FileFilter.migrate,
        source_system=r.source_system, correlation_id=r.correlation_id, file_name=file_name,
    )
    prepared = planned(source, target, exact, resolve(source, exact), r.mappings, r.if_present, r.upgrade, r.create_folders)
    prepared.given = ExportRequest(inputs=r.selection, version_filter=r.version_filter)
    return prepared
