"""Promotion across two backends: resolve → plan → export → verified download → folders → import → receipt.

Two calls, so a face can show the plan before anything runs:

    prepared = prepare(source, target, selection, maps, if_present=..., upgrade=..., create_folders=...)
    result = run(source, target, prepared, out_dir, on_update=..., cancel=...)

`promote()` does both and refuses (PlanRefused, exit 2) before exporting when the plan does.
Any failure raises PromotionFailed naming the step; up to the import nothing is written to the
target but the folders asked for, and the import itself is all or nothing. Once a package exists,
a receipt is written beside it — also for a failure, saying which step failed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Callable

from spark_tui.backends.base import Backend, redact
from spark_tui.backends.prerelease import prerelease_notices
from spark_tui.backends.polling import DEFAULT_DEADLINE_S, wait_for_import, wait_for_job
from spark_tui.backends.verified_file import download_replacing
from spark_tui.batch.exit_codes import for_job
from spark_tui.engine.package_reader import PackageContents, PackageKind, open_package
from spark_tui.promotion.mappings import Mapping, service_mappings
from spark_tui.promotion.plan import compare, endpoint, make_plan, version_sizes
from spark_tui.promotion.hybrid_runner import Runner, push, upload_url
from spark_tui.spark.errors import BadPackage, Code, SparkTuiError, ValidationFailed
from spark_tui.spark.filenames import free_name, package_file_name
from spark_tui.spark.import_wire import ImportInputs, ImportJob, ImportRequestEntity, ServiceMapping
from spark_tui.spark.export_wire import (
    ApiError,
    ExportJob,
    ExportPreview,
    ExportRequest,
    FileFilter,
    IfPresent,
    JobStatus,
    ServiceVersionOutput,
    VersionBump,
    iso,
    utc_now,
)
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

SOURCE_SYSTEM = "spark-tui promote"


class Step(str, Enum):
    resolve = "resolve"
    export = "export"
    download = "download"
    verify = "verify"
    folders = "folders"
    import_ = "import"
    runner = "runner"
    receipt = "receipt"


@dataclass
class StepUpdate:
    """A progress event for a face: the step, a one-line message, and the job or bytes it concerns."""

    step: Step
    message: str
    export_job: ExportJob | None = None
    import_job: ImportJob | None = None
    done: int = 0
    total: int = 0


Listener = Callable[[StepUpdate], None]


class PlanRefused(SparkTuiError):
    """The plan found conflicts: nothing was exported or written (exit 2)."""

    exit_code = 2
    http_status = 409

    def __init__(self, plan: Plan) -> None:
        n = len(plan.errors)
        super().__init__(f"the plan refuses the promotion ({n} problem(s)); nothing was exported or written", plan.errors)
        self.plan = plan


class PromotionFailed(SparkTuiError):
    """A step failed or was cancelled; the message names the step (exit code of the cause)."""

    def __init__(self, step: Step, message: str, exit_code: int, errors: list[ApiError] | None = None,
                 cancelled: bool = False, code: Code | None = None) -> None:
        super().__init__(f"promotion stopped at step '{step.value}': {message}", errors,
                         code=Code.CANCELLED if cancelled else code)
        self.step, self.exit_code, self.cancelled = step, exit_code, cancelled
        self.receipt_path: Path | None = None  # set once a package exists
        self.created_folders: list[str] = []  # folders created in the target before the failure

    @property
    def target_may_change(self) -> bool:
        """Only an import that was stopped waiting for (Spark cannot cancel one) may still change the target."""
        return self.step is Step.import_ and self.cancelled


@dataclass
class Prepared:
    """A resolved selection, its mappings and the plan: everything `run` needs, nothing written yet."""

    request: ExportRequest
    preview: ExportPreview
    mappings: list[ServiceMapping]
    plan: Plan


@dataclass
class Outcome:
    receipt: Receipt
    receipt_path: Path
    package: Path
    plan: Plan | None = None


@dataclass
class _Run:
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


# --- preparing -------------------------------------------------------------------------------------


def prepare(
    source: Backend,
    target: Backend,
    selection: ExportRequest,
    maps: list[Mapping],
    *,
    if_present: IfPresent = IfPresent.abort,
    upgrade: VersionBump = VersionBump.minor,
    create_folders: bool = False,
) -> Prepared:
    """Resolve the selection on `source` (a `migrate` export) and plan its import into `target`.

    Raises PromotionFailed at step `resolve` when the selection does not resolve (every error) and
    ValidationFailed for bad mappings. Reads only.
    """
    if selection.file_filter is not FileFilter.migrate:
        raise ValidationFailed.of([ApiError(code=Code.INVALID_VALUE.value, ref=selection.file_filter.value, message=(
            "a promotion imports the package, and Spark imports only file_filter=migrate packages; "
            "drop --file-filter onpremises (use --push-runner for a Hybrid Runner)"))])
    preview = source.preview(selection)
    if preview.errors:
        raise PromotionFailed(Step.resolve, preview.errors[0].message, 2, preview.errors)
    services = [(s.folder_source, s.service_source) for s in preview.services]
    mappings = service_mappings(maps, services, upgrade)
    sizes = version_sizes(((f.path, f.size) for f in preview.files), preview.service_versions)
    plan = make_plan(target, endpoint(source.info), preview.service_versions, mappings, if_present,
                     create_folders=create_folders, sizes=sizes)
    plan.notices = prerelease_notices(source, selection, preview.service_versions)
    return Prepared(selection, preview, mappings, plan)


def package_versions(pkg: PackageContents) -> tuple[list[ServiceVersionOutput], dict[str, int]]:
    """A package's versions in the export vocabulary, and bytes per version id."""
    versions = [
        ServiceVersionOutput(
            service_uri_source=service_uri(v.folder, v.service, v.version), folder_source=v.folder,
            service_source=v.service, version_source=v.version, service_id_source=v.service_id,
            version_id_source=v.version_id,
        )
        for v in pkg.versions
    ]
    return versions, {v.version_id: v.size for v in pkg.versions}


