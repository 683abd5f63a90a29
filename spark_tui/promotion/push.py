"""Promotion to a Hybrid Runner: an `onpremises` export (or a package made earlier) uploaded as it is, with a receipt."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from spark_tui.backends.base import Backend, redact
from spark_tui.backends.polling import DEFAULT_DEADLINE_S
from spark_tui.spark.package_format import open_package
from spark_tui.promotion.hybrid_runner import Runner, push, upload_url
from spark_tui.promotion.prepare import package_endpoint
from spark_tui.promotion.receipt import Recorder, RunState
from spark_tui.promotion.run import default_file_name, export_and_download, free_package_path, identified
from spark_tui.promotion.steps import Listener, Outcome, PromotionFailed, Step, StepUpdate, guard, quiet
from spark_tui.spark.filenames import package_file_name
from spark_tui.spark.export_wire import ExportRequest
from spark_tui.spark.values import FileFilter, iso, utc_now
from spark_tui.spark.promotion_wire import Endpoint, PackageRecord


def runner_endpoint(runner: Runner, tenant: str) -> Endpoint:
    return Endpoint(profile=runner.profile, kind="runner", location=redact(runner.url.rstrip("/")), tenant=tenant)


def export_and_push(
    source: Backend,
    selection: ExportRequest,
    runner: Runner,
    out_dir: Path,
    *,
    on_update: Listener | None = None,
    cancel: threading.Event | None = None,
    deadline_s: float = DEFAULT_DEADLINE_S,
    if_exists: str = "fail",
) -> Outcome:
    """Export `onpremises` from `source`, download and verify, upload to the Hybrid Runner, receipt
    (`if_exists` as for `run.run`)."""
    upload_url(runner.url)  # a bad URL is refused before anything runs
    notify = on_update or quiet
    cancel = cancel or threading.Event()
    request = selection.model_copy(update={
        "file_filter": FileFilter.onpremises,
        "file_name": selection.file_name or default_file_name(source, "runner"),
    })
    with guard(Step.resolve, cancel):
        out_dir = Path(out_dir).absolute()
        path = free_package_path(out_dir, request, if_exists)
        if path.name != package_file_name(request.file_name):
            notify(StepUpdate(Step.export, f"{out_dir / package_file_name(request.file_name)} exists; the package is saved as {path}"))
        request = request.model_copy(update={"file_name": path.name})
        state = RunState(identified(source), runner_endpoint(runner, source.info.tenant), iso(utc_now()))
    recorder = Recorder(path, state)
    try:
        recorder.step(Step.export)
        package = export_and_download(source, request, out_dir, state, notify, cancel, deadline_s, recorder, if_exists)
    except PromotionFailed as exc:
        exc.receipt_path = recorder.fail(exc)
        raise
    return _push(package, recorder, runner, notify, cancel)


def push_package(path: Path, runner: Runner, *, on_update: Listener | None = None) -> Outcome:
    """Upload a package made earlier to the Hybrid Runner; the receipt goes beside it."""
    upload_url(runner.url)
    path = Path(path)
    with open_package(path) as pkg:
        source = package_endpoint(path, pkg)
    state = RunState(source, runner_endpoint(runner, source.tenant), iso(utc_now()))
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    state.package = PackageRecord(path=str(path), bytes=path.stat().st_size, sha256=digest.hexdigest(), verified=False)
    return _push(path, Recorder(path, state), runner, on_update or quiet, threading.Event())


def _push(package: Path, recorder: Recorder, runner: Runner, notify: Listener, cancel: threading.Event) -> Outcome:
    state = recorder.state
    try:
        recorder.step(Step.runner)
        with guard(Step.runner, cancel):
            notify(StepUpdate(Step.runner, f"uploading {package.name} to the Hybrid Runner at {redact(runner.url)}"))
            state.runner = push(package, runner)
            if state.runner.tenant:
                state.target = state.target.model_copy(update={"tenant": state.runner.tenant})
    except PromotionFailed as exc:
        exc.receipt_path = recorder.fail(exc)
        raise
    state.step = Step.receipt
    receipt, path = recorder.finish()
    notify(StepUpdate(Step.receipt, f"receipt {path}"))
    return Outcome(receipt, path, package)
