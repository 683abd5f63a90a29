"""What the jobs table lists: the backend's listing, the jobs this client follows, and import jobs.

Plain functions over a Backend, called from the jobs refresh worker (no Textual here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spark_tui.backends.base import Backend
from spark_tui.spark.errors import JobNotFound
from spark_tui.tui.formatting import progress_of

if TYPE_CHECKING:
    from spark_tui.spark.export_wire import ExportJob


def follow_up(backend: Backend, watched: dict[str, ExportJob | None], listed: set[str]) -> tuple[list, list[str]]:
    """The followed jobs the listing left out (listed under another identity, or none known): the last known
    state of ended ones, a fresh status of the others. Returns them and the ids the backend no longer knows."""
    found, gone = [], []
    for job_id, known in watched.items():
        if job_id in listed:
            continue
        if known is not None and known.status.is_terminal:
            found.append(known)
            continue
        try:
            found.append(backend.status(job_id))
        except JobNotFound:
            gone.append(job_id)
    return found, gone


def list_imports(backend: Backend, all_users: bool) -> list:
    """Import jobs in progress and of the past hour (own ones unless `all_users`)."""
    return list(backend.list_imports(all_users=all_users))


def created_at(job: object) -> str:
    """When a job was created, as an ISO string (its response time when the backend does not say)."""
    progress = progress_of(job)
    return (progress.created_timestamp if progress else None) or getattr(job, "response_timestamp", "")


def newest_first(jobs: list) -> list:
    """Jobs sorted newest first, each id once."""
    unique = {job.id: job for job in jobs}
    return sorted(unique.values(), key=created_at, reverse=True)