def package_endpoint(path: Path, pkg: PackageContents) -> Endpoint:
    return Endpoint(profile="package", kind="package", location=str(Path(path).resolve()), tenant=pkg.tenant)


def plan_package(path: Path, target: Backend, request: ImportRequestEntity) -> Plan:
    """The plan of sending `request` with the package at `path` to `target`'s import (nothing is sent).

    The import's own request checks apply (URIs, repeated sources or destinations); a mapping whose
    source is not in the package and an `onpremises` package are refusals, as the import's.
    """
    from spark_tui.engine.importer import check_import_request

    with open_package(path) as pkg:
        versions, sizes = package_versions(pkg)
        held = set(pkg.services)
        mappings = [m for m in request.inputs.services_modify if m.service_uri_source in held]
        named = {m.service_uri_source for m in mappings}
        plan = make_plan(
            target, package_endpoint(path, pkg), [v for v in versions if service_uri(v.folder_source, v.service_source) in named],
            mappings, request.services_existing, sizes=sizes,
        )
        errors = check_import_request(request)
        errors += [
            ApiError(code=Code.SERVICE_NOT_IN_PACKAGE.value, ref=m.service_uri_source, message=(
                f"service '{m.service_uri_source}' is not in package '{pkg.name}' (it holds {', '.join(sorted(held))})"))
            for m in request.inputs.services_modify if m.service_uri_source not in held
        ]
        if pkg.kind is PackageKind.onpremises:
            errors.append(ApiError(code=Code.NOT_A_MIGRATE_PACKAGE.value, ref=pkg.name, message=(
                f"package '{pkg.name}' is an onpremises export (Hybrid Runner files only); Spark imports only "
                "packages exported with file_filter=migrate")))
        plan.errors = errors + plan.errors
    return plan


# --- running ---------------------------------------------------------------------------------------


