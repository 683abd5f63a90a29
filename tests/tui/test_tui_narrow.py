"""At 50 columns no text is cut without "…" (issue 19): a select's current value, one-line hints (which sit
above their table, out of the toasts' way), ids in titles (shortened in the middle) and dialog titles (wrapped).
Each test reads the screen as the terminal shows it."""

from __future__ import annotations

from pathlib import Path

import pytest
from screens_kit import make_app, seed_dev, seed_uat, write_config
from textual.widgets import Select
from tui_helpers import form_ready, screen_lines, wait_for

from spark_tui.tui.screens.details import JobDetailsScreen
from spark_tui.tui.screens.environments import EnvironmentsScreen
from spark_tui.tui.screens.preview import PreviewScreen
from spark_tui.tui.screens.promote import PromoteScreen
from spark_tui.tui.widgets.catalog import CatalogTree
from spark_tui.tui.widgets.jobs_table import JobsTable
from spark_tui.tui.widgets.mapping_table import MappingTable

NARROW = (50, 20)
LONG = "user-acceptance-eu"  # a target profile whose name does not fit a narrow select


@pytest.fixture
def dev(tmp_path: Path, spark_tui_home: Path) -> Path:
    dev, uat = tmp_path / "dev-ws", tmp_path / "uat-ws"
    seed_dev(dev)
    seed_uat(uat)
    write_config(spark_tui_home, {"dev": (dev, "dev"), LONG: (uat, "uat")}, "dev")
    return dev


def line_with(app, start: str) -> str:
    """The first line of the screen holding `start`, from there on, trailing blanks dropped."""
    for line in screen_lines(app):
        if start in line:
            return line[line.index(start):].rstrip()
    raise AssertionError(f"no line holds {start!r}: {screen_lines(app)}")


async def mark_and(pilot, *keys: str) -> None:
    """Mark folder synth-0000 in the catalog, then press `keys`."""
    tree = pilot.app.main.query_one(CatalogTree)
    await wait_for(pilot, lambda: tree._find("folder:synth-0000") is not None, "the catalog")
    await form_ready(pilot)
    tree.focus()
    tree.move_cursor(tree._find("folder:synth-0000"))
    await pilot.press("space", *keys)


async def open_promote(pilot) -> PromoteScreen:
    await mark_and(pilot, "ctrl+o")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PromoteScreen), "the promote screen")
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.query_one(MappingTable).row_count == 2, "the mapping table")
    return screen


async def test_a_narrow_select_ends_its_value_with_an_ellipsis(dev, tmp_path: Path) -> None:
    """Was `Target     pick a ▼ If present abort`: the prompt cut mid-word in a select 9 cells wide. Narrow, the
    fields take a row each (the select has the width), and a value still too long ends in "…"."""
    app = make_app(dev, "dev", "dev", tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        screen = await open_promote(pilot)
        assert line_with(app, "Target").removeprefix("Target").split("▼")[0].strip() == "pick a profile"
        assert line_with(app, "If present").removeprefix("If present").split("▼")[0].strip() == "abort"
        target = screen.query_one("#target", Select)
        target.value = LONG
        await wait_for(pilot, lambda: screen.target is not None, "the target opened")
        await pilot.pause()
        shown = line_with(app, "Target").removeprefix("Target").split("▼")[0].strip()
        prompt = f"{LONG} · embedded · tenant uat"
        assert shown.endswith("…") and prompt.startswith(shown[:-1]) and len(shown) > 3


async def test_the_mapping_hint_is_above_the_table_whole_or_cut_with_an_ellipsis_and_no_toast_covers_it(
        dev, tmp_path: Path) -> None:
    """Was the last line of the mapping tab, cut at `u cycles the upgrade` and covered by the target's toast."""
    app = make_app(dev, "dev", "dev", tmp_path)
    async with app.run_test(size=NARROW, notifications=True) as pilot:
        screen = await open_promote(pilot)
        screen.query_one("#target", Select).value = LONG
        await wait_for(pilot, lambda: screen.target is not None and screen.query("Toast"), "the target's toast")
        await pilot.pause()
        hint = "enter edits a mapping · u cycles the upgrade type · F5 plans"
        shown = line_with(app, "enter edits")
        assert shown.endswith("…") and hint.startswith(shown[:-1]) and len(shown) == NARROW[0] - 2
        lines = screen_lines(app)
        hint_row = next(i for i, line in enumerate(lines) if "enter edits" in line)
        table = screen.query_one(MappingTable)
        assert hint_row < table.region.y  # above the table, where the toasts (bottom right) do not go
        toast_top = min(t.region.y for t in screen.query("Toast"))
        assert hint_row < toast_top


async def test_the_details_title_shortens_the_job_id_in_the_middle(dev, tmp_path: Path) -> None:
    """Was `Export job 392d8241-8c99-48c8-b354-8a4554cacd4` (the id's last character and the status cut off)."""
    app = make_app(dev, "dev", "dev", tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        await mark_and(pilot, "f6")
        table = app.main.query_one(JobsTable)
        await wait_for(pilot, lambda: table.row_count == 1, "the export job")
        job_id = next(iter(table._cells))
        await pilot.press("f4")
        table.move_cursor(row=0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, JobDetailsScreen), "the details")
        await wait_for(pilot, lambda: app.screen.job.status.is_terminal, "the job's end")
        await pilot.pause()
        shown = line_with(app, "Export job")
        status = app.screen.job.status.value
        assert shown.endswith(status) and "…" in shown and len(shown) <= NARROW[0] - 2
        head, tail = shown.removeprefix("Export job ").removesuffix(status).rstrip().lstrip("✓✗◐? ").split("…")
        assert job_id.startswith(head) and job_id.endswith(tail.split()[0]) and len(head) >= 8  # the short id, whole


async def test_the_preview_title_wraps_instead_of_being_cut(dev, tmp_path: Path) -> None:
    """Was `Preview: 2 service(s), 4 version(s), 1` (the size cut off at the dialog's edge)."""
    app = make_app(dev, "dev", "dev", tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        await mark_and(pilot, "f5")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen), "the preview")
        await pilot.pause()
        title = str(app.screen.query_one("#dialog-title").render())
        lines = screen_lines(app)
        top = next(i for i, line in enumerate(lines) if "Preview:" in line)
        inner = [line.strip(" █┃┏┓━") for line in lines[top:top + 3]]
        assert " ".join(" ".join(inner).split()).startswith(" ".join(title.split()))


