"""Run a promotion dev → uat and stop dead at a step: `python kill_at_step.py WS OUT STEP MARKER`.

When the promotion first reports STEP (for `import`: once the import job exists) the marker file is
written and the process waits to be killed (kill -9 by the test)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from promokit import make_pair  # noqa: E402

from spark_tui.promotion.mappings import parse_map  # noqa: E402
from spark_tui.promotion.prepare import prepare  # noqa: E402
from spark_tui.promotion.run import run  # noqa: E402
from spark_tui.promotion.steps import StepUpdate  # noqa: E402
from spark_tui.spark.export_wire import ExportInputs, ExportRequest  # noqa: E402
from spark_tui.spark.values import IfPresent


def main(ws: Path, out: Path, step: str, marker: Path) -> None:
    pair = make_pair(ws, ws)

    def stop_here(update: StepUpdate) -> None:
        if update.step.value == step and (step != "import" or update.import_job is not None):
            marker.write_text(step)
            threading.Event().wait()  # until killed

    maps = [parse_map("synth-0000=New"), parse_map("synth-0000/service-0001=UAT/rates")]
    prepared = prepare(pair.source, pair.target, ExportRequest(inputs=ExportInputs(folders=["synth-0000"])), maps,
                       if_present=IfPresent.add_version, create_folders=True)
    run(pair.source, pair.target, prepared, out, on_update=stop_here)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]))