def promote(
    source: Backend,
    target: Backend,
    selection: ExportRequest,
    maps: list[Mapping],
    out_dir: Path,
    *,
    if_present: IfPresent = IfPresent.abort,
    upgrade: VersionBump = VersionBump.minor,
    create_folders: bool = False,
    on_update: Listener | None = None,
    cancel: threading.Event | None = None,
    deadline_s: float = DEFAULT_DEADLINE_S,
) -> Outcome:
    """prepare() then run(): the whole promotion, refused before exporting when the plan refuses."""
    prepared = prepare(source, target, selection, maps, if_present=if_present, upgrade=upgrade, create_folders=create_folders)
    return run(source, target, prepared, out_dir, on_update=on_update, cancel=cancel, deadline_s=deadline_s)


def default_file_name(source: Backend, target_tenant: str) -> str:
    stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
    return package_file_name(f"promote-{source.info.tenant}-to-{target_tenant}-{stamp}")


def run(
    source: Backend,
    target: Backend,
    prepared: Prepared,
    out_dir: Path,
    *,
    on_update: Listener | None = None,
    cancel: threading.Event | None = None,
    deadline_s: float = DEFAULT_DEADLINE_S,
    if_exists: str = "fail",
) -> Outcome:
    """Export, download and verify, create folders (when planned), import, write the receipt.

    `if_exists`: an existing package or receipt of the same name fails the run ("fail"), is replaced
    ("overwrite"; the package once the new one is verified), or both take the next free name ("suffix")."""
    plan = prepared.plan
    if not plan.go:
        raise PlanRefused(plan)
    notify = on_update or (lambda update: None)
    cancel = cancel or threading.Event()
    state = _Run(endpoint(source.info), plan.target, iso(utc_now()), plan.services_existing)
    request = prepared.request
    if not request.file_name:
        request = request.model_copy(update={"file_name": default_file_name(source, target.info.tenant)})
    package = _export_and_download(source, request, Path(out_dir), state, notify, cancel, deadline_s, if_exists)
    try:
        _verify(package, plan, state, notify)
        for name in plan.folders_to_create:
            with _step(Step.folders, cancel):
                notify(StepUpdate(Step.folders, f"creating folder '{name}' in tenant '{target.info.tenant}'"))
                if not target.folder_exists(name):
                    target.create_folder(name)
                    state.created_folders.append(name)
        entity = ImportRequestEntity(
            inputs=ImportInputs(services_modify=prepared.mappings), services_existing=plan.services_existing,
            source_system=request.source_system or SOURCE_SYSTEM, correlation_id=request.correlation_id,
        )
        _import(target, package, entity, state, notify, cancel, deadline_s)
    except PromotionFailed as exc:
        exc.created_folders = state.created_folders
        exc.receipt_path = _write_receipt(package, _receipt(state, exc))
        raise
    state.deviations = compare(plan, state.import_job)
    receipt = _receipt(state)
    path = _write_receipt(package, receipt)
    notify(StepUpdate(Step.receipt, f"receipt {path}"))
    return Outcome(receipt, path, package, plan)


class _step:
    """Turn any expected failure inside into PromotionFailed naming `step` (cancel → cancelled)."""

    def __init__(self, step: Step, cancel: threading.Event) -> None:
        self.step, self.cancel = step, cancel

    def __enter__(self) -> None:
        if self.cancel.is_set():
            raise PromotionFailed(self.step, "cancelled before it started", 130, cancelled=True)

    def __exit__(self, kind: type | None, exc: BaseException | None, tb: object) -> bool:
        if exc is None or isinstance(exc, PromotionFailed):
            return False
        if self.cancel.is_set() and isinstance(exc, (InterruptedError, SparkTuiError, OSError)):
            raise PromotionFailed(self.step, "cancelled", 130, cancelled=True) from None
        if isinstance(exc, SparkTuiError):
            raise PromotionFailed(self.step, exc.message, exc.exit_code, exc.errors) from None
        if isinstance(exc, OSError):
            raise PromotionFailed(self.step, f"{exc.strerror or exc}", 3, code=Code.WRITE_FAILED) from None
        return False


