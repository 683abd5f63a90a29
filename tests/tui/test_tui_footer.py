"""The footer keeps F1 Help and ^q Quit visible on every screen and dialog, however narrow the terminal, and
draws only whole keys: one that does not fit is left out (the lowest priority first), never cut."""

from __future__ import annotations

import pytest
from fake_backend import FakeBackend, fixed_job
from textual.widgets import Footer
from textual.widgets._footer import FooterKey
from tui_helpers import form_ready, screen_lines, wait_for

from spark_tui.spark.values import JobStatus
from spark_tui.tui.app import SparkApp
from spark_tui.tui.screens.environments import TargetsModal
from spark_tui.tui.screens.help import HelpScreen
from spark_tui.tui.screens.modals import BusyModal, ConfirmModal, ErrorModal, PromptModal
from spark_tui.tui.widgets.mapping_table import MappingModal, MappingRow

WIDTHS = [200, 120, 80, 64, 60, 40]


def visible_keys(screen, width: int) -> list[str]:
    footer = screen.query_one(Footer)
    return [key.key for key in footer.query(FooterKey) if key.region.width and key.region.right <= width]


@pytest.mark.parametrize("width", [80, 120])
async def test_help_and_quit_lead_the_footer(width: int):
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(width, 24)) as pilot:
        await form_ready(pilot)
        await wait_for(pilot, lambda: {"f1", "ctrl+q"} <= set(visible_keys(app.screen, width)),
                       f"F1 and ^q within {width} columns of the main footer")
        assert set(visible_keys(app.screen, width)[:2]) == {"f1", "ctrl+q"}


def footer_keys(screen, width: int) -> list[str]:
    """The footer's keys in order, those drawn whole left of the palette key (a key cut or pushed out is
    named as `key (cut)`)."""
    footer = screen.query_one(Footer)
    palette = footer.query(".-command-palette")
    if not palette:  # the footer is being composed
        return []
    return [key.key if key.region.width and key.region.right <= palette.first().region.x <= width
            else f"{key.key} (cut)" for key in footer.query(FooterKey) if key not in palette]


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_the_jobs_pane_footer_offers_the_job_keys_whole(size: tuple[int, int]):
    """With the jobs table focused: Help, Quit and the keys of the selected job, whole; the form's Preview,
    Export and Promote (which still work there) stay in the other panes' footers, F1 Help and the palette."""
    from fake_backend import fixed_job

    from spark_tui.spark.values import JobStatus
    from spark_tui.tui.widgets.jobs_table import JobsTable

    failed, closed = fixed_job(2, JobStatus.failed), fixed_job(1, JobStatus.closed, total=4096)
    app = SparkApp(FakeBackend([failed, closed]))
    async with app.run_test(size=size) as pilot:
        await form_ready(pilot)
        table = app.main.query_one(JobsTable)
        await wait_for(pilot, lambda: table.row_count == 2, "the jobs")
        app.main.action_show_pane("browser")
        browser = ["ctrl+q", "f1", "space", "slash", "p", "e", "ctrl+o"]
        await wait_for(pilot, lambda: footer_keys(app.screen, size[0]) == browser,
                       f"the catalog's footer (got {footer_keys(app.screen, size[0])})")
        await pilot.press("f4")
        for job, keys in ((failed, ["enter", "y", "x", "t"]), (closed, ["enter", "s", "y", "t"])):
            table.move_cursor(row=table.get_row_index(job.id))
            await wait_for(pilot, lambda: footer_keys(app.screen, size[0]) == ["ctrl+q", "f1", *keys],
                           f"the footer of a {job.status.value} job (got {footer_keys(app.screen, size[0])})")
        exported: list[bool] = []
        app.main.action_export = lambda: exported.append(True)
        await pilot.press("e")  # still the export form's key
        assert exported == [True]


