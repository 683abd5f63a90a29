"""The history of promotions: every receipt, kept under its id in the data directory (`<data>/receipts`).

`list_receipts()` (newest first) and `load_receipt(ID|FILE)` serve `--promotions`, `--receipt` and
the TUI alike. A receipt still `running` whose process is gone is shown as `interrupted`.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from pydantic import ValidationError

from spark_tui import paths
from spark_tui.spark.errors import Code, ValidationFailed
from spark_tui.spark.export_wire import ApiError
from spark_tui.spark.promotion_wire import Receipt


def list_receipts() -> list[Receipt]:
    """Every readable receipt of the history, newest first (a file that is no receipt is left alone)."""
    found = []
    for path in paths.receipts_dir().glob("*.json"):
        try:
            found.append(Receipt.model_validate_json(path.read_bytes()))
        except (OSError, ValidationError):
            continue
    return sorted(found, key=lambda r: (r.started, r.id), reverse=True)


def load_receipt(ref: str | Path) -> Receipt:
    """The receipt at a path, or of the history by id (or a unique start of one)."""
    path = Path(ref)
    if not path.is_file():
        folder = paths.receipts_dir()
        path = folder / f"{ref}.json"
        if not path.is_file():
            starts = sorted(folder.glob(f"{ref}*.json")) if str(ref) and "/" not in str(ref) else []
            if len(starts) != 1:
                why = f"{len(starts)} receipts start with '{ref}'" if starts else f"no receipt file or id '{ref}'"
                raise ValidationFailed.of([ApiError(code=Code.RECEIPT_NOT_FOUND.value, ref=str(ref), message=(
                    f"{why}; give a receipt file or an id that --promotions lists"))])
            path = starts[0]
    try:
        return Receipt.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as exc:
        raise ValidationFailed.of([ApiError(code=Code.RECEIPT_NOT_FOUND.value, ref=str(path), message=(
            f"{path} is not a promotion receipt ({type(exc).__name__}); give a *.receipt.json file"))]) from None


def shown_outcome(receipt: Receipt) -> str:
    """The outcome to show: `interrupted` for a `running` receipt whose process is gone (on this host)."""
    if receipt.outcome != "running" or receipt.pid is None or receipt.host != socket.gethostname():
        return receipt.outcome
    try:
        os.kill(receipt.pid, 0)
    except ProcessLookupError:
        return "interrupted"
    except PermissionError:
        pass
    return "running"
