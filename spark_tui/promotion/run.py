"""Running a prepared promotion: backup → export → verified download → verify → folders → import → receipt.

    prepared = prepare(source, target, selection, maps, if_present=..., upgrade=..., create_folders=...)
    outcome = run(source, target, prepared, out_dir, on_update=..., cancel=...)

`promote()` does both and refuses (PlanRefused, exit 2) before exporting when the plan does.
Any failure raises PromotionFailed naming the step; up to the import nothing is written to the
target but the folders asked for, and the import itself is all or nothing. Once a package exists,
a receipt is written beside it — also for a failure, saying which step failed.

The import's upload runs beside the download (transfer.py): a remote target receives the package's
bytes as they arrive but its last ones only once the SHA-256 and the plan check passed, so a failed
or corrupt download never completes an upload. A backup is therefore taken before the export, and
folders are created while the upload waits for its tail (the target's import starts only then).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from spark_tui import __version__
from spark_tui.backends.base import Backend, redact
from spark_tui.backends.polling import DEFAULT_DEADLINE_S, wait_for_import, wait_for_job
from spark_tui.backends.verified_file import download_replacing
from spark_tui.spark.package_format import PackageKind, open_package
from spark_tui.promotion import receipt as receipts
from spark_tui.promotion.backup import backup_path, take_backup
from spark_tui.promotion.mappings import Mapping
from spark_tui.promotion.plan import endpoint
from spark_tui.promotion.prepare import Prepared, prepare
from spark_tui.promotion.receipt import Recorder, RunState
from spark_tui.promotion.transfer import Upload
from spark_tui.promotion.steps import Listener, Outcome, PlanRefused, PromotionFailed, Step, StepUpdate, guard, quiet
from spark_tui.spark.errors import BadPackage, Code, ValidationFailed
from spark_tui.spark.exit_codes import ExitCode, exit_code_for
from spark_tui.spark.export_wire import ApiError, ExportJob, ExportRequest
from spark_tui.spark.values import IfPresent, JobStatus, VersionBump, iso, utc_now
from spark_tui.spark.filenames import free_name, package_file_name
from spark_tui.spark.import_wire import ImportInputs, ImportJob, ImportRequestEntity
from spark_tui.spark.promotion_wire import Endpoint, PackageRecord, Plan, PromotionRequest, ResolvedVersion

SOURCE_SYSTEM = "spark-tui promote"


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


def default_file_name(source: Backend, target: str) -> str:
    """`promote-SOURCE-to-TARGET-STAMP.zip`, named by profiles (two profiles often share a tenant name, as
    `demo`); `target` is the target profile's name (or "runner")."""
    stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
    return package_file_name(f"promote-{name_part(source.info.profile or source.info.tenant)}-to-{name_part(target)}-{stamp}")


