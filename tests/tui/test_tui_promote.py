"""The Promote screen through the real app: embedded → embedded between two workspaces (profiles dev and uat)
of a temporary config — mapping edits, the plan table, both jobs, the receipt, and the failure and stop paths."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Input, Select
from screens_kit import assert_fitted, given
from tui_helpers import form_ready, wait_for

from spark_tui.backends.embedded import EmbeddedBackend
from spark_tui.config import load_config
from spark_tui.engine.artifacts import version_files
from spark_tui.engine.store import Workspace
from spark_tui.engine.synth import generate
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
from spark_tui.tui.app import SparkApp
from spark_tui.tui.screens.modals import ConfirmModal, ErrorModal
from spark_tui.tui.screens.promote import PromoteScreen
from spark_tui.tui.widgets.catalog import CatalogTree
from spark_tui.tui.widgets.jobs_table import JobsTable
from spark_tui.tui.widgets.mapping_table import MappingModal, MappingTable
from spark_tui.tui.widgets.plan_table import PlanTable
from spark_tui.tui.widgets.promotion_run import PromotionJobs, ReceiptTable

GROUPS = ("supervisor:pf",)
RATES_ID = "3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"


@pytest.fixture
def two_profiles(tmp_path: Path, spark_tui_home: Path) -> tuple[Path, Path]:
    """`dev` (synth-0000 with service-0000/0001, versions 1.0.0 and 1.0.1) and `uat` (UAT/rates 2.0.0) in two
    workspaces, named as profiles in the config of this test's SPARK_TUI_HOME."""
    dev, uat = tmp_path / "dev-ws", tmp_path / "uat-ws"
    ws = Workspace(dev)
    generate(ws, "dev", folders=1, services=2, versions=2, payload_bytes=4000)
    ws.close()
    ws = Workspace(uat)
    ws.ensure_tenant("uat")
    ws.add_folder("uat", "UAT")
    sid = ws.add_service("uat", "UAT", "rates")
    ws.add_version("uat", sid, "2.0.0", version_files(ws, "uat", "UAT", "rates", "2.0.0", RATES_ID, payload_bytes=500),
                   version_id=RATES_ID)
    ws.close()
    (spark_tui_home / "config.toml").write_text(
        'default_profile = "dev"\n'
        f'[profiles.dev]\nworkspace = "{dev}"\ntenant = "dev"\nuser = "dev@example.com"\n'
        f'[profiles.uat]\nworkspace = "{uat}"\ntenant = "uat"\nuser = "uat@example.com"\n', encoding="utf-8")
    return dev, uat


def make_app(dev: Path, out: Path, *, spawn: bool = True) -> SparkApp:
    config = load_config()
    backend = EmbeddedBackend(dev, "dev", "dev@example.com", GROUPS, profile="dev", spawn=spawn)
    return SparkApp(backend, config, config.profile("dev"), dest_dir=out)


async def open_promote(pilot) -> PromoteScreen:
    """Mark folder synth-0000 in the catalog and press ctrl+o."""
    app = pilot.app
    tree = app.main.query_one(CatalogTree)
    await wait_for(pilot, lambda: tree._find("folder:synth-0000") is not None, "the catalog")
    await form_ready(pilot)
    tree.focus()
    tree.move_cursor(tree._find("folder:synth-0000"))
    await pilot.press("space", "ctrl+o")
    await wait_for(pilot, lambda: isinstance(app.screen, PromoteScreen), "the promote screen")
    screen = app.screen
    await wait_for(pilot, lambda: screen.query_one(MappingTable).row_count == 2, "the mapping table")
    return screen


async def pick(pilot, select: Select, label_start: str) -> None:
    """Choose an option of a Select with the keyboard: enter opens it, down moves, enter picks."""
    select.focus()
    await pilot.press("enter")
    for _ in range(len(select._options) + 1):
        overlay = select.query_one("SelectOverlay")
        if str(overlay.highlighted_option.prompt).startswith(label_start):
            break
        await pilot.press("down")
    await pilot.press("enter")
    await pilot.pause()


