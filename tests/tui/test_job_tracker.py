"""The job model without an App: queue order, status transitions, pending saves claimed and released, and
the quit question's lines (the same strings the Pilot tests read from the quit dialog)."""

from __future__ import annotations

from pathlib import Path

import pytest

from spark_tui.backends.base import BackendInfo
from spark_tui.spark.export_wire import ExportJob, ExportRequest
from spark_tui.spark.values import JobStatus
from spark_tui.spark.import_wire import ImportJob
from spark_tui.tui.job_tracker import Ended, JobTracker, QueuedExport
from spark_tui.tui.pending_saves import PendingSave, PendingSaves

EMBEDDED = BackendInfo(profile="local", kind="embedded", location="/ws", tenant="acme", user="me")
SPARK = BackendInfo(profile="uat", kind="spark", location="https://uat", tenant="acme", user="me")


def job(job_id: str, status: JobStatus, created: str = "2026-01-01T00:00:00Z") -> ExportJob:
    return ExportJob(id=job_id, status=status, response_timestamp=created)


def queued(key: str, file_name: str, dest_dir: str | None) -> QueuedExport:
    return QueuedExport(key, ExportRequest(file_name=file_name), dest_dir, "2026-01-01T00:00:00Z")


@pytest.fixture
def tracker(tmp_path: Path) -> JobTracker:
    tracker = JobTracker()
    tracker.open(PendingSaves(tmp_path / "pending.json"))
    return tracker


def test_the_queue_is_first_in_first_out_and_drops_by_key(tracker: JobTracker) -> None:
    assert tracker.next_queued() is None
    first, second, third = queued("queued-1", "a", "/out"), queued("queued-2", "b", "/out"), queued("queued-3", "c", None)
    for item in (first, second, third):
        tracker.enqueue(item)
    assert tracker.next_queued() is first
    tracker.drop_queued("queued-1")
    assert tracker.next_queued() is second and tracker.queue == [second, third]
    assert tracker.queued("queued-3") is third and tracker.queued("queued-1") is None


def test_an_export_counts_as_ended_once_when_it_closes_and_its_save_is_handed_out_once(tracker: JobTracker,
                                                                                      tmp_path: Path) -> None:
    tracker.submitted(job("j-1", JobStatus.created), str(tmp_path), "a.zip")
    assert tracker.pending.get("j-1") == PendingSave(str(tmp_path), "a.zip")
    assert tracker.claimed_targets() == {tmp_path / "a.zip": "j-1"}
    assert tracker.running_jobs() == 1
    assert tracker.listed([job("j-1", JobStatus.in_progress)]) == []
    assert tracker.own["j-1"].status is JobStatus.in_progress
    closed = job("j-1", JobStatus.closed)
    assert tracker.listed([closed]) == [Ended(closed, PendingSave(str(tmp_path), "a.zip"))]
    assert tracker.saving == {"j-1"} and tracker.running_jobs() == 0
    assert tracker.listed([closed]) == [Ended(closed)]  # still pending, already downloading: no second save
    assert tracker.claimed_targets() == {tmp_path / "a.zip": "j-1"}  # claimed until the download ends
    tracker.save_ended("j-1")
    assert tracker.saving == set() and "j-1" not in tracker.pending and tracker.claimed_targets() == {}
    assert tracker.listed([closed]) == []  # ended before: not again


def test_a_failed_export_drops_its_pending_save(tracker: JobTracker, tmp_path: Path) -> None:
    tracker.submitted(job("j-1", JobStatus.in_progress), str(tmp_path), "a.zip")
    failed = job("j-1", JobStatus.failed)
    assert tracker.listed([failed]) == [Ended(failed)]
    assert "j-1" not in tracker.pending and tracker.saving == set()


def test_an_export_failing_at_once_claims_nothing(tracker: JobTracker, tmp_path: Path) -> None:
    tracker.submitted(job("j-1", JobStatus.failed), str(tmp_path), "a.zip")
    assert tracker.claimed_targets() == {} and tracker.jobs[0].id == "j-1"


def test_a_job_first_seen_ended_is_not_announced_unless_a_save_waits_for_it(tracker: JobTracker,
                                                                          tmp_path: Path) -> None:
    tracker.pending.add("j-old", PendingSave(str(tmp_path), "old.zip"))  # left by an earlier run
    old, other = job("j-old", JobStatus.closed), job("j-other", JobStatus.closed)
    assert tracker.listed([old, other]) == [Ended(old, PendingSave(str(tmp_path), "old.zip"))]


