"""The steps of a promotion, the progress events a face shows, and how a step fails.

Every failure inside a step becomes PromotionFailed naming the step, with the exit code of its
cause; a refusing plan is PlanRefused before anything runs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Callable

from spark_tui.spark.errors import Code, SparkTuiError
from spark_tui.spark.export_wire import ApiError, ExportJob
from spark_tui.spark.import_wire import ImportJob
from spark_tui.spark.promotion_wire import Plan, Receipt


class Step(str, Enum):
    resolve = "resolve"
    export = "export"
    download = "download"
    verify = "verify"
    backup = "backup"
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


def quiet(update: StepUpdate) -> None:
    """The listener of a caller that shows no progress."""


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
class Outcome:
    receipt: Receipt
    receipt_path: Path
    package: Path
    plan: Plan | None = None


class guard:
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