async def test_a_jobs_refresh_that_changes_no_key_keeps_the_footer():
    """The jobs refresh every second: the footer is rebuilt (each key remounted and restyled) only when the
    selected job's keys change, not on every refresh."""
    from fake_backend import fixed_job

    from spark_tui.spark.values import JobStatus
    from spark_tui.tui.widgets.jobs_table import JobsTable

    running = fixed_job(1, JobStatus.in_progress, done=10, total=100)
    backend = FakeBackend([running])
    app = SparkApp(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await form_ready(pilot)
        table = app.main.query_one(JobsTable)
        await wait_for(pilot, lambda: table.row_count == 1, "the job")
        await pilot.press("f4")
        await wait_for(pilot, lambda: "c" in footer_keys(app.screen, 100), "the running job's Cancel key")
        await pilot.pause()  # the rebuild the focus change asked for
        keys = list(app.screen.query_one(Footer).query(FooterKey))
        for done in (20, 30):  # progress only: the same keys apply
            backend.jobs[0] = fixed_job(1, JobStatus.in_progress, done=done, total=100)
            app.main.refresh_jobs()
            await wait_for(pilot, lambda: f"{done}%" in str(table.get_row(running.id)), f"the row at {done}%")
            await pilot.pause()
            assert list(app.screen.query_one(Footer).query(FooterKey)) == keys
        backend.jobs[0] = fixed_job(1, JobStatus.closed, total=4096)  # now Save applies, Cancel not
        app.main.refresh_jobs()
        await wait_for(pilot, lambda: "s" in footer_keys(app.screen, 100) and "c" not in footer_keys(app.screen, 100),
                       "the closed job's keys")


async def test_a_focus_move_that_changes_no_key_keeps_the_footer():
    """Textual composes its footer again on every focus move; this one only when the keys drawn change."""
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(120, 40)) as pilot:
        await form_ready(pilot)
        await pilot.press("f3")  # the form's first field
        await wait_for(pilot, lambda: app.focused is not None and app.focused.id == "identifiers", "the first field")
        await pilot.pause()  # the rebuild the focus change asked for
        keys = list(app.screen.query_one(Footer).query(FooterKey))
        for field in ("source_system", "correlation_id", "file_name"):  # text fields: the same keys
            app.screen.query_one(f"#{field}").focus()
            await pilot.pause()
            await pilot.pause()
            assert list(app.screen.query_one(Footer).query(FooterKey)) == keys
        await pilot.press("f2")  # the tree: Mark and Filter come
        await wait_for(pilot, lambda: "space" in footer_keys(app.screen, 120), "the tree's keys")
        assert not set(app.screen.query_one(Footer).query(FooterKey)) & set(keys)


# --- every width from 40 to 120 columns: whole keys only, F1 and ^q always -----------------------------------


def footer_problem(app: SparkApp) -> str | None:
    """What is wrong with the footer as the terminal shows it (None: nothing): each key drawn must read "key
    description" with its binding's description whole or cut with "…", lie within the screen without touching
    another key, F1 and ^q must be among them, and nothing else may be drawn on the line (the footer composed
    for its current width: a resize may have left it to be composed again)."""
    line = screen_lines(app)[-1]
    footer = app.screen.query_one(Footer)
    keys = list(footer.query(FooterKey))
    active = app.screen.active_bindings
    free = [True] * len(line)
    for key in keys:
        region = key.region
        if not region.width or region.x < 0 or region.right > len(line):
            return f"{key.key} lies outside the {len(line)} columns ({region})"
        if not all(free[region.x:region.right]):
            return f"{key.key} overlaps another key at {region}"
        free[region.x:region.right] = [False] * region.width
        drawn = line[region.x:region.right].strip(" ▏")
        if drawn != f"{key.key_display} {key.description}":
            return f"{key.key} is drawn {drawn!r}, not {key.key_display} {key.description!r}"
        whole = active[key.key].binding.description
        if key.description != whole and not (key.description.endswith("…") and whole.startswith(key.description[:-1])):
            return f"{key.key}'s label {key.description!r} is cut without an ellipsis ({whole!r})"
    if hasattr(footer, "plan") and [(k.binding.key, d) for k, d, _ in footer.plan()] != [(k.key, k.description) for k in keys]:
        return "the footer is still to be composed for its width"
    stray = "".join(char for char, unused in zip(line, free) if unused).strip()
    if stray:
        return f"{stray!r} is drawn besides the keys in {line!r}"
    if not {"f1", "ctrl+q"} <= {key.key for key in keys}:
        return f"F1 or ^q missing from {line!r}"
    return None


def drawn_labels(app: SparkApp) -> list[str]:
    return [f"{key.key_display} {key.description}" for key in app.screen.query_one(Footer).query(FooterKey)]