async def open_comparison(pilot) -> None:
    """F8 from the main screen, once its form is drawn; back when the first comparison is shown."""
    app = pilot.app
    await form_ready(pilot)
    await pilot.press("f8")
    await wait_for(pilot, lambda: isinstance(app.screen, EnvironmentsScreen) and app.screen.comparison is not None
                   and not app.screen.busy, "the comparison")
    await pilot.pause()


async def test_the_environments_targets_and_hint_end_with_an_ellipsis(dev, tmp_path: Path) -> None:
    """Was `Targets  u` (the target's name cut to one letter) and a hint cut at `d differences`."""
    app = make_app(dev, "dev", "dev", tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        await open_comparison(pilot)
        shown = line_with(app, "Targets").removeprefix("Targets").strip()
        assert shown.endswith("…") and f"{LONG} (t picks)".startswith(shown[:-1]) and len(shown) > 3
        hint = "space marks · enter versions · d differences only · t targets · F5 compare"
        shown = line_with(app, "space marks")
        assert shown.endswith("…") and hint.startswith(shown[:-1])


async def test_the_event_log_shows_the_line_under_the_cursor_whole(dev, tmp_path: Path) -> None:
    """Was `package /tmp/…/promote-de…` and no way to read the rest: the table cuts it with "…", the line under
    the table shows it whole (wrapped)."""
    from spark_tui.tui.screens.event_log import EventLogScreen

    app = make_app(dev, "dev", "dev", tmp_path)
    path = f"{tmp_path}/promote-dev-to-{LONG}-20261207T033919Z.zip"
    async with app.run_test(size=NARROW) as pilot:
        await form_ready(pilot)
        app.main.events.add("saved", f"package {path}")
        app.main.events.add("failed", "export 1 failed: the tenant's job slot is busy")
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, EventLogScreen), "the event log")
        await pilot.pause()

        def under_the_table() -> str:
            lines = screen_lines(app)
            bottom = next(i for i, line in enumerate(lines) if line.startswith("╰"))
            return " ".join(line.strip() for line in lines[bottom + 1:-1] if line.strip())

        assert under_the_table() == "export 1 failed: the tenant's job slot is busy"  # the cursor's: the last
        await pilot.press("up")
        await pilot.pause()
        cut = line_with(app, "saved").removeprefix("saved").strip(" │")
        assert cut.endswith("…") and f"package {path}".startswith(cut[:-1])
        assert under_the_table().replace(" ", "") == f"package {path}".replace(" ", "")  # wrapped


