"""The Environments screen through the real app, by keys only: dev, uat and prod tenants of one workspace
(screens_kit.seed_environments) — the matrix against the core's comparison, differences only, a service's
versions, picking targets, and promoting the marked services' difference from the matrix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from screens_kit import backend, burst, make_app, rendered, rows, seed_environments, write_config
from textual.app import App
from textual.widgets import Select
from tui_helpers import form_ready, screen_lines, wait_for

from spark_tui.promotion.compare import compare, drift_version_ids, matrix
from spark_tui.promotion.mappings import read_mapping_file
from spark_tui.tui.screens.environments import (
    EnvironmentsScreen, MatrixTable, PickTargetModal, ServiceVersionsModal, TargetsModal,
)
from spark_tui.tui.screens.promote import PromoteScreen
from spark_tui.tui.widgets.mapping_table import MappingTable


@pytest.fixture
def ws(tmp_path: Path, spark_tui_home: Path) -> Path:
    root = tmp_path / "ws"
    seed_environments(root)
    write_config(spark_tui_home, {name: (root, name) for name in ("dev", "prod", "uat")}, "dev")
    return root


def expected_matrix(ws: Path, targets: list[str], mapping_file: Path | None = None) -> list[list[str]]:
    """What the matrix must show: the core's comparison of the same profiles, as cells."""
    source, others = backend(ws, "dev", "dev", spawn=False), [backend(ws, t, t, spawn=False) for t in targets]
    maps = read_mapping_file(mapping_file).mappings if mapping_file else ()
    try:
        comparison = compare(source, others, mappings=maps)
    finally:
        for b in (source, *others):
            b.close()
    return [["", r.service, r.latest_source or "—",
             *[f"{c.mark} {c.latest or '—'}" if c is not None else "·" for c in r.cells]] for r in matrix(comparison)]


async def open_environments(pilot) -> EnvironmentsScreen:
    app = pilot.app
    await form_ready(pilot)
    await pilot.press("f8")
    await wait_for(pilot, lambda: isinstance(app.screen, EnvironmentsScreen) and app.screen.comparison is not None
                   and not app.screen.busy, "the comparison")
    return app.screen


async def test_matrix_filter_versions_targets_and_promote_from_the_matrix(ws) -> None:
    app = make_app(ws, "dev", "dev", ws.parent)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_environments(pilot)
        table = screen.query_one(MatrixTable)
        assert app.focused is table
        # every other profile of the config is a target at first (but the built-in demo profile)
        assert [t.target.profile for t in screen.comparison.targets] == ["prod", "uat"]
        # t: keep uat only (prod unticked), enter compares again
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TargetsModal), "the targets dialog")
        await pilot.press("down", "space", "enter")
        await wait_for(pilot, lambda: app.screen is screen and not screen.busy
                       and [t.target.profile for t in screen.comparison.targets] == ["uat"], "uat compared")
        assert rows(table) == expected_matrix(ws, ["uat"])
        assert rows(table) == [["", "claims/fraud", "1.1.0", "− 1.0.0"], ["", "claims/triage", "1.0.0", "≠ 1.0.0"],
                               ["", "pricing/base", "1.0.0", "= 1.0.0"], ["", "claims/legacy", "—", "+ 0.1.0"]]
        assert "dev → uat: 1 =  1 ≠  1 −  1 +" in rendered(screen.query_one("#env-status"))
        # d: differences only
        await pilot.press("d")
        assert [r[1] for r in rows(table)] == ["claims/fraud", "claims/triage", "claims/legacy"]
        # enter: the versions of claims/fraud side by side
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ServiceVersionsModal), "the versions")
        versions = app.screen.query_one("#versions-table")
        assert rows(versions) == [["uat", "1.0.0", "1.0.0", "= same", "fingerprint"],
                                  ["uat", "1.1.0", "—", "− missing", "fingerprint"]]
        await pilot.press("escape")
        # mark fraud and triage (space moves on), ctrl+o: the Promote screen with their difference, into uat
        await pilot.press("space", "space", "ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, PromoteScreen), "the promote screen")
        promote = app.screen
        assert promote.source is screen.source_backend and promote.source.info.profile == "dev"
        uat = screen.comparison.targets[0]
        assert sorted(promote.request.inputs.version_ids) == sorted(drift_version_ids(uat))
        assert len(promote.request.inputs.version_ids) == 2  # fraud 1.1.0 (missing) and triage 1.0.0 (differs)
        assert promote.query_one("#target", Select).value == "uat"
        await wait_for(pilot, lambda: promote.target is not None, "the target opened")
        await wait_for(pilot, lambda: promote.query_one(MappingTable).row_count == 2, "the mapping table")
        assert [r[:2] for r in rows(promote.query_one(MappingTable))] == [["claims/fraud", "claims/fraud"],
                                                                        ["claims/triage", "claims/triage"]]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "back on the matrix")