def _export_and_download(
    source: Backend, request: ExportRequest, out_dir: Path, state: _Run, notify: Listener,
    cancel: threading.Event, deadline_s: float, if_exists: str,
) -> Path:
    """Run the export to its end and keep a verified copy of the package in `out_dir`."""
    with _step(Step.export, cancel):
        name = package_file_name(request.file_name)
        if not out_dir.is_dir():
            raise ValidationFailed.of([ApiError(code=Code.OUTPUT_DIR_NOT_FOUND.value, ref=str(out_dir), message=(
                f"output directory {out_dir} does not exist; create it or choose another -o"))])
        taken = [p for p in (out_dir / name, receipt_path(out_dir / name)) if p.exists()]
        if taken and if_exists == "suffix":
            name = free_name(out_dir, name, lambda package: receipt_path(package).exists())
            request = request.model_copy(update={"file_name": name})
            notify(StepUpdate(Step.export, f"{taken[0]} exists; the package is saved as {out_dir / name}"))
        elif taken and if_exists != "overwrite":
            raise ValidationFailed.of([ApiError(code=Code.FILE_EXISTS.value, ref=str(taken[0]), message=(
                f"{taken[0]} already exists; remove it, or choose another --file-name or -o"))])
        job = source.submit(request)
        state.export_job = job
        notify(StepUpdate(Step.export, f"export job {job.id}: {job.status.value}", export_job=job))

        def seen(update: ExportJob) -> None:
            state.export_job = update
            p = update.progress
            notify(StepUpdate(Step.export, f"export job {update.id}: {update.status.value}", export_job=update,
                              done=p.bytes_done if p else 0, total=p.bytes_total if p else 0))

        if not job.status.is_terminal:
            job = wait_for_job(source, job.id, deadline_s=deadline_s, on_update=seen, cancel=cancel)
            state.export_job = job
        if cancel.is_set():
            raise PromotionFailed(Step.export, f"cancelled; export job {job.id} is '{job.status.value}'", 130, cancelled=True)
        if job.status is not JobStatus.closed:
            errors = job.errors or []
            detail = errors[0].message if errors else f"the job ended '{job.status.value}'"
            raise PromotionFailed(Step.export, f"export job {job.id} ended '{job.status.value}': {detail}", for_job(job), errors)
    with _step(Step.download, cancel):
        def moved(done: int, total: int) -> None:
            notify(StepUpdate(Step.download, "downloading the package", done=done, total=total))

        try:
            if if_exists == "overwrite":
                downloads = download_replacing(source, job, out_dir, progress=moved, cancel=cancel)
            else:
                downloads = source.download(job, out_dir, progress=moved, cancel=cancel)
        except BadPackage as exc:  # the SHA-256 did not match: a transfer error, as for an export (exit 3)
            raise PromotionFailed(Step.download, exc.message, 3, exc.errors) from None
        if len(downloads) != 1 or not downloads[0].verified:
            for d in downloads:
                Path(d.path).unlink(missing_ok=True)
            raise PromotionFailed(Step.download, f"export job {job.id} did not give exactly one verified package", 3,
                                  code=Code.DOWNLOAD_FAILED)
        state.package = PackageRecord(**downloads[0].model_dump())
        notify(StepUpdate(Step.download, f"package {downloads[0].path} verified (sha256 {downloads[0].sha256})"))
    return Path(downloads[0].path)


def _verify(package: Path, plan: Plan, state: _Run, notify: Listener) -> None:
    """The package holds exactly the planned versions (the source may have changed since the plan)."""
    with _step(Step.verify, threading.Event()):
        with open_package(package) as pkg:
            held = {v.version_id for v in pkg.versions}
            kind = pkg.kind
        planned = {v.version_id_source for v in plan.versions}
        if kind is not PackageKind.migrate:
            raise PromotionFailed(Step.verify, f"package {package} is not a migrate export", 2, code=Code.BAD_PACKAGE)
        if held != planned:
            extra, missing = sorted(held - planned), sorted(planned - held)
            raise PromotionFailed(Step.verify, (
                f"the package differs from the plan (the source changed since): extra version ids {extra or 'none'}, "
                f"missing {missing or 'none'}; plan again"), 2, code=Code.BAD_PACKAGE)
        notify(StepUpdate(Step.verify, f"package holds the {len(held)} planned version(s)"))