async def test_the_environments_matrix_keeps_every_column_on_the_screen(dev, tmp_path: Path) -> None:
    """Was a plain table running off the right edge: at 50 columns the target's column was not on the screen.
    The service names give way first (shortened in the middle), the target's name and cells stay whole."""
    from spark_tui.tui.screens.environments import MatrixTable

    app = make_app(dev, "dev", "dev", tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        await open_comparison(pilot)
        header = line_with(app, "Service")
        assert header.split() == ["Service", "dev", LONG]
        table = app.screen.query_one(MatrixTable)
        for key, given in table.cells.items():
            service = given[1]
            shown = line_with(app, str(table.get_row(key)[1])).split()
            assert shown[0] == service or ("…" in shown[0] and service.endswith(shown[0].split("…")[1]))
            assert shown[-2:] == str(given[-1]).split()  # the target's cell, whole


async def test_placeholders_longer_than_their_field_end_with_an_ellipsis(dev, tmp_path: Path) -> None:
    """Was `Identifiers  f/s[1.2]  service-uuid` (the form's) and `path of an export ZIP (→ completes` (the Import
    screen's): Textual wraps a placeholder and shows its first line. The Import screen's fields take a row each."""
    app = make_app(dev, "dev", "dev", tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        await form_ready(pilot)
        await pilot.press("f3")
        await pilot.pause()
        shown = line_with(app, "Identifiers").removeprefix("Identifiers").strip(" ┃")
        assert shown.endswith("…") and "f/s[1.2]  service-uuid  version/uuid".startswith(shown[:-1])
        await pilot.press("f7")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ImportScreen", "the import screen")
        await pilot.pause()
        shown = line_with(app, "Package").removeprefix("Package").strip()
        assert shown.endswith("…") and "path of an export ZIP (→ completes, enter reads it)".startswith(shown[:-1])
        assert line_with(app, "Mapping file").removeprefix("Mapping file").strip() == "optional .toml, enter applies"
        assert line_with(app, "If present").removeprefix("If present").split("▼")[0].strip() == "abort"
        assert line_with(app, "Correlation").removeprefix("Correlation").strip() == "optional id"


async def test_a_failed_jobs_errors_are_whole_at_50_columns() -> None:
    """Was a three-column table folding `Referen`/`ce` and cutting the message at `'Insurance/leg…`: narrow, each
    error is a block (code and reference, the message under them), every word of it on the screen."""
    from test_tui_snapshots import make_app as fake_app, settle

    app = fake_app()
    async with app.run_test(size=(NARROW[0], 40)) as pilot:  # tall enough to show the errors without scrolling
        await settle(pilot)
        job = next(j for j in app.main.query_one(JobsTable).jobs.values() if j.status.value == "failed")
        app.push_screen(JobDetailsScreen(job))
        await wait_for(pilot, lambda: isinstance(app.screen, JobDetailsScreen) and app.screen.query("#details-errors"),
                       "the details")
        await pilot.pause()
        shown = " ".join(" ".join(line.split()) for line in screen_lines(app))
        [error] = job.errors
        assert f"{error.code} {error.ref} {error.message}" in shown


async def test_a_prompts_label_wraps_instead_of_being_cut(dev, tmp_path: Path) -> None:
    """Was `File to write (apply it with --apply FILE, or ctr` (the Save plan prompt at 50 columns)."""
    from spark_tui.tui.screens.modals import PromptModal

    label = "File to write (apply it with --apply FILE, or ctrl+l here)"
    app = make_app(dev, "dev", "dev", tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        await form_ready(pilot)
        app.push_screen(PromptModal("Save the plan", label, str(tmp_path / "plan.json")))
        await wait_for(pilot, lambda: isinstance(app.screen, PromptModal) and app.screen.query("#prompt-input"),
                       "the prompt")
        await pilot.pause()
        shown = " ".join(line.strip(" █┃") for line in screen_lines(app))
        assert label in " ".join(shown.split())


async def test_the_receipts_status_line_is_whole(dev, tmp_path: Path, spark_tui_home: Path) -> None:
    """Was two lines at most: at 50 columns `…receipt is kept in /tmp/pytest-…/home0/da` and the rest cut."""
    from spark_tui.tui.screens.receipts import ReceiptsScreen

    app = make_app(dev, "dev", "dev", tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        await form_ready(pilot)
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceiptsScreen)
                       and "Reading" not in str(app.screen.query_one("#receipts-status").content), "the history")
        await pilot.pause()
        status = str(app.screen.query_one("#receipts-status").content)
        assert str(spark_tui_home) in status
        shown = "".join(line.strip() for line in screen_lines(app)[1:6])
        assert status.replace(" ", "") in shown.replace(" ", "")


async def test_the_package_contents_fit_the_width(dev, tmp_path: Path) -> None:
    """Was a plain table running off the edge at 80 columns: `Version id  91299a5d-9328-4435-911b-4e5`."""
    from screens_kit import assert_fitted

    from spark_tui.tui.widgets.package_tables import InspectionTable

    package = Path(__file__).parents[1] / "fixtures" / "volume-cylinder.zip"
    app = make_app(dev, "dev", "dev", tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        await form_ready(pilot)
        await pilot.press("f7")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ImportScreen", "the import screen")
        app.screen.query_one("#package").value = str(package)
        await pilot.press("enter")
        table = app.screen.query_one(InspectionTable)
        await wait_for(pilot, lambda: table.row_count == 1, "the package read", timeout=30)
        await pilot.pause()
        assert assert_fitted(table) == ["Version", "Files", "Size", "Version id"]
        [row] = table.cells.values()
        shown = line_with(app, str(table.get_row_at(0)[0]))
        assert shown.split()[-1] == str(table.get_row_at(0)[3]) and shown.split()[-1].endswith(row[3][-4:])