async def pick_target(pilot, screen: PromoteScreen, name: str = "uat") -> None:
    await pick(pilot, screen.query_one("#target", Select), name)
    await wait_for(pilot, lambda: screen.target is not None, f"profile {name} opened")


async def edit_row(pilot, screen: PromoteScreen, row: int, folder: str, service: str | None = None) -> None:
    table = screen.query_one(MappingTable)
    table.focus()
    table.move_cursor(row=row)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, MappingModal), "the mapping dialog")
    modal = pilot.app.screen
    modal.query_one("#map-folder", Input).value = ""
    await pilot.press(*folder)
    if service is not None:
        modal.query_one("#map-service", Input).value = service
    await pilot.press("enter")
    await wait_for(pilot, lambda: pilot.app.screen is screen, "the dialog closed")


async def planned_into_uat(pilot) -> PromoteScreen:
    """The Promote screen with target uat, both services mapped into folder UAT (the second renamed), planned."""
    screen = await open_promote(pilot)
    await pick_target(pilot, screen)
    await edit_row(pilot, screen, 0, "UAT")
    await edit_row(pilot, screen, 1, "UAT", "other")
    await pilot.press("f5")
    await wait_for(pilot, lambda: screen.prepared is not None, "the plan")
    return screen


def cells(table, row: int) -> list[str]:
    return [str(c) for c in table.get_row_at(row)]


def rendered(static) -> str:
    """What a Static shows, as plain text."""
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(static.content)
    return console.export_text()


def uat_versions(uat: Path, folder: str, service: str) -> dict[str, str]:
    backend = EmbeddedBackend(uat, "uat", "uat@example.com", GROUPS, spawn=False)
    try:
        return {v.version: v.id for v in backend.list_versions(folder, service)}
    finally:
        backend.close()