def name_part(name: str) -> str:
    """A profile name as part of a file name: runs of characters other than letters, digits, `_` and `-` become `-`."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "profile"


def run(
    source: Backend,
    target: Backend,
    prepared: Prepared,
    out_dir: Path,
    *,
    on_update: Listener | None = None,
    cancel: threading.Event | None = None,
    deadline_s: float = DEFAULT_DEADLINE_S,
    argv: list[str] | None = None,
    saved_plan: str | None = None,
    backup: bool = True,
    if_exists: str = "fail",
) -> Outcome:
    """Export, download and verify, create folders (when planned), import, write the receipt.

    The receipt is written before the export starts and replaced after each step (see receipt.Recorder).
    `argv` (the command line) and `saved_plan` (the plan file applied) are recorded in it. Before an
    import that replaces services, their current versions are exported from the target beside the
    package as `NAME.before.zip` and recorded (`backup=False` skips it). `if_exists`: an existing
    package, receipt or backup of the same name fails the run ("fail"), is replaced ("overwrite"; the
    package once the new one is verified), or all take the next free name ("suffix").
    """
    plan = prepared.plan
    if not plan.go:
        raise PlanRefused(plan)
    notify = on_update or quiet
    cancel = cancel or threading.Event()
    request = prepared.request
    if not request.file_name:
        request = request.model_copy(update={"file_name": default_file_name(source, target.info.profile or target.info.tenant)})
    out_dir = Path(out_dir).absolute()  # the receipt's paths stay right wherever --receipt or --undo runs
    with guard(Step.export, cancel):
        package = free_package_path(out_dir, request, if_exists)
        if package.name != package_file_name(request.file_name):
            notify(StepUpdate(Step.export, f"{out_dir / package_file_name(request.file_name)} exists; the package is saved as {package}"))
        request = request.model_copy(update={"file_name": package.name})
    with guard(Step.resolve, cancel):
        state = RunState(identified(source), identified(target), iso(utc_now()), plan.services_existing)
    state.plan = plan
    state.request = request_record(prepared, argv, saved_plan)
    recorder = Recorder(package, state)
    entity = ImportRequestEntity(
        inputs=ImportInputs(services_modify=prepared.mappings), services_existing=plan.services_existing,
        source_system=request.source_system or SOURCE_SYSTEM, correlation_id=request.correlation_id,
    )
    try:
        if backup:  # first: once the transfer below starts, the target's upload runs beside the download
            state.backup = take_backup(target, plan, package, recorder, notify, cancel, deadline_s)
        recorder.step(Step.export)
        with Upload(target, entity) as upload:
            package = export_and_download(source, request, out_dir, state, notify, cancel, deadline_s, recorder,
                                          if_exists, upload)
            recorder.step(Step.verify)
            _verify(package, plan, state, notify)
            with guard(Step.import_, cancel):
                if upload.failure is not None:  # refused before the package was complete: nothing changed
                    raise upload.failure
            for name in plan.folders_to_create:  # the target has no complete package yet: its import waits
                recorder.step(Step.folders)
                with guard(Step.folders, cancel):
                    notify(StepUpdate(Step.folders, f"creating folder '{name}' in tenant '{target.info.tenant}'"))
                    if not target.folder_exists(name):
                        target.create_folder(name)
                        state.created_folders.append(name)
            import_package(target, package, entity, state, notify, cancel, deadline_s, recorder, upload)
    except PromotionFailed as exc:
        exc.created_folders = state.created_folders
        exc.receipt_path = recorder.fail(exc)
        raise
    state.deviations = receipts.compare(plan, state.import_job)
    state.step = Step.receipt
    receipt, path = recorder.finish()
    notify(StepUpdate(Step.receipt, f"receipt {path}"))
    return Outcome(receipt, path, package, plan)


def identified(backend: Backend) -> Endpoint:
    """The endpoint of `backend` with the identity its `whoami()` reports, and who reported it."""
    caller = backend.whoami()
    return endpoint(backend.info).model_copy(update={"user": caller.user, "user_source": caller.source})


def request_record(prepared: Prepared, argv: list[str] | None, saved_plan: str | None = None) -> PromotionRequest:
    """The request as given (selection, options, command line without secrets) and as resolved (version ids)."""
    asked = prepared.given or prepared.request
    return PromotionRequest(
        selection=asked.inputs, version_filter=asked.version_filter,
        resolved=[ResolvedVersion(service_uri_source=v.service_uri_source, version_id_source=v.version_id_source)
                  for v in prepared.plan.versions],
        mappings=prepared.mappings, if_present=prepared.plan.services_existing, upgrade=prepared.upgrade,
        create_folders=prepared.create_folders, source_system=prepared.request.source_system, correlation_id=prepared.request.correlation_id,
        argv=without_secrets(argv) if argv is not None else None, tool=f"spark-tui {__version__}", saved_plan=saved_plan,
    )


SECRET_WORDS = ("token", "secret", "password", "key")


def without_secrets(argv: list[str]) -> list[str]:
    """`argv` fit for a record: URLs without query or user info, values of secret-named flags masked."""
    result: list[str] = []
    mask_next = False
    for arg in argv:
        flag, eq, value = arg.partition("=")
        secret_flag = arg.startswith("--") and any(w in flag.lower() for w in SECRET_WORDS)
        if mask_next:
            result.append("***")
        elif secret_flag and eq:
            result.append(f"{flag}=***")
        elif "://" in arg:
            result.append(redact(arg))
        else:
            result.append(arg)
        mask_next = secret_flag and not eq
    return result


def _namesakes(package: Path) -> tuple[Path, Path, Path]:
    return package, receipts.receipt_path(package), backup_path(package)


def free_package_path(out_dir: Path, request: ExportRequest, if_exists: str = "fail") -> Path:
    """Where the package will be saved. An existing package, receipt or backup of that name is refused
    ("fail"), left to be replaced ("overwrite"), or avoided with the next free name ("suffix")."""
    name = package_file_name(request.file_name)
    if not out_dir.is_dir():
        raise ValidationFailed.of([ApiError(code=Code.OUTPUT_DIR_NOT_FOUND.value, ref=str(out_dir), message=(
            f"output directory {out_dir} does not exist"))])
    taken = [p for p in _namesakes(out_dir / name) if p.exists()]
    if taken and if_exists == "suffix":
        name = free_name(out_dir, name, lambda package: any(p.exists() for p in _namesakes(package)))
    elif taken and if_exists != "overwrite":
        raise ValidationFailed.of([ApiError(code=Code.FILE_EXISTS.value, ref=str(taken[0]), message=(
            f"{taken[0]} already exists"))])
    return out_dir / name


def export_and_download(
    source: Backend, request: ExportRequest, out_dir: Path, state: RunState, notify: Listener,
    cancel: threading.Event, deadline_s: float, recorder: Recorder, if_exists: str = "fail", upload: Upload | None = None,
) -> Path:
    """Run the export to its end and keep a verified copy of the package in `out_dir` (replacing one
    of the same name only with `if_exists="overwrite"`, once the new one is verified); `upload`
    follows the download's bytes to the target."""
    with guard(Step.export, cancel):
        job = source.submit(request)
        state.export_job = job
        recorder.save()
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
            raise PromotionFailed(Step.export, f"cancelled; export job {job.id} is '{job.status.value}'", ExitCode.INTERRUPTED, cancelled=True)
        if job.status is not JobStatus.closed:
            errors = job.errors or []
            detail = errors[0].message if errors else f"the job ended '{job.status.value}'"
            raise PromotionFailed(Step.export, f"export job {job.id} ended '{job.status.value}': {detail}", exit_code_for(job), errors)
    recorder.step(Step.download)
    with guard(Step.download, cancel):
        what = "downloading the package" + (" and uploading it to the target as it arrives" if upload is not None else "")

        def moved(done: int, total: int) -> None:
            notify(StepUpdate(Step.download, what, done=done, total=total))

        tee = upload.stream if upload is not None else None
        try:
            if if_exists == "overwrite":
                downloads = download_replacing(source, job, out_dir, progress=moved, cancel=cancel, tee=tee)
            else:
                downloads = source.download(job, out_dir, progress=moved, cancel=cancel, tee=tee)
        except BadPackage as exc:  # the SHA-256 did not match: a transfer error, as for an export (exit 3)
            raise PromotionFailed(Step.download, exc.message, ExitCode.BACKEND, exc.errors) from None
        if len(downloads) != 1 or not downloads[0].verified:
            for d in downloads:
                Path(d.path).unlink(missing_ok=True)
            raise PromotionFailed(Step.download, f"export job {job.id} did not give exactly one verified package", ExitCode.BACKEND,
                                  code=Code.DOWNLOAD_FAILED)
        state.package = PackageRecord(**downloads[0].model_dump())
        recorder.save()
        notify(StepUpdate(Step.download, f"package {downloads[0].path} verified (sha256 {downloads[0].sha256})"))
    return Path(downloads[0].path)


