"""Regenerate the README screenshots (SVG) of the TUI's main states on a fresh demo workspace (profile `demo`),
plus the Promote screen's plan into a second workspace (profile `uat`) named in a temporary config.

Run from the project root: `python screenshots/make_screenshots.py` (writes screenshots/*.svg).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from spark_tui.backends.embedded import EmbeddedBackend  # noqa: E402
from spark_tui.config import load_config  # noqa: E402
from spark_tui.engine.artifacts import version_files  # noqa: E402
from spark_tui.engine.demo import DEMO_TENANT, ensure_demo  # noqa: E402
from spark_tui.engine.store import Workspace  # noqa: E402
from spark_tui.engine.worker import run_job  # noqa: E402
from spark_tui.tui.app import SparkApp  # noqa: E402
from spark_tui.tui.screens.details import JobDetailsScreen  # noqa: E402
from spark_tui.tui.screens.preview import PreviewScreen  # noqa: E402
from spark_tui.tui.screens.promote import PromoteScreen  # noqa: E402
from spark_tui.tui.widgets.catalog import CatalogTree  # noqa: E402
from spark_tui.tui.widgets.mapping_table import MappingTable  # noqa: E402
from spark_tui.tui.widgets.plan_table import PlanTable  # noqa: E402

OUT = Path(__file__).resolve().parent


async def until(pilot, predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not reach the expected state")
        await pilot.pause(0.05)


async def shoot(workspace: Path, size: tuple[int, int], name: str, steps) -> None:
    backend = EmbeddedBackend(workspace, DEMO_TENANT, "me@example.com", ("supervisor:pf",), profile="demo",
                              spawn=False)
    config = load_config()
    app = SparkApp(backend, config, config.profile("demo"), dest_dir=workspace)
    async with app.run_test(size=size) as pilot:
        tree = app.main.query_one(CatalogTree)
        await until(pilot, lambda: tree._find("folder:insurance-pricing") is not None)
        await steps(app, pilot, tree)
        await app.workers.wait_for_complete()
        app.clear_notifications()
        await pilot.pause(0.2)
        app.save_screenshot(f"{name}.svg", path=str(OUT))
    backend.close()
    print(f"wrote {OUT / (name + '.svg')}")


async def browse(app, pilot, tree) -> None:
    tree._find("folder:insurance-pricing").expand()
    await until(pilot, lambda: tree._find("service:insurance-pricing/motor-premium") is not None)
    tree._find("service:insurance-pricing/motor-premium").expand()
    await until(pilot, lambda: any(getattr(n.data, "version", None) for n in tree._walk(tree.root)))
    tree._find("folder:claims").expand()
    await until(pilot, lambda: tree._find("service:claims/claims-xconnector") is not None)
    tree.move_cursor(tree._find("service:insurance-pricing/travel-quote"))
    await pilot.press("space")
    await until(pilot, lambda: app.main.jobs)


async def preview_errors(app, pilot, tree) -> None:
    await browse(app, pilot, tree)
    tree.move_cursor(tree._find("service:claims/claims-xconnector"))
    await pilot.press("space")
    tree.move_cursor(tree._find("folder:underwriting-restricted"))
    await pilot.press("space", "p")
    await until(pilot, lambda: isinstance(app.screen, PreviewScreen))


async def details(app, pilot, tree) -> None:
    await until(pilot, lambda: app.main.jobs)
    await app.push_screen(JobDetailsScreen(app.main.jobs[0]))
    await pilot.pause(0.3)


async def event_log(app, pilot, tree) -> None:
    await browse(app, pilot, tree)
    app.main.events.add("started", "export 1f0c2d3e started")
    app.main.events.add("finished", "export 1f0c2d3e closed")
    app.main.events.add("saved", "/home/me/exports/package.zip")
    app.main.events.add("failed", "export 9a8b7c6d failed: folder 'underwriting-restricted' needs group")
    await pilot.press("l")
    await until(pilot, lambda: app.screen is not app.main)


async def promote_plan(app, pilot, tree) -> None:
    """insurance-pricing promoted into profile uat with add_version: new services and added versions."""
    from spark_tui.spark.values import IfPresent

    await until(pilot, lambda: app.main.query_one("ExportForm").ready)
    tree.move_cursor(tree._find("folder:insurance-pricing"))
    await pilot.press("space", "ctrl+o")
    await until(pilot, lambda: isinstance(app.screen, PromoteScreen))
    screen = app.screen
    await until(pilot, lambda: screen.query_one(MappingTable).row_count == 3)
    screen.query_one("#target").value = "uat"
    screen.query_one("#if_present").value = IfPresent.add_version
    await until(pilot, lambda: screen.target is not None)
    await pilot.press("f5")
    await until(pilot, lambda: screen.prepared is not None)
    action = screen.query_one(PlanTable).ordered_columns[0]  # auto widths are computed when the app is idle
    await until(pilot, lambda: action.content_width == len("+ add version"))


def make_uat(workspace: Path) -> None:
    """A second workspace, tenant uat, where insurance-pricing/travel-quote already has version 3.20.1."""
    ws = Workspace(workspace)
    ws.ensure_tenant("uat")
    ws.add_folder("uat", "insurance-pricing")
    sid = ws.add_service("uat", "insurance-pricing", "travel-quote")
    version_id = "5b0e6f3a-2c1d-4e8f-9a7b-6c5d4e3f2a1b"
    ws.add_version("uat", sid, "3.20.1", version_files(ws, "uat", "insurance-pricing", "travel-quote", "3.20.1",
                                                       version_id, payload_bytes=500), version_id=version_id)
    ws.close()


async def help_screen(app, pilot, tree) -> None:
    await pilot.press("f1")
    await until(pilot, lambda: app.screen is not app.main)


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        os.environ["SPARK_TUI_HOME"] = str(home)  # nothing of the run lands in the user's files
        workspace = Path(tmp) / "ws"
        make_uat(Path(tmp) / "uat-ws")
        home.mkdir()
        (home / "config.toml").write_text(
            'default_profile = "demo"\n'
            f'[profiles.demo]\nworkspace = "{workspace}"\ntenant = "{DEMO_TENANT}"\nuser = "me@example.com"\n'
            f'[profiles.uat]\nworkspace = "{Path(tmp) / "uat-ws"}"\ntenant = "uat"\nuser = "release@example.com"\n',
            encoding="utf-8")
        ws = Workspace(workspace)
        ensure_demo(ws, DEMO_TENANT)
        backend = EmbeddedBackend(workspace, DEMO_TENANT, "me@example.com", ("supervisor:pf",), spawn=False)
        from spark_tui.spark.export_wire import ExportInputs, ExportRequest

        job = backend.submit(ExportRequest(inputs=ExportInputs(services=["insurance-pricing/motor-premium[1.2]"]),
                                           correlation_id="release-42"))
        run_job(ws, job.id)
        backend.close()
        ws.close()
        await shoot(workspace, (120, 40), "main-120x40", browse)
        await shoot(workspace, (80, 24), "main-80x24", browse)
        await shoot(workspace, (120, 40), "preview-errors", preview_errors)
        await shoot(workspace, (120, 40), "job-details", details)
        await shoot(workspace, (100, 30), "help", help_screen)
        await shoot(workspace, (100, 24), "event-log", event_log)
        await shoot(workspace, (120, 32), "promote-plan", promote_plan)


if __name__ == "__main__":
    asyncio.run(main())