async def test_promote_screen_through_to_the_receipt(two_profiles, tmp_path: Path) -> None:
    dev, uat = two_profiles
    out = tmp_path / "out"
    out.mkdir()
    app = make_app(dev, out)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_promote(pilot)
        await pick_target(pilot, screen)
        # every service mapped to the same name first; then renamed row by row
        table = screen.query_one(MappingTable)
        assert [cells(table, i)[:2] for i in range(2)] == [["synth-0000/service-0000"] * 2,
                                                            ["synth-0000/service-0001"] * 2]
        await edit_row(pilot, screen, 0, "UAT")
        await edit_row(pilot, screen, 1, "UAT", "rates")
        await pilot.press("u", "u")  # minor → patch → major
        assert cells(table, 1) == ["synth-0000/service-0001", "UAT/rates  (renamed)", "major"]
        await pick(pilot, screen.query_one("#if_present", Select), "add_version")

        await pilot.press("f5")
        plan_table = screen.query_one(PlanTable)
        await wait_for(pilot, lambda: screen.prepared is not None, "the plan")
        assert [[str(c) for c in row[:4]] for row in plan_table.cells.values()] == [  # as given, before fitting
            ["+ new", "synth-0000/service-0000", "1.0.0", "UAT/service-0000"],
            ["+ new", "synth-0000/service-0000", "1.0.1", "UAT/service-0000"],
            ["+ add version", "synth-0000/service-0001", "1.0.0 → 3.0.0", "UAT/rates"],
            ["+ add version", "synth-0000/service-0001", "1.0.1 → 4.0.0", "UAT/rates"],
        ]
        assert str(screen.query_one("#plan-verdict").content).startswith("✓ GO: 2 service(s), 4 version(s)")
        assert list(out.iterdir()) == []  # the plan wrote nothing

        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.outcome is not None, "the promotion", timeout=30)

        receipt = screen.outcome.receipt
        assert receipt.outcome == "promoted" and receipt.deviations == []
        data = json.loads(screen.outcome.receipt_path.read_text(encoding="utf-8"))
        assert screen.outcome.receipt_path.parent == out and data["import_job_id"] == receipt.import_job_id
        jobs = screen.query_one(PromotionJobs)
        assert [cells(jobs, i)[:4] for i in range(2)] == [
            ["export", "dev · dev", receipt.export_job_id[:8], "closed"],
            ["import", "uat · uat", receipt.import_job_id[:8], "closed"],
        ]
        receipt_table = screen.query_one(ReceiptTable)
        assert_fitted(receipt_table)
        assert [row[:3] for row in given(receipt_table)] == [
            ["synth-0000/service-0000[1.0.0]", "UAT/service-0000[1.0.0]", "added"],
            ["synth-0000/service-0000[1.0.1]", "UAT/service-0000[1.0.1]", "added"],
            ["synth-0000/service-0001[1.0.0]", "UAT/rates[3.0.0]", "added"],
            ["synth-0000/service-0001[1.0.1]", "UAT/rates[4.0.0]", "added"],
        ]
        assert "receipt " + str(screen.outcome.receipt_path) in str(screen.query_one("#receipt-summary").content)
        logged = [(e.kind, e.text) for e in app.main.events.events]
        steps = [text.split(": ", 1)[1].split(" — ")[0] for kind, text in logged if kind == "promotion"]
        assert {"download", "verify", "import"} <= set(steps)
        assert ("promoted", "promotion to 'uat' done: 4 version(s) into tenant 'uat'") in logged
        assert ("saved", f"receipt {screen.outcome.receipt_path}") in logged
        assert ("saved", f"package {receipt.package.path}") in logged

        # the tabs and leaving
        for key in ("f2", "f3", "f4"):
            await pilot.press(key)
        screen.query_one(PlanTable).focus()
        for key in ("1", "2", "3"):
            await pilot.press(key)
        assert screen.query_one("#promote-body").current == "run"
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main, "back on the main screen")
        # the main jobs table lists the import too (it ran in profile uat, which its refresh does not list)
        await pilot.resize_terminal(120, 40)
        main_jobs = app.main.query_one(JobsTable)
        await wait_for(pilot, lambda: "kind" in main_jobs.columns, "the Kind column at 120 columns")
        await wait_for(pilot, lambda: receipt.import_job_id in main_jobs.jobs, "the import row in the main table")
        row = dict(zip(main_jobs.columns, main_jobs.get_row(receipt.import_job_id)))
        assert (row["id"], row["kind"], str(row["status"])) == (receipt.import_job_id[:8], "import", "✓ closed")
        # the export, from the source profile's own listing (the next jobs refresh)
        await wait_for(pilot, lambda: receipt.export_job_id in main_jobs.jobs, "the export row in the main table")

    rates = uat_versions(uat, "UAT", "rates")
    assert set(rates) == {"2.0.0", "3.0.0", "4.0.0"}
    assert set(uat_versions(uat, "UAT", "service-0000")) == {"1.0.0", "1.0.1"}
    ids = {v.service_uri_destination: v.version_id_destination for v in receipt.service_versions}
    assert ids["UAT/rates[3.0.0]"] == rates["3.0.0"]


async def test_at_80x24_the_mapping_and_plan_tables_cut_with_an_ellipsis(two_profiles, tmp_path: Path) -> None:
    dev, _ = two_profiles
    app = make_app(dev, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_promote(pilot)
        await pick_target(pilot, screen)
        long_folder, long_service = "Quarterly-Pricing-Models-For-Review", "volume-cylinder-calculator"
        await edit_row(pilot, screen, 0, long_folder, long_service)
        table = screen.query_one(MappingTable)
        await pilot.pause()
        labels = assert_fitted(table)
        assert labels == ["Source service", "Destination (folder/service)", "Upgrade"]  # no "Destina", no "Upgra"
        shown = str(table.get_row("synth-0000/service-0000")[1])
        assert shown.startswith("Quarterly") and shown.endswith("  (renamed)") and "…" in shown

        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.prepared is not None, "the plan")
        plan_table = screen.query_one(PlanTable)
        await pilot.press("f3")
        await pilot.pause()
        assert assert_fitted(plan_table)[3] == "Destination"
        destination = str(plan_table.get_row_at(0)[3])
        assert "…" in destination and destination.startswith("Quar") and destination.endswith(long_service[-8:])