async def check_widths(pilot, where: str, widths: list[int] = WIDTHS) -> dict[int, list[str]]:
    """At each width (resizing the terminal), wait for the footer to be right; the labels drawn per width."""
    app, labels = pilot.app, {}
    for width in widths:
        await pilot.resize_terminal(width, 24)
        try:
            await wait_for(pilot, lambda: len(screen_lines(app)[-1]) == width and footer_problem(app) is None,
                           f"{where} at {width} columns", timeout=5)
        except AssertionError:
            raise AssertionError(f"{where} at {width} columns: {footer_problem(app)}") from None
        labels[width] = drawn_labels(app)
    await pilot.resize_terminal(120, 24)
    return labels


async def test_the_main_footer_leaves_out_whole_keys_by_priority_at_every_width():
    """Help, Quit and the palette first; then the focused pane's keys in order, the last ones left out first."""
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(120, 24)) as pilot:
        await form_ready(pilot)
        labels = await check_widths(pilot, "the catalog's footer")
        palette = "^p Commands"
        assert labels == {
            200: ["^q Quit", "f1 Help", "space Mark", "/ Filter", "p Preview", "e Export", "^o Promote", palette],
            120: ["^q Quit", "f1 Help", "space Mark", "/ Filter", "p Preview", "e Export", "^o Promote", palette],
            80: ["^q Quit", "f1 Help", "space Mark", "/ Filter", "p Preview", "e Export", "^o Promote", palette],
            64: ["^q Quit", "f1 Help", "space Mark", "/ Filter", "p Preview", palette],
            60: ["^q Quit", "f1 Help", "space Mark", "/ Filter", "p Preview", palette],
            40: ["^q Quit", "f1 Help", "space Mark", palette],
        }
        every = await check_widths(pilot, "the catalog's footer", [*range(200, 67, -9), 67, 66, *range(65, 39, -4)])
        assert all(every[width][:2] == ["^q Quit", "f1 Help"] for width in every)
        assert [len(every[width]) for width in (67, 66)] == [7, 6]  # e Export is left out, not cut, from 66 on
        app.main.query_one("#file_filter").focus()
        await check_widths(pilot, "the export form's footer")
        app.main.action_show_pane("jobs-pane")
        await check_widths(pilot, "the jobs' footer")


async def test_the_promote_import_and_compare_footers_keep_whole_keys_at_every_width():
    from spark_tui.spark.export_wire import ExportInputs, ExportRequest
    from spark_tui.tui.screens.environments import EnvironmentsScreen
    from spark_tui.tui.screens.import_package import ImportScreen
    from spark_tui.tui.screens.promote import PromoteScreen

    app = SparkApp(FakeBackend())
    async with app.run_test(size=(120, 24)) as pilot:
        await form_ready(pilot)
        request = ExportRequest(inputs=ExportInputs(services=["Pricing/volume-cylinder"]))
        await app.push_screen(PromoteScreen(app.backend, request, app.dest_dir))
        promote = await check_widths(pilot, "the Promote screen")
        assert promote[120] == ["^q Quit", "f1 Help", "f5 Plan", "f6 Promote", "esc Back", "^p Commands"]
        assert promote[40] == ["^q Quit", "f1 Help", "f5 Plan", "^p Commands"]
        app.pop_screen()
        await pilot.press("f7")
        await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen), "the Import screen")
        imports = await check_widths(pilot, "the Import screen")
        assert imports[120] == ["^q Quit", "f1 Help", "f5 Plan", "f6 Import", "esc Back", "^p Commands"]
        await pilot.press("escape", "f8")
        await wait_for(pilot, lambda: isinstance(app.screen, EnvironmentsScreen), "the Environments screen")
        compare = await check_widths(pilot, "the Environments screen")
        assert compare[120] == ["^q Quit", "f1 Help", "f5 Compare", "^o Promote marked", "esc Back", "^p Commands"]
        assert compare[64] == ["^q Quit", "f1 Help", "f5 Compare", "^o Promote marked", "^p Commands"]