def _verify(package: Path, plan: Plan, state: RunState, notify: Listener) -> None:
    """The package holds exactly the planned versions (the source may have changed since the plan)."""
    with guard(Step.verify, threading.Event()):
        with open_package(package) as pkg:
            held = {v.version_id for v in pkg.versions}
            kind = pkg.kind
        planned = {v.version_id_source for v in plan.versions}
        if kind is not PackageKind.migrate:
            raise PromotionFailed(Step.verify, f"package {package} is not a migrate export", ExitCode.USAGE, code=Code.BAD_PACKAGE)
        if held != planned:
            extra, missing = sorted(held - planned), sorted(planned - held)
            raise PromotionFailed(Step.verify, (
                f"the package differs from the plan (the source changed since): extra version ids {extra or 'none'}, "
                f"missing {missing or 'none'}; plan again"), ExitCode.USAGE, code=Code.BAD_PACKAGE)
        notify(StepUpdate(Step.verify, f"package holds the {len(held)} planned version(s)"))


def import_package(
    target: Backend, package: Path, entity: ImportRequestEntity, state: RunState, notify: Listener,
    cancel: threading.Event, deadline_s: float, recorder: Recorder, upload: Upload | None = None,
) -> None:
    """Upload the verified `package` (or release the tail of the `upload` already under way) and wait for the import."""
    state.import_sent = True  # from here on the target may change: the receipt says so before it can
    recorder.step(Step.import_)
    with guard(Step.import_, cancel):
        def sent(done: int, total: int) -> None:
            notify(StepUpdate(Step.import_, "uploading the package", done=done, total=total))

        def seen(update: ImportJob) -> None:
            state.import_job = update
            notify(StepUpdate(Step.import_, f"import job {update.id}: {update.status.value}", import_job=update))

        if upload is not None:
            job = upload.finish(package)
            size = package.stat().st_size
            sent(size, size)
        else:
            job = target.submit_import(package, entity, progress=sent)
        state.import_job = job
        recorder.save()
        seen(job)
        job = wait_for_import(target, job, on_update=seen, cancel=cancel, deadline_s=deadline_s)
        state.import_job = job
        if cancel.is_set() and not job.status.is_terminal:
            raise PromotionFailed(Step.import_, (
                f"stopped waiting; import job {job.id} is '{job.status.value}' and goes on in the target "
                f"(Spark cannot cancel an import; check it with --import-status {job.id})"), ExitCode.INTERRUPTED, cancelled=True)
        if job.status is not JobStatus.closed:
            errors = job.errors or []
            detail = "; ".join(e.message for e in errors) or f"the job ended '{job.status.value}'"
            raise PromotionFailed(Step.import_, f"import job {job.id} ended '{job.status.value}': {detail}", ExitCode.JOB_FAILED, errors)