async def test_a_refusing_plan_runs_nothing(two_profiles, tmp_path: Path) -> None:
    dev, uat = two_profiles
    app = make_app(dev, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_promote(pilot)
        await pilot.press("f5", "f6")  # no target yet: both say what to do first
        await pick_target(pilot, screen)
        await edit_row(pilot, screen, 1, "UAT", "rates")  # exists, and if_present is abort
        await edit_row(pilot, screen, 0, "Nowhere")  # no such folder in uat
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.prepared is not None, "the plan")
        table = screen.query_one(PlanTable)
        assert {cells(table, i)[0] for i in range(table.row_count)} == {"x refused"}
        assert str(screen.query_one("#plan-verdict").content).startswith("✗ REFUSED: 2 problem(s)")
        errors = rendered(screen.query_one("#plan-errors-text"))
        assert "SERVICE_EXISTS" in errors and "FOLDER_NOT_FOUND" in errors
        await pilot.press("f6")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal) and screen.cancel is None
        # a change of the inputs makes the plan stale: F6 asks for a new plan
        screen.query_one(MappingTable).focus()
        await pilot.press("u")
        assert screen.prepared is None
    assert uat_versions(uat, "UAT", "rates") == {"2.0.0": RATES_ID}


async def test_a_failed_import_shows_its_receipt_and_leaves_the_target_unchanged(two_profiles, tmp_path: Path) -> None:
    dev, uat = two_profiles
    app = make_app(dev, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await planned_into_uat(pilot)
        assert screen.prepared.plan.go
        ws = Workspace(uat)  # someone creates a destination service after the plan: the import refuses
        ws.add_service("uat", "UAT", "service-0000")
        ws.close()
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.query_one(PromotionJobs).row_count and screen.cancel is None,
                       "the promotion to end", timeout=30)
        summary = str(screen.query_one("#receipt-summary").content)
        assert summary.startswith("✗ FAILED") and "stopped at step 'import'" in summary
        assert "'UAT/service-0000' already exists" in summary and "The target was not changed." in summary
        assert "✗ import" in str(screen.query_one("#run-steps").content)
        receipt = json.loads(next(tmp_path.glob("*.receipt.json")).read_text(encoding="utf-8"))
        assert (receipt["outcome"], receipt["failed_step"]) == ("failed", "import")
    assert uat_versions(uat, "UAT", "rates") == {"2.0.0": RATES_ID}
    assert uat_versions(uat, "UAT", "service-0000") == {}


async def test_a_bug_in_the_promotion_opens_the_error_modal_and_frees_the_screen(
        two_profiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from spark_tui.tui.screens import promote

    def bug(*args, **kwargs):
        raise RuntimeError("boom: a bug")

    dev, uat = two_profiles
    app = make_app(dev, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await planned_into_uat(pilot)
        monkeypatch.setattr(promote.core, "run", bug)
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), "the bug's dialog")
        assert app.screen.title_text == "Unexpected error in 'promote'"
        await wait_for(pilot, lambda: screen.cancel is None, "the screen freed")
        assert not screen.query_one("#target").disabled and not screen.query_one(MappingTable).disabled
        assert rendered(screen.query_one("#receipt-summary")).startswith("✗ The promotion stopped: boom: a bug")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "the dialog closed")  # one dialog, not two
    assert uat_versions(uat, "UAT", "rates") == {"2.0.0": RATES_ID}


