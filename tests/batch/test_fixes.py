"""The core says what is wrong; `--batch` adds how to fix it in its own flags (one line, exit 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from batchkit import Result
from spark_tui.backends.polling import JobDeadlineExceeded
from spark_tui.batch.fixes import how_to_fix
from spark_tui.spark.errors import JobNotFound, SparkTuiError
from spark_tui.spark.export_wire import ExportJob
from spark_tui.spark.values import JobStatus
from spark_tui.spark.import_wire import ImportJob


def test_an_unknown_import_job_points_at_the_import_listing(cli: Callable[..., Result]) -> None:
    r = cli("--import-status", "0000-nope")
    assert r.code == 2 and r.err.strip() == "error: JOB_NOT_FOUND: import job '0000-nope' not found; list jobs with --imports"


def test_a_workspace_that_is_a_file_names_the_flag_to_change(cli: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    r = cli("--workspace", str(tmp_path / "file"), "--jobs")
    assert r.code == 2
    assert r.err.strip() == f"error: BAD_CONFIG: workspace {tmp_path / 'file'} is not a directory; choose another --workspace"


def test_a_tenant_the_workspace_lacks_names_the_flags_that_fix_it(cli: Callable[..., Result], tmp_path: Path) -> None:
    assert cli("--workspace", str(tmp_path / "ws"), "--create-folder", "f").code == 0  # the demo tenant exists
    r = cli("--workspace", str(tmp_path / "ws"), "--tenant", "uat", "--list-folders")
    assert r.code == 2 and r.error_lines == [
        f"error: INVALID_VALUE: tenant 'uat' does not exist in workspace {tmp_path / 'ws'} (tenants: demo); "
        "choose one with --tenant, or create it with --create-folder NAME or --load-package FILE"
    ]


def test_a_passed_deadline_says_how_to_look_again_for_each_kind_of_job() -> None:
    export = ExportJob(id="e1", status=JobStatus.in_progress)
    imported = ImportJob(id="i1", status=JobStatus.in_progress)
    assert how_to_fix(JobDeadlineExceeded(export, 5)) == "check it later (--status e1) or allow a longer --deadline"
    assert how_to_fix(JobDeadlineExceeded(imported, 5)) == "check it later (--import-status i1) or allow a longer --deadline"
    assert "--" not in JobDeadlineExceeded(export, 5).message  # the core names no flag


def test_errors_whose_message_suffices_get_no_fix() -> None:
    assert how_to_fix(SparkTuiError("boom")) is None
    assert how_to_fix(None) is None
    assert how_to_fix(JobNotFound("x")) == "list jobs with --jobs"