DIALOGS = {
    "confirm": (lambda: ConfirmModal("Cancel export", "Cancel?"), ["^q Quit", "f1 Help", "y Yes", "n No"]),
    "prompt": (lambda: PromptModal("Save package", "Directory:", "/tmp"), ["^q Quit", "f1 Help", "esc Cancel"]),
    "error": (lambda: ErrorModal("Export refused", ValueError("bad")),
              ["^q Quit", "f1 Help", "esc Close", "c Copy details"]),
    "busy": (lambda: BusyModal("Preview", "Resolving…"), ["^q Quit", "f1 Help", "esc Cancel"]),
    "targets": (lambda: TargetsModal(["prod", "uat"], ["uat"]), ["^q Quit", "f1 Help", "⏎ OK", "esc Cancel"]),
    "mapping": (lambda: MappingModal(MappingRow("Pricing", "volume-cylinder", "Pricing", "volume-cylinder")),
                ["^q Quit", "f1 Help", "esc Cancel"]),
}


@pytest.mark.parametrize("name", list(DIALOGS))
async def test_a_dialog_offers_help_and_quit_and_f1_opens_the_help_over_it(name: str):
    """F1 Help and ^q Quit in every dialog's footer, whole at every width; F1 opens the help listing the
    dialog's keys, esc comes back to the dialog."""
    make, keys = DIALOGS[name]
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(120, 24)) as pilot:
        await form_ready(pilot)
        dialog = make()
        app.push_screen(dialog)
        await wait_for(pilot, lambda: app.screen is dialog, f"the {name} dialog")
        labels = await check_widths(pilot, f"the {name} dialog")
        assert labels[120] == keys
        assert all(labels[width] == keys[:len(labels[width])] for width in WIDTHS)  # the last ones left out first
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help over the dialog")
        listed = [description for _, description, _ in app.screen.keys]  # the dialog's, then its widgets' keys
        assert listed[:len(keys)] == [label.split(" ", 1)[1] for label in keys]
        if name == "confirm":  # the help's own footer is the same over every dialog: its widths once
            await check_widths(pilot, "the help")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is dialog, "the dialog again")


async def test_ctrl_q_in_a_dialog_asks_when_jobs_run_and_is_not_offered_in_that_question():
    """^q from a dialog with an export running: the quit question opens over the dialog (whose footer offers
    y and n, not ^q again, which does nothing there); n goes back to the dialog."""
    app = SparkApp(FakeBackend([fixed_job(1, JobStatus.in_progress, done=10, total=100)]))
    async with app.run_test(size=(80, 24)) as pilot:
        await form_ready(pilot)
        await wait_for(pilot, lambda: app.main.quit_lines(), "the running export")
        dialog = PromptModal("Save package", "Directory:", "/tmp")
        app.push_screen(dialog)
        await wait_for(pilot, lambda: app.screen is dialog, "the dialog")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), "the quit question")
        question = app.screen
        assert question.title_text == "Quit spark-tui?"
        await wait_for(pilot, lambda: drawn_labels(app) == ["f1 Help", "y Yes", "n No"], "the question's keys")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.screen is question and app.is_running
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is dialog, "the dialog again")
        assert app.is_running


async def test_f1_in_a_burst_typed_into_a_dialogs_field_opens_the_help_between_the_keys():
    """`ab F1 esc cd` sent at once into the save dialog's field: the help opens over the dialog after `ab` and
    closes, and `cd` lands in the field after it."""
    from screens_kit import burst

    app = SparkApp(FakeBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        await form_ready(pilot)
        dialog = PromptModal("Save package", "Directory:", "")
        app.push_screen(dialog)
        await wait_for(pilot, lambda: app.screen is dialog and app.focused in dialog.query("#prompt-input"),
                       "the dialog's field focused")
        opened: list[str] = []  # the field's value when the help opened
        original = app.push_screen

        def push_screen(screen, *args, **kwargs):
            if isinstance(screen, HelpScreen):
                opened.append(dialog.query_one("#prompt-input").value)
            return original(screen, *args, **kwargs)

        app.push_screen = push_screen
        burst(app, "a", "b", "f1", "escape", "c", "d")
        await wait_for(pilot, lambda: dialog.query_one("#prompt-input").value == "abcd" and app.screen is dialog,
                       f"abcd in the field (got {dialog.query_one('#prompt-input').value!r} on {app.screen})")
        assert opened == ["ab"]