async def test_mapping_dialog_refuses_a_bad_name_and_escape_cancels(two_profiles, tmp_path: Path) -> None:
    dev, _ = two_profiles
    app = make_app(dev, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_promote(pilot)
        table = screen.query_one(MappingTable)
        table.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MappingModal), "the mapping dialog")
        app.screen.query_one("#map-service", Input).value = "a/b"
        await pilot.press("enter")
        assert isinstance(app.screen, MappingModal)
        assert "invalid service name 'a/b'" in str(app.screen.query_one("#map-error").content)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "the dialog closed")
        assert cells(table, 0)[1] == "synth-0000/service-0000"


async def test_a_burst_opens_the_mapping_dialog_and_fills_both_fields(two_profiles, tmp_path: Path) -> None:
    """enter, the folder, Tab, the service, enter — sent at once: the dialog opens before the keys reach it and
    each name lands in its own field."""
    from test_tui_keys_burst import burst

    dev, _ = two_profiles
    app = make_app(dev, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_promote(pilot)
        table = screen.query_one(MappingTable)
        table.focus()
        table.move_cursor(row=0)
        await pilot.pause()
        burst(app, ["enter", *"Fold", "tab", *"svc", "enter"])
        await wait_for(pilot, lambda: app.screen is screen and cells(table, 0)[1].startswith("Fold/svc "),
                       f"the row mapped to Fold/svc (got {cells(table, 0)[1]!r})", timeout=5)


async def test_esc_and_ctrl_o_bring_the_promote_screen_back_as_it_was(two_profiles, tmp_path: Path) -> None:
    dev, _ = two_profiles
    app = make_app(dev, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_promote(pilot)
        await pick_target(pilot, screen)
        await edit_row(pilot, screen, 0, "Kept")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main, "back on the main screen")
        app.main.query_one(CatalogTree).focus()
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, PromoteScreen), "the promote screen again")
        assert app.screen is screen and screen.target_name == "uat"
        assert cells(screen.query_one(MappingTable), 0)[1].startswith("Kept/service-0000")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main, "back on the main screen")
        tree = app.main.query_one(CatalogTree)
        tree.focus()
        await pilot.press("x")  # another selection: a new Promote screen
        app.main.query_one("#identifiers", Input).value = "synth-0000/service-0001"
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, PromoteScreen) and app.screen is not screen,
                       "a new promote screen")


async def test_stopping_a_running_promotion_cancels_the_export(two_profiles, tmp_path: Path) -> None:
    dev, uat = two_profiles
    app = make_app(dev, tmp_path, spawn=False)  # no worker process: the export job waits until cancelled
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_promote(pilot)
        await pick_target(pilot, screen)
        screen.query_one("#create_folders").focus()
        await pilot.press("space")  # synth-0000 does not exist in uat
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.prepared is not None, "the plan")
        assert screen.prepared.plan.go and screen.prepared.plan.folders_to_create == ["synth-0000"]
        dest = screen.query_one("#promote-dest", Input)
        dest.value = str(tmp_path / "missing")
        await pilot.press("f6")  # refused before asking: the directory does not exist
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal) and dest.has_focus and screen.cancel is None
        dest.value = str(tmp_path)
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the confirmation")
        await pilot.press("y")
        jobs = screen.query_one(PromotionJobs)
        await wait_for(pilot, lambda: jobs.row_count and cells(jobs, 0)[2] != "—", "the export job")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the stop question")
        await pilot.press("n")  # keep going
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the stop question")
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.cancel is None, "the promotion stopped")
        assert "✗ export" in str(screen.query_one("#run-steps").content)
        assert cells(jobs, 0)[3] == "cancelled"
        summary = str(screen.query_one("#receipt-summary").content)
        assert "stopped at step 'export': cancelled" in summary and "The target was not changed." in summary
        assert app.backend.list_jobs()[0].status.value == "cancelled"
    assert uat_versions(uat, "UAT", "rates") == {"2.0.0": RATES_ID}


