"""A small in-memory Backend with fixed data and fixed jobs: deterministic snapshots of every screen."""

from __future__ import annotations

import threading
from pathlib import Path

from spark_tui.backends.base import BackendInfo, Caller
from spark_tui.backends.verified_file import TargetExists
from spark_tui.spark.filenames import package_file_name
from spark_tui.spark.import_wire import ImportJob, ImportRequestEntity
from spark_tui.spark.errors import Code, JobFinished, JobNotFound, ValidationFailed
from spark_tui.spark.export_wire import (
    ApiError,
    Download,
    ExportJob,
    ExportOutputs,
    ExportPreview,
    ExportRequest,
    JobProgress,
    OutputFile,
    ServiceOutput,
    ServiceVersionOutput,
    TenantConfiguration,
    TenantExportStatus,
    TenantInfo,
    TenantJobCounts,
)
from spark_tui.spark.values import EngineType, FolderInfo, JobStatus, Page, ServiceInfo, VersionInfo

CREATED = "2026-11-27T09:15:00.000Z"


def _uuid(n: int) -> str:
    return f"{n * 2654435761 % 16**8:08x}-0000-4000-8000-{n:012d}"


CATALOG: dict[str, dict[str, list[tuple[str, EngineType, bool]]]] = {
    "Empty": {},
    "Insurance": {
        "claims-triage": [("2.0.0", EngineType.neuron, True), ("1.4.2", EngineType.neuron, True)],
        "legacy-rater": [("1.0.0", EngineType.xconnector, False)],
    },
    "Pricing": {
        "volume-cylinder": [("1.2.0", EngineType.neuron, True), ("1.1.0", EngineType.neuron, True),
                            ("1.0.0", EngineType.neuron, True)],
        "premium-calc": [("3.1.0", EngineType.neuron, True), ("3.0.0", EngineType.neuron, False)],
    },
    "Restricted": {"secret-model": [("1.0.0", EngineType.neuron, True)]},
}
RESTRICTED = {"Restricted": "finance:admins"}


def fixed_job(n: int, status: JobStatus, *, done: int = 0, total: int = 0, user: str = "me@example.com",
              correlation: str | None = None, file_name: str = "package.zip") -> ExportJob:
    closed = status is JobStatus.closed
    return ExportJob(
        id=_uuid(9000 + n), response_timestamp=CREATED, status=status, process_time=1234 * n,
        outputs=ExportOutputs(
            files=[OutputFile(file=f"file:///ws/packages/{n}/{file_name}", file_hash="ab12" * 16)] if closed else [],
            services=[ServiceOutput(service_uri_source="Pricing/volume-cylinder", folder_source="Pricing",
                                    service_source="volume-cylinder", service_id_source=_uuid(101))],
            service_versions=[ServiceVersionOutput(
                service_uri_source="Pricing/volume-cylinder[1.2.0]", folder_source="Pricing",
                service_source="volume-cylinder", version_source="1.2.0", service_id_source=_uuid(101),
                version_id_source=_uuid(201))],
        ),
        errors=[ApiError(code=Code.NO_COMPILED_MODULE.value, message="version 'Insurance/legacy-rater[1.0.0]' has "
                         "no compiled module", ref="Insurance/legacy-rater[1.0.0]")] if status is JobStatus.failed else None,
        correlation_id=correlation,
        progress=JobProgress(bytes_done=done, bytes_total=total, created_by=user, created_timestamp=CREATED,
                             file_name=file_name, package_bytes=total if closed else None),
    )