async def test_a_mapping_file_pairs_renamed_services_and_goes_to_the_promote_screen(ws, tmp_path: Path) -> None:
    mapping = tmp_path / "maps.toml"
    mapping.write_text('[services]\n"claims/triage" = "claims/legacy"\n', encoding="utf-8")
    app = make_app(ws, "dev", "dev", ws.parent)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_environments(pilot)
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TargetsModal), "the targets dialog")
        await pilot.press("down", "space", "enter")
        await wait_for(pilot, lambda: app.screen is screen and not screen.busy, "uat compared")
        # the mapping file's path and enter in one burst: compared again with the mapping
        screen.query_one("#env-mapping-file").focus()
        burst(app, *str(mapping), "enter")
        await wait_for(pilot, lambda: screen.mappings is not None and screen.mappings.mappings and not screen.busy,
                       "compared with the mapping")
        table = screen.query_one(MatrixTable)
        assert rows(table) == expected_matrix(ws, ["uat"], mapping)
        triage = [r for r in rows(table) if r[1] == "claims/triage" and r[2] != "—"]
        assert triage == [["", "claims/triage", "1.0.0", "≠ 0.1.0"]]  # paired with claims/legacy, whose 1.0.0 it lacks
        table.focus()
        table.move_cursor(row=[r[1] for r in rows(table)].index("claims/triage"))
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, PromoteScreen), "the promote screen")
        promote = app.screen
        await wait_for(pilot, lambda: promote.query_one(MappingTable).row_count == 1, "the mapping table")
        assert rows(promote.query_one(MappingTable)) == [["claims/triage", "claims/legacy  (renamed)", "minor"]]


async def test_promoting_into_one_of_several_targets_asks_which(ws) -> None:
    app = make_app(ws, "dev", "dev", ws.parent)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_environments(pilot)
        await pilot.press("space", "ctrl+o")  # claims/fraud, two targets
        await wait_for(pilot, lambda: isinstance(app.screen, PickTargetModal), "which target")
        await pilot.press("enter")  # prod (the first) holds every version of claims/fraud: nothing to promote
        await wait_for(pilot, lambda: app.screen is screen, "back")
        assert not isinstance(app.screen, PromoteScreen)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, PickTargetModal), "which target")
        await pilot.press("down", "enter")  # uat lacks 1.1.0
        await wait_for(pilot, lambda: isinstance(app.screen, PromoteScreen), "the promote screen")
        assert app.screen.query_one("#target", Select).value == "uat"


async def test_a_scope_that_names_what_the_source_lacks_is_refused(ws) -> None:
    app = make_app(ws, "dev", "dev", ws.parent)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_environments(pilot)
        screen.query_one("#env-scope").focus()
        burst(app, *"nowhere", "enter")
        await wait_for(pilot, lambda: "Cannot compare" in rendered(screen.query_one("#env-status")), "the refusal")
        assert "nowhere" in rendered(screen.query_one("#env-status"))


async def test_keys_right_after_f8_land_in_the_environments_screen(ws) -> None:
    """F8 and d in one burst: d filters the matrix (it does not reach the main screen)."""
    app = make_app(ws, "dev", "dev", ws.parent)
    async with app.run_test(size=(80, 24)) as pilot:
        await form_ready(pilot)
        burst(app, "f8", "d")
        await wait_for(pilot, lambda: isinstance(app.screen, EnvironmentsScreen) and app.screen.comparison is not None
                       and not app.screen.busy, "the comparison")
        screen = app.screen
        await wait_for(pilot, lambda: screen.only_differences and screen.query_one(MatrixTable).row_count == 3,
                       "the filtered matrix")
        assert "pricing/base" not in [r[1] for r in rows(screen.query_one(MatrixTable))]  # the same everywhere


async def test_the_targets_dialog_marks_chosen_profiles_without_colour():
    """Textual's selection list draws an X in every box (the colour tells them apart): here only chosen ones."""
    app = App()
    async with app.run_test(size=(60, 16)) as pilot:
        app.push_screen(TargetsModal(["prod", "uat", "qa"], ["uat"]))
        await wait_for(pilot, lambda: isinstance(app.screen, TargetsModal), "the targets dialog")

        def boxes() -> dict[str, str]:
            return {name: box for line in screen_lines(app) for box, name in re.findall(r"(▐.▌) (\w+)", line)}

        await wait_for(pilot, lambda: boxes() == {"prod": "▐ ▌", "uat": "▐X▌", "qa": "▐ ▌"}, "only uat marked")
        await pilot.press("space", "down", "down", "space")  # prod on, qa on (one burst)
        await wait_for(pilot, lambda: boxes() == {"prod": "▐X▌", "uat": "▐X▌", "qa": "▐X▌"}, "all marked")
        await pilot.press("space")  # qa again: off
        await wait_for(pilot, lambda: boxes() == {"prod": "▐X▌", "uat": "▐X▌", "qa": "▐ ▌"}, "qa unmarked")
