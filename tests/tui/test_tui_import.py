"""The Import screen through the real app, by keys only: a package exported from `dev` imported into `uat`
(embedded workspaces named as profiles) — contents and integrity, mapping, plan, the job and its result,
checked against what the core and the target's catalog say."""

from __future__ import annotations

from pathlib import Path

import pytest
from screens_kit import (
    assert_fitted, backend, burst, export_package, given, make_app, rendered, rows, seed_dev, seed_uat, write_config,
)
from textual.widgets import Select
from tui_helpers import form_ready, wait_for

from spark_tui.promotion.package_inspect import inspect_package
from spark_tui.promotion.prepare import plan_package
from spark_tui.spark.values import IfPresent, VersionBump
from spark_tui.spark.import_wire import ImportInputs, ImportRequestEntity, ServiceMapping
from spark_tui.tui.screens.import_package import ImportScreen
from spark_tui.tui.screens.modals import ConfirmModal, ErrorModal
from spark_tui.tui.widgets.import_mapping import ImportMappingTable
from spark_tui.tui.widgets.mapping_table import MappingModal
from spark_tui.tui.widgets.package_tables import ImportResultTable, InspectionTable
from spark_tui.tui.widgets.path_input import complete_path
from spark_tui.tui.widgets.plan_table import PlanTable, plan_cells


@pytest.fixture
def env(tmp_path: Path, spark_tui_home: Path) -> dict[str, Path]:
    """Profiles dev and uat (uat the default), and a package of folder synth-0000 exported from dev."""
    dev, uat, out = tmp_path / "dev-ws", tmp_path / "uat-ws", tmp_path / "out"
    out.mkdir()
    seed_dev(dev)
    seed_uat(uat)
    write_config(spark_tui_home, {"dev": (dev, "dev"), "uat": (uat, "uat")}, "uat")
    return {"dev": dev, "uat": uat, "out": out, "package": export_package(dev, "dev", ["synth-0000"], out)}


def uat_versions(uat: Path, folder: str, service: str) -> dict[str, str]:
    target = backend(uat, "uat", "uat", spawn=False)
    try:
        return {v.version: v.id for v in target.list_versions(folder, service)}
    finally:
        target.close()


async def open_with_package(pilot, package: Path) -> ImportScreen:
    """F7, the path and enter in one burst (as a fast typist): the package is read."""
    app = pilot.app
    await form_ready(pilot)
    burst(app, "f7", *str(package), "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen) and app.screen.package is not None,
                   "the package read")
    return app.screen


async def edit_mapping(pilot, screen: ImportScreen, row: int, folder: str) -> None:
    table = screen.query_one(ImportMappingTable)
    table.move_cursor(row=row)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, MappingModal), "the mapping dialog")
    await pilot.press("ctrl+u", *folder, "enter")
    await wait_for(pilot, lambda: pilot.app.screen is screen, "the dialog closed")