def import_job(n: int, status: JobStatus) -> ImportJob:
    """An import job as the contract's ImportJob (object="import"), with one imported service and version."""
    return ImportJob.model_validate({
        "id": _uuid(7000 + n), "response_timestamp": "2026-11-27T09:15:30.000Z", "status": status.value,
        "process_time": 800 * n, "correlation_id": f"import-{n}",
        "outputs": {
            "services": [{"service_uri_source": "Pricing/volume-cylinder",
                          "service_uri_destination": "Staging/volume-cylinder", "status": "added"}],
            "service_versions": [{"service_uri_source": "Pricing/volume-cylinder[1.2.0]",
                                  "service_uri_destination": "Staging/volume-cylinder[1.2.0]",
                                  "version_source": "1.2.0", "version_destination": "1.2.0",
                                  "version_id_source": _uuid(201), "version_id_destination": _uuid(301),
                                  "status": "added"}],
        },
    })


class FakeBackend:
    """Implements spark_tui.backends.base.Backend over a copy of CATALOG and fixed lists of jobs (a test
    asserts it is a Backend)."""

    def __init__(self, jobs: list[ExportJob] | None = None, *, page_size: int | None = None) -> None:
        self.info = BackendInfo(profile="demo", kind="embedded", location="/tmp/workspace", tenant="demo",
                                user="me@example.com", groups=("supervisor:pf",))
        self.catalog = {folder: dict(services) for folder, services in CATALOG.items()}
        self.jobs = list(jobs or [])
        self.imports: list[ImportJob] = []
        self.page_size = page_size
        self.submitted: list[ExportRequest] = []
        self.submitted_job_ids: set[str] = set()
        self.slot_busy = False
        self.lock = threading.Lock()

    def list_folders(self, page: int = 1, page_size: int = 100) -> Page:
        size = self.page_size or page_size
        names = sorted(self.catalog)
        items = [FolderInfo(id=_uuid(i), name=n, service_count=len(self.catalog[n]), required_group=RESTRICTED.get(n),
                            accessible=n not in RESTRICTED) for i, n in enumerate(names)]
        return Page(items=items[(page - 1) * size: page * size], page=page, page_size=size, total=len(items))

    def list_services(self, folder: str, page: int = 1, page_size: int = 100) -> Page:
        size = self.page_size or page_size
        items = []
        for i, (name, versions) in enumerate(sorted(self.catalog[folder].items())):
            items.append(ServiceInfo(
                id=_uuid(100 + i), folder=folder, name=name, version_count=len(versions),
                latest_version=versions[0][0], engine_type=versions[0][1],
                exportable=all(e is EngineType.neuron and m for _, e, m in versions)))
        return Page(items=items[(page - 1) * size: page * size], page=page, page_size=size, total=len(items))

    def search_services(self, query: str, page: int = 1, page_size: int = 100) -> Page:
        items = [s for folder in sorted(self.catalog) if folder not in RESTRICTED
                 for s in self.list_services(folder, 1, 1000).items if query.lower() in s.name.lower()]
        return Page(items=items[(page - 1) * page_size: page * page_size], page=page, page_size=page_size,
                    total=len(items))

    def list_versions(self, folder: str, service: str) -> list[VersionInfo]:
        return [VersionInfo(id=_uuid(200 + i), folder=folder, service=service, service_id=_uuid(100), version=v,
                            engine_type=e, has_module=m, created=CREATED, size=12_345 * (i + 1))
                for i, (v, e, m) in enumerate(self.catalog[folder][service])]

    def preview(self, request: ExportRequest) -> ExportPreview:
        errors = []
        for f in request.inputs.folders:
            if f not in self.catalog:
                errors.append(ApiError(code=Code.FOLDER_NOT_FOUND.value, message=f"folder '{f}' not found", ref=f))
            elif f in RESTRICTED:
                errors.append(ApiError(code=Code.ACCESS_DENIED.value,
                                       message=f"folder '{f}' needs group '{RESTRICTED[f]}'", ref=f))
            elif not self.catalog[f]:
                errors.append(ApiError(code=Code.FOLDER_EMPTY.value, message=f"folder '{f}' has no service", ref=f))
        for s in request.inputs.services:
            if s.startswith("Insurance/legacy-rater"):
                errors.append(ApiError(code=Code.NO_COMPILED_MODULE.value,
                                       message=f"'{s}' is an XConnector service without a compiled module", ref=s))
        if errors:
            return ExportPreview(errors=errors, size_limit=209_715_200)
        job = fixed_job(1, JobStatus.closed)
        return ExportPreview(services=job.outputs.services, service_versions=job.outputs.service_versions,
                             projected_bytes=123_456, size_limit=209_715_200)

    def submit(self, request: ExportRequest) -> ExportJob:
        from spark_tui.spark.errors import JobSlotBusy

        if self.slot_busy:
            raise JobSlotBusy("demo", [self.jobs[0].id if self.jobs else "x"], 1)
        with self.lock:
            self.submitted.append(request)
            job = fixed_job(len(self.jobs) + 1, JobStatus.created, file_name=package_file_name(request.file_name))
            self.jobs.insert(0, job)
            self.submitted_job_ids.add(job.id)
        return job

    def _find(self, job_id: str) -> ExportJob:
        for job in self.jobs:
            if job.id == job_id:
                return job
        raise JobNotFound(job_id)

    def status(self, job_id: str) -> ExportJob:
        return self._find(job_id)

    def cancel(self, job_id: str) -> ExportJob:
        job = self._find(job_id)
        if job.status.is_terminal:
            raise JobFinished(job_id, job.status.value)
        cancelled = job.model_copy(update={"status": JobStatus.cancelled})
        self.jobs[self.jobs.index(job)] = cancelled
        return cancelled

    def tenant_status(self) -> TenantExportStatus:
        return TenantExportStatus(tenant=TenantInfo(configuration=TenantConfiguration(export_api_job_limit=1),
                                                    status=TenantJobCounts(export_api_jobs_in_progress=0)))

    def list_jobs(self, all_users: bool = False) -> list[ExportJob]:
        return [j for j in self.jobs if all_users or (j.progress and j.progress.created_by == self.info.user)]

    def whoami(self) -> Caller:
        return Caller(self.info.user, self.info.groups, "profile")

    @property
    def submitted_ids(self) -> frozenset[str]:
        with self.lock:
            return frozenset(self.submitted_job_ids)

    def is_own(self, job_id: str, created_by: str | None) -> bool:
        return created_by == self.info.user or job_id in self.submitted_ids

    def finish(self, job_id: str) -> None:
        """The job closes (as a worker would finish it)."""
        job = self._find(job_id)
        self.jobs[self.jobs.index(job)] = fixed_job(int(job.id[-4:]) - 9000, JobStatus.closed, total=4096,
                                                    user=job.progress.created_by, file_name=job.progress.file_name)

    def download(self, job: ExportJob, dest_dir: Path, progress=None, cancel: threading.Event | None = None) -> list[Download]:
        path = Path(dest_dir) / job.progress.file_name
        if path.exists():
            raise TargetExists(path)
        path.write_bytes(b"PK")
        return [Download(path=str(path), bytes=2, sha256="ab12" * 16, verified=True)]

    def submit_import(self, path: Path, request: ImportRequestEntity, progress=None) -> ImportJob:
        job = import_job(len(self.imports) + 1, JobStatus.created)
        with self.lock:
            self.imports.insert(0, job)
            self.submitted_job_ids.add(job.id)
        return job

    def import_status(self, job_id: str) -> ImportJob:
        for job in self.imports:
            if job.id == job_id:
                return job
        raise JobNotFound(job_id, kind="import")

    def list_imports(self, all_users: bool = False) -> list[ImportJob]:
        return list(self.imports)

    def folder_exists(self, name: str) -> bool:
        return name in self.catalog

    def create_folder(self, name: str) -> FolderInfo:
        if name in self.catalog:
            message = f"folder '{name}' already exists in tenant 'demo'"
            raise ValidationFailed(message, [ApiError(code=Code.PRODUCT_ALREADY_EXISTS.value, message=message, ref=name)])
        self.catalog[name] = {}
        return FolderInfo(id=_uuid(len(self.catalog)), name=name, service_count=0)

    def close(self) -> None:
        pass
