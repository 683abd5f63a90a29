"""The Promote screen's saved plans by keys: ctrl+s writes the plan shown, ctrl+l opens it (target, mappings and
options shown) and F6 applies exactly it; a plan whose target moved since is refused, naming what moved."""

from __future__ import annotations

from pathlib import Path

from screens_kit import add_version, rows
from test_tui_promote import edit_row, make_app, open_promote, pick, pick_target, two_profiles  # noqa: F401
from textual.widgets import Input, Select
from tui_helpers import wait_for

from spark_tui.engine.store import Workspace
from spark_tui.promotion import saved_plan
from spark_tui.spark.values import IfPresent
from spark_tui.tui.screens.modals import ConfirmModal, ErrorModal, PromptModal
from spark_tui.tui.screens.promote import PromoteScreen
from spark_tui.tui.widgets.mapping_table import MappingTable
from spark_tui.tui.widgets.plan_table import PlanTable


async def plan_into_uat(pilot) -> PromoteScreen:
    """The README-like promotion: synth-0000 into UAT (service-0001 as UAT/rates), add_version, planned."""
    screen = await open_promote(pilot)
    await pick_target(pilot, screen)
    await edit_row(pilot, screen, 0, "UAT")
    await edit_row(pilot, screen, 1, "UAT", "rates")
    await pick(pilot, screen.query_one("#if_present", Select), "add_version")
    await pilot.press("f5")
    await wait_for(pilot, lambda: screen.prepared is not None, "the plan")
    return screen


async def save(pilot, screen: PromoteScreen, out: Path) -> Path:
    app = pilot.app
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, PromptModal), "the file name")
    path = Path(app.screen.query_one(Input).value)
    assert path == out / "promote-dev-to-uat.plan.json"
    await pilot.press("enter")
    await wait_for(pilot, lambda: path.is_file() and app.screen is screen, "the plan written")
    return path


async def open_saved(pilot, screen: PromoteScreen, path: Path) -> None:
    app = pilot.app
    await pilot.press("ctrl+l")
    await wait_for(pilot, lambda: isinstance(app.screen, PromptModal), "the plan file")
    # the prompt starts in the Save to directory, where ctrl+s wrote the plan: its name completes the path
    assert app.screen.query_one(Input).value == f"{path.parent}/"
    await pilot.press("end", *path.name, "enter")


async def test_save_then_open_and_apply_exactly_that_plan(two_profiles, tmp_path: Path) -> None:
    dev, uat = two_profiles
    out = tmp_path / "out"
    out.mkdir()
    app = make_app(dev, out)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await plan_into_uat(pilot)
        planned = rows(screen.query_one(PlanTable))
        path = await save(pilot, screen, out)
        saved = saved_plan.load(path)
        assert saved.plan == screen.prepared.plan
        assert [(m.service_uri_source, m.destination) for m in saved.request.mappings] == [
            ("synth-0000/service-0000", "UAT/service-0000"), ("synth-0000/service-0001", "UAT/rates")]
        # the Promote screen (kept for the session with this selection) opens it: the same target, mappings,
        # If present and plan
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main, "the main screen")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, PromoteScreen), "the Promote screen")
        fresh = app.screen
        fresh.prepared = None  # what follows must come from the plan file
        await open_saved(pilot, fresh, path)
        await wait_for(pilot, lambda: fresh.prepared is not None, "the plan opened")
        assert fresh.query_one("#target", Select).value == "uat" and fresh.target.info.profile == "uat"
        assert fresh.query_one("#if_present", Select).value is IfPresent.add_version
        assert [r[:2] for r in rows(fresh.query_one(MappingTable))] == [
            ["synth-0000/service-0000", "UAT/service-0000  (renamed)"], ["synth-0000/service-0001", "UAT/rates  (renamed)"]]
        assert rows(fresh.query_one(PlanTable)) == planned
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: fresh.outcome is not None, "the promotion", timeout=30)
        receipt = fresh.outcome.receipt
        assert receipt.outcome == "promoted"
        assert sorted(v.version_id_source for v in receipt.service_versions) == sorted(
            v.version_id_source for v in saved.request.resolved)


async def test_a_plan_whose_target_moved_is_refused_naming_it(two_profiles, tmp_path: Path) -> None:
    dev, uat = two_profiles
    out = tmp_path / "out"
    out.mkdir()
    app = make_app(dev, out)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await plan_into_uat(pilot)
        path = await save(pilot, screen, out)
        ws = Workspace(uat)
        add_version(ws, "uat", "UAT/rates", "2.1.0", "moved")
        ws.close()
        await open_saved(pilot, screen, path)
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), "the refusal")
        assert "target: UAT/rates changed since the plan: new version(s) 2.1.0" in app.screen.details
        await pilot.press("escape")
        assert screen.prepared is not None and screen.prepared.plan == saved_plan.load(path).plan  # left as it was
