"""The footer keeps F1 Help and ^q Quit visible on every screen, however narrow the terminal."""

from __future__ import annotations

import pytest
from fake_backend import FakeBackend
from textual.widgets import Footer
from textual.widgets._footer import FooterKey
from tui_helpers import form_ready, wait_for

from spark_tui.tui.app import SparkApp


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
