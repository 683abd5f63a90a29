"""One exit-code contract: the enum, the rule for jobs and errors, and the error tree drawn in spark.errors."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import spark_tui
from spark_tui.spark import errors
from spark_tui.spark.errors import Code, DiskFull, JobSlotBusy, SparkTuiError, ValidationFailed
from spark_tui.spark.exit_codes import ExitCode, exit_code_for, rejected_request
from spark_tui.spark.export_wire import ApiError, ExportJob
from spark_tui.spark.values import JobStatus
from spark_tui.spark.import_wire import ImportJob


def test_the_codes_are_the_designs() -> None:
    assert {c.name: c.value for c in ExitCode} == {
        "OK": 0, "JOB_FAILED": 1, "USAGE": 2, "BACKEND": 3, "TIMEOUT": 4, "CANCELLED": 5, "SLOT_BUSY": 6,
        "DIFFERS": 10, "INTERRUPTED": 130, "BROKEN_PIPE": 141,
    }
    assert all(c.meaning and c.meaning != ExitCode.__doc__ for c in ExitCode)


@pytest.mark.parametrize(("status", "code"), [
    (JobStatus.created, ExitCode.OK), (JobStatus.in_progress, ExitCode.OK), (JobStatus.closed, ExitCode.OK),
    (JobStatus.failed, ExitCode.JOB_FAILED), (JobStatus.closed_by_timeout, ExitCode.TIMEOUT),
    (JobStatus.cancelled, ExitCode.CANCELLED),
])
@pytest.mark.parametrize("kind", [ExportJob, ImportJob])
def test_a_job_exits_with_the_code_of_its_status(kind: type, status: JobStatus, code: ExitCode) -> None:
    assert exit_code_for(kind(id="j", status=status)) is code


def test_a_refused_request_is_a_usage_error_and_a_full_disk_a_backend_error() -> None:
    refused = ExportJob(id="j", status=JobStatus.failed, errors=[ApiError(code=Code.FOLDER_NOT_FOUND.value, message="m")])
    broke = ExportJob(id="j", status=JobStatus.failed, errors=[ApiError(code=Code.WORKER_DIED.value, message="m")])
    full = ImportJob(id="j", status=JobStatus.failed, errors=[ApiError(code=Code.DISK_FULL.value, message="m")])
    assert rejected_request(refused) and exit_code_for(refused) is ExitCode.USAGE
    assert not rejected_request(broke) and exit_code_for(broke) is ExitCode.JOB_FAILED
    assert exit_code_for(full) is ExitCode.BACKEND


def test_errors_and_interruptions() -> None:
    assert exit_code_for(KeyboardInterrupt()) is ExitCode.INTERRUPTED
    assert exit_code_for(BrokenPipeError()) is ExitCode.BROKEN_PIPE
    assert exit_code_for(JobSlotBusy("t", ["j1"], 1)) is ExitCode.SLOT_BUSY
    assert exit_code_for(DiskFull("writing")) is ExitCode.BACKEND
    assert exit_code_for(ValidationFailed("bad")) is ExitCode.USAGE
    assert exit_code_for(SparkTuiError("x")) is ExitCode.BACKEND


def every_error_class() -> dict[str, type[SparkTuiError]]:
    """Every SparkTuiError subclass of the packages below the TUI, by name."""
    for package in ("spark", "engine", "backends", "server", "promotion", "batch"):
        module = importlib.import_module(f"spark_tui.{package}")
        for info in pkgutil.walk_packages(module.__path__, module.__name__ + "."):
            importlib.import_module(info.name)
    found: dict[str, type[SparkTuiError]] = {}
    todo = [SparkTuiError]
    while todo:
        cls = todo.pop()
        assert found.setdefault(cls.__name__, cls) is cls, f"two error classes are named {cls.__name__}"
        todo += [c for c in cls.__subclasses__() if c.__module__.startswith(spark_tui.__name__)]
    return found


TREE_ROW = re.compile(r"^ {4}(?P<indent>[│├└─ ]*)(?P<name>\w+) +(?:(?P<exit>\d+) \w+|\(its cause\)) +(?P<http>\d{3})"
                      r"(?: +(?P<module>[\w.]+))?$")


def test_the_tree_drawn_in_the_errors_docstring_is_the_real_one() -> None:
    classes = every_error_class()
    rows = [m for line in (errors.__doc__ or "").splitlines() if (m := TREE_ROW.match(line))]
    drawn: dict[str, str] = {}
    parents: list[str] = []
    for row in rows:
        depth = len(row["indent"]) // 4
        parents[depth:] = [row["name"]]
        cls = classes.get(row["name"])
        assert cls is not None, f"{row['name']} is drawn but does not exist"
        drawn[row["name"]] = parents[depth - 1] if depth else ""
        assert cls.__bases__[0].__name__ == drawn[row["name"]] or cls is SparkTuiError, row["name"]
        assert cls.http_status == int(row["http"]), row["name"]
        if row["exit"] is not None:
            assert cls.exit_code == int(row["exit"]), row["name"]
        assert cls.__module__ == f"spark_tui.{row['module'] or 'spark.errors'}", row["name"]
    assert sorted(drawn) == sorted(classes)
