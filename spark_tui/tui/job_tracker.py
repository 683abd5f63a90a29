"""The main screen's job model without Textual: what this session submitted, queued, promoted and still has
to save, and how each listing changes it. The screen turns the transitions into toasts, log lines and downloads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from spark_tui.spark.values import JobStatus
from spark_tui.spark.filenames import package_file_name
from spark_tui.tui.formatting import is_import
from spark_tui.tui.job_feed import newest_first
from spark_tui.tui.pending_saves import PendingSave, PendingSaves

if TYPE_CHECKING:
    from spark_tui.spark.export_wire import ExportJob, ExportRequest
    from spark_tui.backends.base import BackendInfo
    from spark_tui.spark.import_wire import ImportJob


@dataclass
class QueuedExport:
    """An export waiting for the tenant's job slot; it is submitted when the slot frees."""

    key: str
    request: ExportRequest
    dest_dir: str | None
    queued_at: str


@dataclass(frozen=True)
class Ended:
    """A job seen reaching a terminal status; `save`: its package, to download now (closed, a save pending
    and not already being downloaded)."""

    job: ExportJob
    save: PendingSave | None = None


class JobTracker:
    """The jobs of one backend's session: the listing, own submissions, the queue waiting for the job slot,
    promotions' imports (in other profiles: kept across backends) and the package saves still to do."""

    pending: PendingSaves  # set by open(), for the backend's profile

    def __init__(self) -> None:
        self.jobs: list[ExportJob] = []
        self.queue: list[QueuedExport] = []
        self.own: dict[str, ExportJob] = {}  # jobs submitted from here, last known state
        self.last_status: dict[str, JobStatus] = {}
        self.saving: set[str] = set()  # ids whose package is being downloaded
        self.promoted: dict[str, ImportJob] = {}  # import jobs of promotions into other profiles, last state seen
        self.promoted_in: dict[str, BackendInfo] = {}  # … and the profile each runs in

    def open(self, pending: PendingSaves) -> None:
        """Start over on a backend whose pending saves are `pending` (promotions are kept: they run elsewhere)."""
        self.jobs, self.queue, self.last_status, self.own, self.saving = [], [], {}, {}, set()
        self.pending = pending

    # --- the queue ------------------------------------------------------------------------------

    def enqueue(self, item: QueuedExport) -> None:
        self.queue.append(item)

    def next_queued(self) -> QueuedExport | None:
        """The export submitted first when the slot frees."""
        return self.queue[0] if self.queue else None

    def queued(self, key: str) -> QueuedExport | None:
        return next((q for q in self.queue if q.key == key), None)

    def drop_queued(self, key: str) -> None:
        self.queue = [q for q in self.queue if q.key != key]

    def claimed_targets(self) -> dict[Path, str]:
        """Files that running or queued exports of this session will save, with who saves them."""
        claimed = {target: job_id[:8] for target, job_id in self.pending.targets().items()}
        for item in self.queue:
            if item.dest_dir:
                claimed[Path(item.dest_dir) / package_file_name(item.request.file_name)] = "queued"
        return claimed

    # --- transitions ----------------------------------------------------------------------------

    def submitted(self, job: ExportJob, dest_dir: str | None, file_name: str) -> None:
        """A submission answered: the job is own and first in the list; unless it failed at once, its package
        is saved into `dest_dir` when it closes."""
        self.own[job.id] = job
        if job.status is not JobStatus.failed and dest_dir:
            self.pending.add(job.id, PendingSave(dest_dir, file_name))
        self.last_status[job.id] = job.status
        self.jobs = [job] + [j for j in self.jobs if j.id != job.id]

    def gone(self, job_ids: Iterable[str]) -> list[str]:
        """Jobs the tenant no longer knows: forgotten; returns those whose package save is lost with them."""
        lost = []
        for job_id in job_ids:
            self.own.pop(job_id, None)
            if job_id in self.pending:
                self.pending.remove(job_id)
                lost.append(job_id)
        return lost

    def listed(self, jobs: list[ExportJob]) -> list[Ended]:
        """A jobs refresh: the promotions' imports join the listing; returns the jobs that ended since seen
        (or that ended with a save pending, e.g. from an earlier run)."""
        self.jobs = newest_first([*self.promoted.values(), *jobs])
        return [ended for job in self.jobs if (ended := self.saw(job)) is not None]

    def saw(self, job: ExportJob) -> Ended | None:
        """Record `job`'s status; an `Ended` when this is the moment it counts as ended."""
        before = self.last_status.get(job.id)
        self.last_status[job.id] = job.status
        if job.id in self.own:
            self.own[job.id] = job
        if not job.status.is_terminal:
            return None
        if job.id in self.pending or (before is not None and not before.is_terminal):
            return self._ended(job)
        return None

    def _ended(self, job: ExportJob) -> Ended:
        if job.status is not JobStatus.closed:
            self.pending.remove(job.id)
            return Ended(job)
        if (save := self.pending.get(job.id)) is not None and job.id not in self.saving:
            self.saving.add(job.id)
            return Ended(job, save)
        return Ended(job)

    def follow_promoted(self, job: ImportJob, target: BackendInfo) -> Ended | None:
        """A promotion's import job (it runs in the `target` profile, which the jobs refresh does not list)."""
        before = self.last_status.get(job.id)
        self.promoted[job.id] = job
        self.promoted_in[job.id] = target
        self.last_status[job.id] = job.status
        self.jobs = newest_first([*self.jobs, job])
        if job.status.is_terminal and before is not None and not before.is_terminal:
            return self._ended(job)
        return None

    def save_ended(self, job_id: str) -> None:
        """A package download ended, saved or not: no longer pending."""
        self.saving.discard(job_id)
        self.pending.remove(job_id)

    # --- what quitting leaves -------------------------------------------------------------------

    def running_jobs(self, besides: set[str] = frozenset(), tenant_wide: bool = False) -> int:
        """Own export jobs still running (in the tenant-wide view, those submitted from here), `besides` aside."""
        return sum(1 for j in self.jobs if not j.status.is_terminal and not is_import(j) and j.id not in besides
                   and (not tenant_wide or j.id in self.own))

    def quit_lines(self, backend: BackendInfo, besides: set[str] = frozenset(), tenant_wide: bool = False) -> list[str]:
        """What quitting does to running, queued and to-be-saved exports (empty when nothing is affected);
        `besides`: running jobs someone else answers for (promotions)."""
        running, queued, saves = self.running_jobs(besides, tenant_wide), len(self.queue), len(self.pending.items)
        if not (running or queued):
            return []
        where = "in the background (embedded jobs are detached)" if backend.kind == "embedded" \
            else "on the Spark tenant"
        lines = []
        if running:
            lines.append(f"{running} export job(s) are running: they keep running {where}.")
        if saves:
            lines.append(f"{saves} package(s) are saved when their job closes: the next time spark-tui runs "
                         f"with profile '{backend.profile}' (or with s in the jobs table).")
        if queued:
            lines.append(f"{queued} queued export(s) never started: they are dropped.")
        return lines