async def test_import_by_keys_from_the_package_to_the_result(env) -> None:
    package = env["package"]
    truth = inspect_package(package)
    app = make_app(env["uat"], "uat", "uat", env["out"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_with_package(pilot, package)
        # the burst went to the path field, nothing ran on the main screen
        assert screen.query_one("#package").value == str(package)
        assert app.main.query_one("JobsTable").row_count == 0
        # F2: contents and integrity, as --inspect
        summary = rendered(screen.query_one("#package-summary"))
        assert truth.sha256 in summary and f"export job {truth.export_job_id}" in summary
        assert "✓ integrity ok: 25 entries and 4 module(s) checked" in summary
        inspection = screen.query_one(InspectionTable)
        assert given(inspection) == [
            [v.service_uri_source, str(v.files), rows_size(v.bytes), v.version_id_source] for v in truth.service_versions]
        assert_fitted(inspection)
        # F3: every service of the package, imported under its own name
        await pilot.press("f3")
        table = screen.query_one(ImportMappingTable)
        assert app.focused is table
        assert rows(table) == [["✓ import", f"synth-0000/service-000{i}", f"synth-0000/service-000{i}", "minor"]
                               for i in range(2)]
        # the plan of the same names: the folder is missing in uat
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.plan is not None, "the plan")
        assert rendered(screen.query_one("#import-verdict")).startswith("✗ REFUSED: 2 problem(s)")
        assert {(e.code, e.ref) for e in screen.plan.errors} == {("FOLDER_NOT_FOUND", "synth-0000")}
        await pilot.press("f6")
        assert not isinstance(app.screen, ConfirmModal)  # a refused plan does not run
        # rename the first into UAT (major), skip the second; plan again
        await pilot.press("f3")
        await edit_mapping(pilot, screen, 0, "UAT")
        await pilot.press("u", "u", "down", "space")
        assert rows(table) == [["✓ import", "synth-0000/service-0000", "UAT/service-0000  (renamed)", "major"],
                               ["· skip", "synth-0000/service-0001", "synth-0000/service-0001", "minor"]]
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.plan is not None, "the second plan")
        request = ImportRequestEntity(
            inputs=ImportInputs(services_modify=[ServiceMapping(
                service_uri_source="synth-0000/service-0000", service_uri_destination="UAT/service-0000",
                update_version_type=VersionBump.major)]),
            services_existing=IfPresent.abort, source_system="spark-tui")
        assert screen.request == request
        expected = plan_package(package, backend(env["uat"], "uat", "uat", spawn=False), request)
        assert rows(screen.query_one(PlanTable)) == [[str(c) for c in plan_cells(s, v)]
                                                    for s in expected.services for v in s.versions]
        assert rendered(screen.query_one("#import-verdict")).startswith(
            "✓ GO: 1 service(s), 2 version(s)")
        # F6 asks; y imports; the job is followed to its result
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the confirmation")
        assert "Import 2 version(s) of dev-package.zip into tenant 'uat'" in app.screen.question
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.job is not None and screen.job.status.is_terminal and not screen.busy,
                       "the import job's end", timeout=30)
        assert screen.job.status.value == "closed"
        ids = uat_versions(env["uat"], "UAT", "service-0000")
        result = screen.query_one(ImportResultTable)  # shown at the job's end: fitted once it has its width
        await wait_for(pilot, lambda: sum(c.width + 2 * result.cell_padding for c in result.ordered_columns)
                       <= result.scrollable_content_region.width, "the result fitted to its width")
        assert given(result) == [
            ["+ added", f"synth-0000/service-0000[{v}]", f"UAT/service-0000[{v}]", ids[v]] for v in ("1.0.0", "1.0.1")]
        assert_fitted(result)
        assert rendered(screen.query_one("#import-verdict")).startswith("✓ IMPORTED: 2 version(s) into tenant 'uat'")
        assert screen.job.id in app.main.events.events[-1].text or any(
            screen.job.id[:8] in e.text for e in app.main.events.events)


def rows_size(size: int) -> str:
    from spark_tui.tui.formatting import human_bytes

    return human_bytes(size)


