"""`--batch --promotions` (the history of receipts, newest first) and `--batch --receipt ID|FILE`."""

from __future__ import annotations

import argparse

from spark_tui.batch import output
from spark_tui.batch.operations import Console
from spark_tui.batch.promote import receipt_text
from spark_tui.config import AppConfig, Profile
from spark_tui.promotion.history import list_receipts, load_receipt, shown_outcome
from spark_tui.spark.exit_codes import ExitCode


def run_list(args: argparse.Namespace, config: AppConfig, profile: Profile | None, console: Console) -> int:
    receipts = list_receipts()
    rows = [
        (r.id, r.started, shown_outcome(r), f"{r.source.profile}/{r.source.tenant} -> {r.target.profile}/{r.target.tenant}",
         r.user or "unknown", r.package.sha256 if r.package else "-")
        for r in receipts
    ]
    text = output.table(["ID", "STARTED", "OUTCOME", "SOURCE -> TARGET", "USER", "PACKAGE SHA-256"], rows) \
        if rows else "no promotions yet (receipts are kept under the data directory)"
    console.result(text, [r.model_dump(mode="json") | {"shown_outcome": shown_outcome(r)} for r in receipts])
    return ExitCode.OK


def run_show(args: argparse.Namespace, config: AppConfig, profile: Profile | None, console: Console) -> int:
    receipt = load_receipt(args.receipt)
    console.result(receipt_text(receipt, None), receipt.model_dump(mode="json"))
    return ExitCode.OK