async def test_quit_while_a_promotion_runs_says_so_and_stops_it(two_profiles, tmp_path: Path) -> None:
    dev, uat = two_profiles
    app = make_app(dev, tmp_path, spawn=False)  # no worker process: the export job waits until cancelled
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_promote(pilot)
        await pick_target(pilot, screen)
        screen.query_one("#create_folders").focus()
        await pilot.press("space", "f5")
        await wait_for(pilot, lambda: screen.prepared is not None, "the plan")
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.export_job_id is not None, "the export job")
        await wait_for(pilot, lambda: app.main.running_jobs() == 1, "the export in the main jobs table")
        cancel = screen.cancel
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the quit question")
        question = app.screen.question
        assert "A promotion into profile 'uat' is at step 'export': it stops, a running export job is cancelled" \
            in question
        assert "export job(s) are running" not in question  # the promotion's export is not counted twice
        await pilot.press("n")
        assert app.is_running and not cancel.is_set()
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the quit question again")
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running, "the app to end")
    assert cancel.is_set() and app.return_value == 0
    assert uat_versions(uat, "UAT", "rates") == {"2.0.0": RATES_ID}


async def test_a_running_import_is_in_the_main_jobs_table_and_quitting_says_it_goes_on(
        two_profiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from spark_tui.backends import factory

    dev, uat = two_profiles
    target = EmbeddedBackend(uat, "uat", "uat@example.com", GROUPS, profile="uat", spawn=False)  # the import waits
    monkeypatch.setattr(factory, "open_backend", lambda profile, **kwargs: target)
    app = make_app(dev, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_promote(pilot)
        await pick_target(pilot, screen)
        screen.query_one("#create_folders").focus()
        await pilot.press("space", "f5")
        await wait_for(pilot, lambda: screen.prepared is not None, "the plan")
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.main.promoted, "the import job", timeout=30)
        (import_id, job), = app.main.promoted.items()
        assert not job.status.is_terminal and screen.step.value == "import"
        main_jobs = app.main.query_one(JobsTable)
        await wait_for(pilot, lambda: import_id in main_jobs.jobs, "the import row in the main table")
        row = dict(zip(main_jobs.columns, main_jobs.get_row(import_id)))
        assert row["kind"] == "import"
        # the import row comes with the promotion's update, the export's end with the next jobs refresh
        await wait_for(pilot, lambda: not app.main.running_jobs(), "the export closed in the main listing")
        assert not app.main.promoted[import_id].status.is_terminal  # counted 0 while the import runs: not an export
        cancel = screen.cancel
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the quit question")
        assert app.screen.question.startswith("A promotion into profile 'uat' is importing: the import job goes on "
                                              "in the target (Spark cannot cancel an import)")
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running, "the app to end")
    assert cancel.is_set()
    assert target.import_status(import_id).status.value == "created"  # left to the target, as the question said
    target.close()


async def test_promote_from_the_command_palette(two_profiles, tmp_path: Path) -> None:
    dev, _ = two_profiles
    app = make_app(dev, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        tree = app.main.query_one(CatalogTree)
        await wait_for(pilot, lambda: tree._find("folder:synth-0000") is not None, "the catalog")
        await form_ready(pilot)
        tree.move_cursor(tree._find("folder:synth-0000"))
        await pilot.press("space", "ctrl+p")
        await pilot.press(*"promote")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PromoteScreen), "the promote screen")
        options = app.screen.query_one("#target", Select)._options
        assert [value for _, value in options if value is not Select.NULL] == ["demo", "uat"]
        await pilot.press("f1")  # help lists the screen's keys
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen", "help")
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: app.screen is app.main, "back on the main screen")


# --- snapshots: the plan at 80×24 and 120×40, on the fake backend's fixed data -------------------------------