async def test_a_mapping_file_fills_the_table_and_if_present(env, tmp_path: Path) -> None:
    mapping = tmp_path / "maps.toml"
    mapping.write_text('if_present = "add_version"\nupgrade = "patch"\n[services]\n'
                       '"synth-0000/service-0001" = "UAT/rates"\n', encoding="utf-8")
    app = make_app(env["uat"], "uat", "uat", env["out"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_with_package(pilot, env["package"])
        screen.query_one("#mapping-file").focus()
        burst(app, *str(mapping), "enter")
        await wait_for(pilot, lambda: rows(screen.query_one(ImportMappingTable))[1][0] == "✓ import"
                       and rows(screen.query_one(ImportMappingTable))[0][0] == "· skip", "the mapping file applied")
        assert rows(screen.query_one(ImportMappingTable)) == [
            ["· skip", "synth-0000/service-0000", "synth-0000/service-0000", "patch"],
            ["✓ import", "synth-0000/service-0001", "UAT/rates  (renamed)", "patch"]]
        assert screen.query_one("#import-if-present", Select).value is IfPresent.add_version
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.plan is not None, "the plan")
        # UAT/rates holds 2.0.0: add_version adds both versions after it (patch bumps)
        assert [r[0] for r in rows(screen.query_one(PlanTable))] == ["+ add version"] * 2
        assert [r[2] for r in rows(screen.query_one(PlanTable))] == ["1.0.0 → 2.0.1", "1.0.1 → 2.0.2"]


async def test_a_mapping_file_naming_what_the_package_lacks_is_refused(env, tmp_path: Path) -> None:
    mapping = tmp_path / "bad.toml"
    mapping.write_text('[folders]\n"nope" = "UAT"\n', encoding="utf-8")
    app = make_app(env["uat"], "uat", "uat", env["out"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_with_package(pilot, env["package"])
        screen.query_one("#mapping-file").focus()
        burst(app, *str(mapping), "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), "the error")
        assert "folder 'nope' is not in the selection or package" in app.screen.details
        await pilot.press("escape")
        assert rows(screen.query_one(ImportMappingTable))[0][0] == "✓ import"  # the table is unchanged


async def test_a_missing_package_and_a_changed_path(env, tmp_path: Path) -> None:
    app = make_app(env["uat"], "uat", "uat", env["out"])
    async with app.run_test(size=(80, 24)) as pilot:
        await form_ready(pilot)
        burst(app, "f7", *str(tmp_path / "nope.zip"), "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen)
                       and "Cannot read" in rendered(app.screen.query_one("#package-summary")), "the refusal")
        screen = app.screen
        assert f"{tmp_path / 'nope.zip'} does not exist; give the path of an export ZIP" in rendered(
            screen.query_one("#package-summary"))
        await pilot.press("f5")
        assert screen.plan is None
        # F5 reads the package first, then plans (the path arrives at once, as pasted)
        burst(app, "ctrl+u", *str(env["package"]))
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.plan is not None, "read and planned")
        assert screen.package == env["package"]
        # a changed path forgets the package and the plan
        await pilot.press("x")
        assert screen.package is None and screen.plan is None
        assert rows(screen.query_one(ImportMappingTable)) == []


async def test_the_screen_keeps_its_state_and_a_damaged_package_is_flagged(env, tmp_path: Path) -> None:
    import zipfile

    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(env["package"]) as src, zipfile.ZipFile(broken, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            out.writestr(info, data if not info.filename.endswith(".zip") else data[:-40] + b"\0" * 40)
    app = make_app(env["uat"], "uat", "uat", env["out"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_with_package(pilot, broken)
        summary = rendered(screen.query_one("#package-summary"))
        assert "✗ integrity:" in summary and "the import will refuse it" in summary
        assert screen.inspection.errors == inspect_package(broken).errors
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main, "the main screen")
        await pilot.press("f7")
        assert app.screen is screen and screen.package == broken  # reopened as it was left


def test_path_completion(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "b.zip").write_bytes(b"")
    (tmp_path / "exports" / "a.txt").write_bytes(b"")
    (tmp_path / "maps.toml").write_text("")
    assert complete_path(f"{tmp_path}/ex", (".zip",)) == f"{tmp_path}/exports/"
    assert complete_path(f"{tmp_path}/exports/", (".zip",)) == f"{tmp_path}/exports/b.zip"
    assert complete_path(f"{tmp_path}/exports/a", (".zip",)) is None  # only packages and folders
    assert complete_path(f"{tmp_path}/m", (".toml",)) == f"{tmp_path}/maps.toml"
    assert complete_path(f"{tmp_path}/nowhere/x", (".zip",)) is None


async def test_after_a_profile_switch_the_import_screen_is_for_the_new_profile(env) -> None:
    app = make_app(env["uat"], "uat", "uat", env["out"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_with_package(pilot, env["package"])
        assert screen.backend.info.profile == "uat"
        await pilot.press("escape", "f8")  # F8 from the main screen, not from the import screen
        await wait_for(pilot, lambda: app.screen is not screen and app.screen is not app.main, "environments")
        await pilot.press("escape")
        dev = backend(env["dev"], "dev", "dev")
        app._use_backend(dev, app.config.profile("dev"))
        await pilot.press("f7")
        await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen), "the import screen")
        assert app.screen is not screen and app.screen.backend is dev and app.screen.package is None
        assert not screen.is_attached  # the old one is gone