def _import(
    target: Backend, package: Path, entity: ImportRequestEntity, state: _Run, notify: Listener,
    cancel: threading.Event, deadline_s: float,
) -> None:
    with _step(Step.import_, cancel):
        def sent(done: int, total: int) -> None:
            notify(StepUpdate(Step.import_, "uploading the package", done=done, total=total))

        def seen(update: ImportJob) -> None:
            state.import_job = update
            notify(StepUpdate(Step.import_, f"import job {update.id}: {update.status.value}", import_job=update))

        job = target.submit_import(package, entity, progress=sent)
        seen(job)
        job = wait_for_import(target, job, on_update=seen, cancel=cancel, deadline_s=deadline_s)
        state.import_job = job
        if cancel.is_set() and not job.status.is_terminal:
            raise PromotionFailed(Step.import_, (
                f"stopped waiting; import job {job.id} is '{job.status.value}' and goes on in the target "
                f"(Spark cannot cancel an import; check it with --import-status {job.id})"), 130, cancelled=True)
        if job.status is not JobStatus.closed:
            errors = job.errors or []
            detail = "; ".join(e.message for e in errors) or f"the job ended '{job.status.value}'"
            raise PromotionFailed(Step.import_, f"import job {job.id} ended '{job.status.value}': {detail}", 1, errors)


# --- Hybrid Runner -----------------------------------------------------------------------------------


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
    (`if_exists` as for `run`)."""
    upload_url(runner.url)  # a bad URL is refused before anything runs
    notify = on_update or (lambda update: None)
    cancel = cancel or threading.Event()
    request = selection.model_copy(update={
        "file_filter": FileFilter.onpremises,
        "file_name": selection.file_name or default_file_name(source, "runner"),
    })
    state = _Run(endpoint(source.info), runner_endpoint(runner, source.info.tenant), iso(utc_now()))
    package = _export_and_download(source, request, Path(out_dir), state, notify, cancel, deadline_s, if_exists)
    return _push(package, runner, state, notify, cancel)


def push_package(path: Path, runner: Runner, *, on_update: Listener | None = None) -> Outcome:
    """Upload a package made earlier to the Hybrid Runner; the receipt goes beside it."""
    upload_url(runner.url)
    path = Path(path)
    with open_package(path) as pkg:
        source = package_endpoint(path, pkg)
    state = _Run(source, runner_endpoint(runner, source.tenant), iso(utc_now()))
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    state.package = PackageRecord(path=str(path), bytes=path.stat().st_size, sha256=digest.hexdigest(), verified=False)
    return _push(path, runner, state, on_update or (lambda update: None), threading.Event())


def _push(package: Path, runner: Runner, state: _Run, notify: Listener, cancel: threading.Event) -> Outcome:
    try:
        with _step(Step.runner, cancel):
            notify(StepUpdate(Step.runner, f"uploading {package.name} to the Hybrid Runner at {redact(runner.url)}"))
            state.runner = push(package, runner)
            if state.runner.tenant:
                state.target = state.target.model_copy(update={"tenant": state.runner.tenant})
    except PromotionFailed as exc:
        exc.receipt_path = _write_receipt(package, _receipt(state, exc))
        raise
    receipt = _receipt(state)
    path = _write_receipt(package, receipt)
    notify(StepUpdate(Step.receipt, f"receipt {path}"))
    return Outcome(receipt, path, package)


# --- receipt ---------------------------------------------------------------------------------------


def _receipt(state: _Run, failure: PromotionFailed | None = None) -> Receipt:
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


def _write_receipt(package: Path, receipt: Receipt) -> Path:
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