def test_jobs_gone_from_the_tenant_are_forgotten_and_their_lost_saves_named(tracker: JobTracker,
                                                                            tmp_path: Path) -> None:
    tracker.submitted(job("j-1", JobStatus.in_progress), str(tmp_path), "a.zip")
    tracker.submitted(job("j-2", JobStatus.in_progress), None, "b.zip")
    assert tracker.gone({"j-2"}) == [] and set(tracker.own) == {"j-1"}
    assert tracker.gone(["j-1", "j-9"]) == ["j-1"]
    assert tracker.own == {} and "j-1" not in tracker.pending


def test_queued_exports_claim_their_targets_too(tracker: JobTracker, tmp_path: Path) -> None:
    tracker.submitted(job("abcdef123456", JobStatus.in_progress), str(tmp_path), "a.zip")
    tracker.enqueue(queued("queued-1", "b", str(tmp_path)))
    tracker.enqueue(queued("queued-2", "c", None))  # no save: claims nothing
    tracker.enqueue(QueuedExport("queued-3", ExportRequest(), str(tmp_path / "out"), "2026-01-01T00:00:00Z"))
    assert tracker.claimed_targets() == {tmp_path / "a.zip": "abcdef12", tmp_path / "b.zip": "queued",
                                         tmp_path / "out" / "package.zip": "queued"}  # unnamed: the default name


def test_promoted_imports_join_every_listing_and_end_once(tracker: JobTracker, tmp_path: Path) -> None:
    running = ImportJob(id="i-1", status=JobStatus.in_progress)
    assert tracker.follow_promoted(running, SPARK) is None
    assert tracker.promoted_in == {"i-1": SPARK}
    export = job("j-1", JobStatus.in_progress)
    tracker.listed([export])
    assert {j.id for j in tracker.jobs} == {"i-1", "j-1"}
    assert tracker.running_jobs() == 1  # imports are not exports
    done = ImportJob(id="i-1", status=JobStatus.closed)
    assert tracker.follow_promoted(done, SPARK) == Ended(done)
    tracker.open(PendingSaves(tmp_path / "other.json"))  # another backend: promotions run elsewhere, kept
    assert tracker.jobs == [] and tracker.promoted == {"i-1": done}


def test_the_tenant_wide_view_counts_only_own_exports_and_besides_is_left_out(tracker: JobTracker) -> None:
    tracker.submitted(job("mine", JobStatus.in_progress), None, "a.zip")
    tracker.listed([job("mine", JobStatus.in_progress), job("theirs", JobStatus.in_progress)])
    assert tracker.running_jobs() == 2
    assert tracker.running_jobs(tenant_wide=True) == 1
    assert tracker.running_jobs({"mine"}, tenant_wide=True) == 0


def test_quit_lines_say_what_quitting_leaves(tracker: JobTracker, tmp_path: Path) -> None:
    assert tracker.quit_lines(SPARK) == []
    tracker.submitted(job("j-1", JobStatus.in_progress), str(tmp_path), "a.zip")
    tracker.enqueue(queued("queued-1", "b", str(tmp_path)))
    assert tracker.quit_lines(SPARK) == [
        "1 export job(s) are running: they keep running on the Spark tenant.",
        "1 package(s) are saved when their job closes: the next time spark-tui runs with profile 'uat' "
        "(or with s in the jobs table).",
        "1 queued export(s) never started: they are dropped.",
    ]
    assert tracker.quit_lines(EMBEDDED, {"j-1"}) == [  # the promotion answers for its export
        "1 package(s) are saved when their job closes: the next time spark-tui runs with profile 'local' "
        "(or with s in the jobs table).",
        "1 queued export(s) never started: they are dropped.",
    ]
    tracker.drop_queued("queued-1")
    assert tracker.quit_lines(EMBEDDED) == [
        "1 export job(s) are running: they keep running in the background (embedded jobs are detached).",
        "1 package(s) are saved when their job closes: the next time spark-tui runs with profile 'local' "
        "(or with s in the jobs table).",
    ]
    assert tracker.quit_lines(EMBEDDED, {"j-1"}) == []  # a pending save alone does not ask


def test_quit_lines_leave_promoted_imports_out(tracker: JobTracker) -> None:
    tracker.follow_promoted(ImportJob(id="i-1", status=JobStatus.in_progress), SPARK)
    assert tracker.quit_lines(SPARK) == []
