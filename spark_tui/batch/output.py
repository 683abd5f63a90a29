"""What `--batch` prints: plain-text tables and summaries, or the API's JSON shapes (`--json`)."""

from __future__ import annotations

import json
from typing import Any, Iterable, Sequence

from spark_tui.backends.base import redact
from spark_tui.spark.import_wire import ImportJob, ImportResult
from spark_tui.units import duration, human_bytes
from spark_tui.spark.export_wire import ApiError, Download, ExportJob, ExportPreview, TenantExportStatus, TenantJob
from spark_tui.spark.values import FolderInfo, ServiceInfo, VersionInfo


def to_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Left-aligned columns separated by two spaces; `(none)` when there are no rows."""
    cells = [[str(c) if c is not None else "-" for c in row] for row in rows]
    if not cells:
        return "(none)"
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = [headers, *cells]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines)


def error_lines(errors: Iterable[ApiError]) -> list[str]:
    """`error: CODE: message` per error (the reference too when the message does not name it)."""
    lines = []
    for e in errors:
        ref = f" [{e.ref}]" if e.ref and e.ref not in e.message else ""
        lines.append(f"error: {e.code}: {e.message}{ref}")
    return lines


def job_json(job: ExportJob, downloads: list[Download] | None = None) -> dict:
    """The API's job status JSON, plus `downloads` after an export."""
    body = job.wire()
    if downloads is not None:
        body["downloads"] = [d.model_dump(mode="json") for d in downloads]
    return body


def job_text(job: ExportJob, downloads: list[Download] | None = None) -> str:
    lines = [f"export job {job.id}: {job.status.value} ({duration(job.process_time)})"]
    outputs = job.outputs
    if outputs.services or outputs.service_versions:
        lines.append(f"  {len(outputs.services)} service(s), {len(outputs.service_versions)} version(s)")
        lines += [f"    {v.service_uri_source}  {v.version_id_source}" for v in outputs.service_versions]
    for f in outputs.files or []:
        lines.append(f"  file: {redact(f.file)}  file_hash {f.file_hash or '(none given)'}")  # a signed link's token is a secret
    for d in downloads or []:
        check = (f"verified ({d.hash_algorithm})" if d.verified else "NOT VERIFIED" if d.hash_algorithm
                 else "not verified: the server gave no file_hash (its sha256 is recorded here)")
        lines.append(f"  downloaded: {d.path}  {d.bytes} bytes ({human_bytes(d.bytes)})  sha256 {d.sha256}  {check}")
    if job.progress and job.progress.bytes_total and not job.status.is_terminal:
        p = job.progress
        lines.append(f"  progress: {human_bytes(p.bytes_done)} of {human_bytes(p.bytes_total)}")
    return "\n".join(lines)


def preview_text(preview: ExportPreview) -> str:
    within = "within" if preview.projected_bytes <= preview.size_limit else "OVER"
    lines = [
        f"{len(preview.services)} service(s), {len(preview.service_versions)} version(s), {len(preview.files)} file(s)",
        table(["SERVICE", "SERVICE ID"], [(s.service_uri_source, s.service_id_source) for s in preview.services]),
        "",
        table(["VERSION", "VERSION ID"], [(v.service_uri_source, v.version_id_source) for v in preview.service_versions]),
        "",
        table(["FILE", "BYTES"], [(f.path, f.size) for f in preview.files]),
        "",
        f"projected size: {preview.projected_bytes} bytes ({human_bytes(preview.projected_bytes)}), "
        f"{within} the limit of {preview.size_limit} bytes ({human_bytes(preview.size_limit)})",
    ]
    return "\n".join(lines)


def tenant_status_text(status: TenantExportStatus) -> str:
    def rows(jobs: list[TenantJob]) -> list[tuple]:
        return [
            (j.id, j.data.export_status.value, j.data.created_by, j.data.created_timestamp, duration(j.data.process_time))
            for j in jobs
        ]

    headers = ["JOB", "STATUS", "CREATED BY", "CREATED", "TIME"]
    t = status.tenant
    return "\n".join([
        f"jobs in progress: {t.status.export_api_jobs_in_progress} of {t.configuration.export_api_job_limit}",
        table(headers, rows(status.in_progress_exports)),
        "",
        "finished within the past hour:",
        table(headers, rows(status.recent_exports)),
    ])


def folders_text(folders: list[FolderInfo]) -> str:
    return table(
        ["FOLDER", "SERVICES", "ACCESS"],
        [(f.name, f.service_count, "yes" if f.accessible else f"no (needs {f.required_group})") for f in folders],
    )


def services_text(services: list[ServiceInfo]) -> str:
    return table(
        ["SERVICE", "VERSIONS", "LATEST", "ENGINE", "EXPORTABLE"],
        [(s.name, s.version_count, s.latest_version, s.engine_type.value, "yes" if s.exportable else "no") for s in services],
    )


def versions_text(versions: list[VersionInfo]) -> str:
    return table(
        ["VERSION", "VERSION ID", "ENGINE", "MODULE", "BYTES", "CREATED"],
        [
            (v.version, v.id, v.engine_type.value, "yes" if v.has_module else "no", v.size, v.created)
            for v in versions
        ],
    )


def import_text(result: ImportResult) -> str:
    return "\n".join([
        f"imported into tenant {result.tenant}: {len(result.services)} service(s), {len(result.service_versions)} version(s)",
        table(
            ["SOURCE", "DESTINATION", "VERSION", "STATUS"],
            [
                (v.service_uri_source, v.service_uri_destination, f"{v.version_source} -> {v.version_destination}", v.status)
                for v in result.service_versions
            ],
        ),
    ])


def import_job_text(job: ImportJob) -> str:
    """An import job: status line, then each imported version source → destination."""
    head = f"import job {job.id}: {job.status.value} ({duration(job.process_time)})"
    if not job.outputs.service_versions:
        return head
    return "\n".join([
        head + f": {len(job.outputs.services)} service(s), {len(job.outputs.service_versions)} version(s)",
        table(
            ["SOURCE", "DESTINATION", "VERSION ID", "STATUS"],
            [
                (v.service_uri_source, v.service_uri_destination, v.version_id_destination, v.status)
                for v in job.outputs.service_versions
            ],
        ),
    ])


def imports_text(jobs: list[ImportJob]) -> str:
    """Import jobs in progress and of the past hour."""
    return table(
        ["JOB", "STATUS", "BY", "CREATED", "SERVICES", "TIME"],
        [
            (
                j.id, j.status.value, j.progress.created_by if j.progress else None,
                j.progress.created_timestamp if j.progress else None, len(j.outputs.services), duration(j.process_time),
            )
            for j in jobs
        ],
    )