@pytest.fixture
def fake_target(spark_tui_home: Path, monkeypatch: pytest.MonkeyPatch):
    """Profile `uat` of the config opens a second fake backend (tenant uat) with the same fixed catalog."""
    from fake_backend import FakeBackend

    from spark_tui.backends import factory
    from spark_tui.backends.base import BackendInfo

    (spark_tui_home / "config.toml").write_text('[profiles.uat]\nworkspace = "/tmp/uat"\ntenant = "uat"\n', encoding="utf-8")
    target = FakeBackend()
    target.info = BackendInfo(profile="uat", kind="embedded", location="/tmp/uat", tenant="uat", user="uat@example.com")
    monkeypatch.setattr(factory, "open_backend", lambda profile, **kwargs: target)
    return target


@pytest.mark.parametrize("size", [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")])
def test_plan_snapshot(snap_compare, fake_target, size) -> None:
    from fake_backend import FakeBackend

    from spark_tui.spark.values import IfPresent

    async def run_before(pilot) -> None:
        app = pilot.app
        request = ExportRequest(inputs=ExportInputs(services=["Pricing/volume-cylinder"]))
        await app.push_screen(PromoteScreen(app.backend, request, Path("/tmp")))
        screen = app.screen
        await wait_for(pilot, lambda: screen.query_one(MappingTable).row_count == 1, "the mapping table")
        screen.query_one("#target", Select).value = "uat"
        screen.query_one("#if_present", Select).value = IfPresent.add_version
        await wait_for(pilot, lambda: screen.target is fake_target, "the target")
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.prepared is not None, "the plan")
        table = screen.query_one(PlanTable)
        await wait_for(pilot, lambda: [c.width for c in table.ordered_columns] == table.widths, "the plan table's widths")
        await app.workers.wait_for_complete()
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(SparkApp(FakeBackend(), load_config(), dest_dir=Path("/tmp")), run_before=run_before,
                        terminal_size=size)


async def test_the_mapping_dialog_shows_its_own_keys_and_enter_after_the_upgrade_select_accepts(
        two_profiles, tmp_path: Path) -> None:
    """Sent at once: enter (the dialog), tab tab (to Upgrade), down (opens it), down enter (picks the next
    type: patch), enter: the dialog accepts, rather than opening the list again."""
    from test_tui_keys_burst import burst
    from textual.widgets import Footer

    dev, _ = two_profiles
    app = make_app(dev, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_promote(pilot)
        table = screen.query_one(MappingTable)
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MappingModal), "the mapping dialog")
        modal = app.screen
        await pilot.pause()
        footer = modal.query_one(Footer)  # its own: F5 Plan / F6 Promote / esc Back of the screen below are not offered
        app_keys = [("ctrl+q", "Quit"), ("f1", "Help")]
        assert [(key.key, key.description) for key in footer.query("FooterKey")] == [*app_keys, ("escape", "Cancel")]
        modal.query_one("#map-upgrade").focus()
        await wait_for(pilot, lambda: [(key.key, key.description) for key in footer.query("FooterKey")]
                       == [*app_keys, ("escape", "Cancel"), ("enter", "OK")], "OK in the footer on the Upgrade select")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "the dialog closed")

        assert cells(table, 0)[2] == "minor"
        burst(app, ["enter", "tab", "tab", "down", "down", "enter", "enter"])
        await wait_for(pilot, lambda: app.screen is screen and cells(table, 0)[2] == "patch",
                       f"the dialog accepted with upgrade patch (got {cells(table, 0)[2]!r} on {app.screen})", timeout=5)


async def test_the_create_folders_mark_is_blank_when_off(two_profiles, tmp_path: Path) -> None:
    dev, _ = two_profiles
    app = make_app(dev, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_promote(pilot)
        checkbox = screen.query_one("#create_folders")
        assert checkbox.render().plain == "▐ ▌ Create missing folders: no "
        checkbox.focus()
        await pilot.press("space")
        assert checkbox.render().plain == "▐X▌ Create missing folders: yes "
