"""A running promotion: its steps, its two jobs (export on the source, import on the target) live, the receipt."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from spark_tui.promotion.steps import Step, StepUpdate
from spark_tui.spark.import_wire import ImportJob
from spark_tui.spark.export_wire import ExportJob
from spark_tui.spark.values import JobStatus
from spark_tui.spark.promotion_wire import Endpoint, Receipt
from spark_tui.tui.fit import fit_end, fit_middle
from spark_tui.tui.formatting import STATUS_STYLES, duration, human_bytes
from spark_tui.tui.widgets.fitted_table import FittedTable

STEPS = (Step.export, Step.download, Step.verify, Step.folders, Step.import_, Step.receipt)
ITEM_STYLES = {"waiting": "dim", "uploading": "bold cyan", "added": "green", "replaced": "yellow", "updated": "cyan"}


def steps_line(current: Step | None, failed: bool = False, finished: bool = False) -> Text:
    """`✓ export  ▶ download  · verify …`: done, current (or ✗ failed) and still to come, readable without colour."""
    text = Text()
    index = STEPS.index(current) if current in STEPS else -1
    for i, step in enumerate(STEPS):
        if finished or i < index:
            mark, style = "✓", "green"
        elif i == index:
            mark, style = ("✗", "bold red") if failed else ("▶", "bold cyan")
        else:
            mark, style = "·", "dim"
        text.append(f"{mark} {step.value}", style=style)
        text.append("  ")
    return text


def _status(status: JobStatus | str) -> Text:
    value = status.value if isinstance(status, JobStatus) else status
    return Text(value, style=STATUS_STYLES.get(value) or ITEM_STYLES.get(value, ""))


def _progress(done: int, total: int) -> str:
    return f"{min(100, done * 100 // total)}% of {human_bytes(total)}" if total else "—"


class PromotionJobs(FittedTable):
    """Two rows, `export` and `import`, brought up to date by each StepUpdate."""

    COLUMNS = (("job", "Job", fit_end), ("where", "Where", fit_end), ("id", "Id", fit_middle),
               ("status", "Status", fit_end), ("progress", "Progress", fit_end), ("time", "Time", fit_end))

    def start(self, source: Endpoint, target: Endpoint) -> None:
        self.put_rows({key: (key, f"{side.profile} · {side.tenant}", "—", _status("waiting"), "—", "—")
                       for key, side in (("export", source), ("import", target))})

    def update_from(self, update: StepUpdate) -> None:
        if update.export_job is not None:
            self._job("export", update.export_job)
        elif update.step is Step.download and update.total:
            self.set_cell("export", "progress", f"download {_progress(update.done, update.total)}")
        elif update.step is Step.verify:
            self.set_cell("export", "progress", "package verified")
        elif update.import_job is not None:
            self._job("import", update.import_job)
        elif update.step is Step.import_ and update.total:
            self.set_cell("import", "status", _status("uploading"))
            self.set_cell("import", "progress", f"upload {_progress(update.done, update.total)}")

    def _job(self, key: str, job: ExportJob | ImportJob) -> None:
        self.set_cell(key, "id", job.id[:8])
        self.set_cell(key, "status", _status(job.status))
        if job.status is JobStatus.closed:
            self.set_cell(key, "progress", "100%")
        elif job.progress is not None and job.progress.bytes_total:
            self.set_cell(key, "progress", _progress(job.progress.bytes_done, job.progress.bytes_total))
        self.set_cell(key, "time", duration(job.process_time))


def receipt_summary(receipt: Receipt, path: Path | None) -> Text:
    """Outcome and both sides, what was created, the package, and where the receipt is (ids: in the file)."""
    ok = receipt.outcome == "promoted"
    text = Text.assemble(
        ("✓ PROMOTED" if ok else f"✗ {receipt.outcome.upper()}", "bold green" if ok else "bold red"),
        f"  {receipt.source.profile} · {receipt.source.tenant}  →  {receipt.target.profile} · {receipt.target.tenant}"
        f"  · {len(receipt.service_versions)} version(s)",
    )
    if receipt.folders_created:
        text.append(f" · folders created: {', '.join(receipt.folders_created)}")
    if receipt.failed_step:
        text.append(f"\nstopped at step '{receipt.failed_step}': {receipt.message}")
    for deviation in receipt.deviations:
        text.append(f"\n! deviation from the plan: {deviation}", style="yellow")
    if path is not None:
        text.append("\nreceipt ", style="bold")
        text.append(str(path))
    if receipt.package:
        text.append(f"\npackage {Path(receipt.package.path).name} ({human_bytes(receipt.package.bytes)}, sha256 "
                    f"{receipt.package.sha256[:12]}…{', verified' if receipt.package.verified else ''})")
    return text


class ReceiptTable(FittedTable):
    """Every source → destination version of the receipt with both ids (shortened in the middle when narrow)."""

    COLUMNS = (("source", "Source", fit_middle), ("destination", "Destination", fit_middle),
               ("status", "Status", fit_end), ("source id", "Source id", fit_middle),
               ("destination id", "Destination id", fit_middle))

    def show(self, receipt: Receipt) -> None:
        self.put_rows({v.version_id_source: (v.service_uri_source, v.service_uri_destination, _status(v.status),
                                             v.version_id_source, v.version_id_destination or "—")
                       for v in receipt.service_versions})
