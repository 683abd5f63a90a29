"""App-level behaviour on the fake backend: errors never crash, help, details, clipboard, theme, palette."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fake_backend import FakeBackend, fixed_job
from tui_helpers import form_ready, screen_lines, wait_for

from spark_tui.config import load_config
from spark_tui.spark.errors import BackendUnavailable
from spark_tui.spark.values import JobStatus
from spark_tui.tui.app import SparkApp
from spark_tui.tui.screens.details import JobDetailsScreen
from spark_tui.tui.screens.help import HelpScreen
from spark_tui.tui.screens.modals import ErrorModal
from spark_tui.tui.screens.preview import PreviewScreen
from spark_tui.tui.widgets.catalog import CatalogTree
from spark_tui.tui.widgets.jobs_table import JobsTable


class BrokenBackend(FakeBackend):
    def list_services(self, folder, page=1, page_size=100):
        raise BackendUnavailable(f"cannot reach Spark while listing '{folder}'; check the network and retry")

    def preview(self, request):
        raise RuntimeError("boom: an unexpected bug in a backend")


async def test_backend_errors_open_the_error_modal_and_never_crash():
    app = SparkApp(BrokenBackend())
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.main.query_one(CatalogTree)
        await wait_for(pilot, lambda: tree._find("folder:Pricing") is not None, "folders")
        await form_ready(pilot)
        tree._find("folder:Pricing").expand()
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), "the listing error")
        assert "cannot reach Spark" in app.screen.details
        await pilot.press("escape")
        assert not tree._find("folder:Pricing").is_expanded
        tree.move_cursor(tree._find("folder:Pricing"))
        await pilot.press("space", "p")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), "the preview error")
        assert "boom" in app.screen.details
        await pilot.press("c")
        assert "boom" in app.clipboard
        await pilot.press("escape")
        assert app.is_running and app.screen is app.main


async def test_every_binding_has_an_id():
    app = SparkApp(FakeBackend([fixed_job(1, JobStatus.closed)]))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screens = [app.main, JobDetailsScreen(fixed_job(1, JobStatus.closed)), HelpScreen([]), ErrorModal("x", ValueError())]
        from spark_tui.tui.screens.modals import ConfirmModal, PromptModal
        from spark_tui.tui.widgets.catalog import CatalogPane

        classes = [SparkApp, CatalogTree, CatalogPane, JobsTable, ConfirmModal, PromptModal, PreviewScreen,
                   *[type(s) for s in screens]]
        missing = [(cls.__name__, b.key) for cls in classes for b in cls.BINDINGS if not getattr(b, "id", None)]
        assert missing == []


async def test_help_lists_the_active_keys():
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        descriptions = {d for _, d, _ in app.screen.keys}
        assert {"Mark", "Preview", "Export", "Quit", "Help"} <= descriptions
        await pilot.press("escape", "question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "help via ?")


async def test_details_show_outputs_and_copy_id_path_hash():
    job = fixed_job(2, JobStatus.closed, total=4096, correlation="ci-42")
    app = SparkApp(FakeBackend([job]))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.main.query_one(JobsTable)
        await wait_for(pilot, lambda: job.id in table._cells, "the job row")
        await pilot.press("f4", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, JobDetailsScreen), "details")
        screen = app.screen
        assert screen.query_one("#details-versions").row_count == 1
        assert not screen.query_one("#details-progress").display
        await pilot.press("i")
        assert app.clipboard == job.id
        await pilot.press("p")
        assert app.clipboard == "/ws/packages/2/package.zip"
        await pilot.press("h")
        assert app.clipboard == job.outputs.files[0].file_hash


async def test_running_job_details_show_progress():
    job = fixed_job(3, JobStatus.in_progress, done=25, total=100)
    app = SparkApp(FakeBackend([job]))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(JobDetailsScreen(job))
        await wait_for(pilot, lambda: isinstance(app.screen, JobDetailsScreen), "details")
        bar = app.screen.query_one("#details-progress")
        assert bar.display and bar.percentage == 0.25


async def test_theme_is_remembered_in_the_config():
    config = load_config()
    path = config.path
    app = SparkApp(FakeBackend(), config)
    async with app.run_test() as pilot:
        app.theme = "nord"
        await pilot.pause()
    assert 'theme = "nord"' in path.read_text()
    again = SparkApp(FakeBackend(), load_config())
    async with again.run_test() as pilot:
        await pilot.pause()
        assert again.theme == "nord"


async def test_command_palette_offers_our_commands():
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.main.query_one(CatalogTree)
        await wait_for(pilot, lambda: tree._find("folder:Pricing") is not None, "folders")
        await form_ready(pilot)
        tree.move_cursor(tree._find("folder:Pricing"))
        await pilot.press("space", "ctrl+p")
        await pilot.press(*"preview")
        await pilot.pause(0.3)
        shown = [str(o.prompt) for o in app.screen.query("CommandList").first().options]
        assert shown[0].startswith("Export: preview (dry run)  p / f5")  # each command shows its keys, as the footer
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen), "preview from the palette")


class Caller:
    def __init__(self, user, source):
        self.user, self.groups, self.source = user, (), source


class RemoteLike(FakeBackend):
    """A backend that learns the caller (like RemoteBackend.whoami) and lists own jobs by submitted ids."""

    def __init__(self, caller, jobs=None):
        super().__init__(jobs)
        self.info = self.info.__class__(**{**self.info.__dict__, "kind": "spark", "user": "user@localhost"})
        self.caller = caller

    def whoami(self):
        return self.caller

    def list_jobs(self, all_users=False):
        return list(self.jobs) if all_users else []  # the server does not know us as info.user


async def test_header_shows_the_identity_the_backend_learnt():
    app = SparkApp(RemoteLike(Caller("alice@example.com", "token")))
    async with app.run_test(size=(160, 24)) as pilot:
        header = app.main.query_one("#header")
        await wait_for(pilot, lambda: "alice@example.com (token)" in str(header.render()), "the learnt user")


async def test_unknown_identity_matches_own_jobs_by_the_ids_submitted_here():
    backend = RemoteLike(Caller(None, "unknown"), [fixed_job(7, JobStatus.in_progress, user="someone")])
    app = SparkApp(backend)
    async with app.run_test(size=(160, 30)) as pilot:
        header = app.main.query_one("#header")
        await wait_for(pilot, lambda: "unknown" in str(header.render()), "the unknown user")
        tree = app.main.query_one(CatalogTree)
        await wait_for(pilot, lambda: tree._find("folder:Pricing") is not None, "folders")
        await form_ready(pilot)
        tree.focus()
        tree.move_cursor(tree._find("folder:Pricing"))
        await pilot.press("space", "e")
        await wait_for(pilot, lambda: len(backend.jobs) == 2, "the export")
        mine = backend.jobs[0].id
        table = app.main.query_one(JobsTable)
        await pilot.pause(0.3)
        await wait_for(pilot, lambda: mine in table._cells, "own job listed by its id")
        await app.workers.wait_for_complete()
        app.main.refresh_jobs()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert mine in table._cells and backend.jobs[1].id not in table._cells


async def test_header_fits_its_width_and_cuts_the_location_with_an_ellipsis():
    backend = FakeBackend()
    backend.info = backend.info.__class__(**{**backend.info.__dict__,
                                             "location": "/home/someone/.local/share/spark-tui/workspaces/default"})
    app = SparkApp(backend)
    for width, expect in ((120, "…"), (200, "workspaces/default")):
        async with app.run_test(size=(width, 24)) as pilot:
            await wait_for(pilot, lambda: str(app.main.query_one("#header").render()).endswith("online"), "online")
            line = str(app.main.query_one("#header").render())
            assert len(line) <= width and expect in line
            assert "/home/" in line and "default" in line
        app = SparkApp(backend)


def test_jobs_columns_fit_the_width_and_cut_text_with_an_ellipsis():
    from spark_tui.tui.widgets.jobs_table import PADDING, fit

    for width in (48, 62, 68, 80, 118, 200):  # 48: the pane of a 50-column terminal
        columns = fit(width, tenant_wide=width > 100)
        assert sum(w + PADDING for *_, w in columns) <= width - 2
        assert {"id", "status", "file"} <= {key for key, *_ in columns}
    assert "elapsed" in {key for key, *_ in fit(62, tenant_wide=False)}
    narrowest = [key for key, *_ in fit(40, tenant_wide=False)]  # scrolls sideways, the id column frozen
    assert narrowest == ["id", "status", "size", "file"]
    assert "by" in {key for key, *_ in fit(200, tenant_wide=True)}
    assert "kind" in {key for key, *_ in fit(78, tenant_wide=False)}  # 80 columns: imports and exports told apart
    assert {"kind", "created", "sha", "correlation"} <= {key for key, *_ in fit(118, tenant_wide=False)}  # 120 columns


async def test_jobs_column_labels_cut_with_an_ellipsis_too():
    from spark_tui.tui.widgets.jobs_table import JobsTable

    app = SparkApp(FakeBackend())
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.main.query_one(JobsTable)
        await wait_for(pilot, lambda: table.size.width == 118, "the jobs table laid out across 120 columns")
        app.main.action_toggle_scope()  # the tenant-wide view: a Created by column, less room for the others

        def labels() -> dict[str, str]:
            return {key.value: str(column.label) for key, column in table.columns.items()}

        await wait_for(pilot, lambda: "by" in labels(), "the tenant-wide columns")
        shown = labels()
        assert shown["correlation"] == "Correla…" and shown["kind"] == "Kind" and shown["by"] == "Created by"


async def test_import_jobs_are_listed_with_their_kind_and_open_their_own_details():
    from fake_backend import import_job

    backend = FakeBackend([fixed_job(1, JobStatus.closed)])
    backend.imports = [import_job(1, JobStatus.closed)]
    imported = backend.imports[0]
    app = SparkApp(backend)
    async with app.run_test(size=(160, 40)) as pilot:
        table = app.main.query_one(JobsTable)
        await wait_for(pilot, lambda: imported.id in table._cells, "the import job row")
        assert table._cells[imported.id]["kind"] == "import"
        assert table._cells[backend.jobs[0].id]["kind"] == "export"
        app.job_actions.open_details(imported)
        await wait_for(pilot, lambda: isinstance(app.screen, JobDetailsScreen) and app.screen.query("#details-title"),
                       "details")
        await pilot.pause()
        title = str(app.screen.query_one("#details-title").render())
        assert title.startswith("Import job")
        versions = app.screen.query_one("#details-versions")
        assert versions.get_row_at(0)[1] == "1.2.0"
        offered = {b.binding.action for b in app.screen.active_bindings.values()}
        assert "cancel_job" not in offered and "save_package" not in offered  # imports: no cancel, no package
        await pilot.press("c", "s")
        assert app.is_running and isinstance(app.screen, JobDetailsScreen)


async def test_an_unreachable_backend_shows_in_the_header_while_waiting_and_after_failing():
    import threading

    class Outage(FakeBackend):
        def __init__(self):
            super().__init__()
            self.release = threading.Event()

        def list_jobs(self, all_users=False):
            self.release.wait(10)
            raise BackendUnavailable("cannot reach https://spark.example/acme: connection refused")

    backend = Outage()
    app = SparkApp(backend)
    clock = [datetime(2026, 11, 27, 9, 0, 0, tzinfo=timezone.utc)]
    app.clock = lambda: clock[0]
    async with app.run_test(size=(160, 24)) as pilot:
        header = app.main.query_one("#header")
        await wait_for(pilot, lambda: app.main._refreshing, "the first refresh")
        clock[0] += timedelta(seconds=5)
        app.main.refresh_jobs()  # the next tick finds the call still waiting
        await pilot.pause()
        assert "no answer for 5s" in str(header.render())
        backend.release.set()
        await wait_for(pilot, lambda: "unreachable since" in str(header.render()), "the outage in the header")


async def test_a_slow_preview_shows_a_spinner_and_esc_cancels_it():
    import threading

    from spark_tui.tui.screens.modals import BusyModal

    class SlowPreview(FakeBackend):
        def __init__(self):
            super().__init__()
            self.release = threading.Event()

        def preview(self, request):
            self.release.wait(10)
            return super().preview(request)

    backend = SlowPreview()
    app = SparkApp(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.main.query_one(CatalogTree)
        await wait_for(pilot, lambda: tree._find("folder:Pricing") is not None, "folders")
        await form_ready(pilot)
        tree.move_cursor(tree._find("folder:Pricing"))
        await pilot.press("space", "p")
        await wait_for(pilot, lambda: isinstance(app.screen, BusyModal), "the spinner")
        await pilot.press("escape")
        assert app.screen is app.main
        backend.release.set()
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        assert app.screen is app.main  # the late answer is dropped


async def test_a_preview_with_errors_offers_no_export():
    backend = FakeBackend()
    app = SparkApp(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.main.query_one(CatalogTree)
        await wait_for(pilot, lambda: tree._find("folder:Restricted") is not None, "folders")
        await form_ready(pilot)
        tree.move_cursor(tree._find("folder:Restricted"))
        await pilot.press("space", "p")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen), "the preview")
        preview = app.screen
        assert "e" not in preview.active_bindings and "escape" in preview.active_bindings
        await pilot.press("e", "escape")
        await wait_for(pilot, lambda: app.screen is app.main, "the preview closed")
        await app.workers.wait_for_complete()
        assert backend.submitted == []


async def test_an_empty_folder_says_so_when_expanded():
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.main.query_one(CatalogTree)
        await wait_for(pilot, lambda: tree._find("folder:Empty") is not None, "folders")
        tree._find("folder:Empty").expand()
        await wait_for(pilot, lambda: [str(c.label) for c in tree._find("folder:Empty").children]
                       == ["(empty folder: no services)"], "the empty-folder line")


async def test_at_most_two_toasts_are_shown_the_newest():
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        for n in range(5):
            app.notify(f"toast {n}")
        await pilot.pause()
        assert [n.message for n in app._notifications] == ["toast 3", "toast 4"]


async def test_a_dialog_opened_and_closed_at_start_up_does_not_stall_the_form():
    """F1 pressed before the export form's fields are mounted, closed at once: the fields still all arrive
    (the frame callback the form waited on left with the help screen)."""
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(120, 40)) as pilot:
        form = app.main.query_one("ExportForm")
        for _ in range(20):  # a dialog shown and closed in one tick, while each group of fields mounts
            if form.ready:
                break
            await pilot.press("f1", "escape")
        await wait_for(pilot, lambda: form.ready, "the export form's fields")
        assert form.query_one("#dest_dir").value


@pytest.mark.parametrize(("groups", "hint"), [((), True), (("supervisor:pf",), False)])
async def test_the_whole_tenant_view_says_why_it_lists_only_own_jobs(groups: tuple[str, ...], hint: bool):
    from dataclasses import replace

    backend = FakeBackend([fixed_job(1, JobStatus.closed)])
    backend.info = replace(backend.info, groups=groups)
    app = SparkApp(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await form_ready(pilot)
        pane = app.main.query_one("#jobs-pane")
        await wait_for(pilot, lambda: app.main.query_one(JobsTable).row_count == 1, "the job")
        await pilot.press("f4", "t")
        expected = "Jobs · whole tenant (t) · 0 running" + (" · own only: others' need supervisor:pf" if hint else "")
        assert pane.border_title == expected
        await pilot.press("t")
        assert pane.border_title == "Jobs · mine (t) · 0 running"


async def test_the_pane_chosen_while_wide_is_the_one_shown_once_narrow_and_back():
    """The narrow layout shows one pane at a time: the one last chosen (F2/F3/F4), even if chosen while wide."""
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(120, 40)) as pilot:
        await form_ready(pilot)

        def shown() -> list[str]:
            return [name for name in ("browser", "form", "jobs-pane")
                    if app.main.query_one(f"#{name}").display and app.main.query_one(f"#{name}").region.area]

        assert shown() == ["browser", "form", "jobs-pane"]
        await pilot.press("f4")  # wide: every pane stays shown
        assert shown() == ["browser", "form", "jobs-pane"]
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: shown() == ["jobs-pane"], "the jobs pane alone")
        await pilot.press("f3")
        await wait_for(pilot, lambda: shown() == ["form"], "the form alone")
        await pilot.resize_terminal(120, 40)
        await pilot.press("f2")
        await wait_for(pilot, lambda: shown() == ["browser", "form", "jobs-pane"], "every pane again")
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: shown() == ["browser"], "the catalog alone")


async def test_the_pane_holding_the_focus_draws_a_heavy_border():
    app = SparkApp(FakeBackend())
    async with app.run_test(size=(120, 40)) as pilot:
        await form_ready(pilot)

        def corners() -> dict[str, str]:
            lines = screen_lines(app)
            return {name: lines[w.region.y][w.region.x] for name in ("browser", "form", "jobs-pane")
                    for w in [app.main.query_one(f"#{name}")]}

        await wait_for(pilot, lambda: corners() == {"browser": "┏", "form": "╭", "jobs-pane": "╭"}, "the catalog's")
        await pilot.press("f3", "tab", "tab")  # into the form, then from field to field
        await wait_for(pilot, lambda: corners() == {"browser": "╭", "form": "┏", "jobs-pane": "╭"}, "the form's")
        await pilot.press("f4")
        await wait_for(pilot, lambda: corners() == {"browser": "╭", "form": "╭", "jobs-pane": "┏"}, "the jobs'")
