"""SparkApp: the Textual application over one Backend (called only from thread workers)."""

from __future__ import annotations

import gc
import threading
from concurrent.futures import Future
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.notifications import Notify
from textual.worker import Worker, WorkerState

from spark_tui.backends.base import Backend
from spark_tui.spark.errors import SparkTuiError
from spark_tui.tui.job_actions import JobActions
from spark_tui.tui.screens.main import MainScreen
from spark_tui.tui.widgets.catalog import PAGE_SIZE

if TYPE_CHECKING:
    from textual.command import Provider

    from spark_tui.config import AppConfig, Profile
    from spark_tui.spark.export_wire import Page
    from spark_tui.tui.screens.promote import PromoteScreen

T = TypeVar("T")
MAX_TOASTS = 2


def prefetch(call: Callable[[], T]) -> Future[T]:
    """Start `call` in a daemon thread now; the future holds its result or its exception."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(call())
        except BaseException as exc:  # noqa: BLE001 - handed to whoever takes the result
            future.set_exception(exc)

    threading.Thread(target=run, name="spark-tui-prefetch", daemon=True).start()
    return future


def _spark_commands() -> type[Provider]:
    """The command provider, imported when the palette first opens."""
    from spark_tui.tui.commands import SparkCommands

    return SparkCommands


class SparkApp(App[int]):
    """Browse a tenant, export services, follow jobs. `config`/`profile` enable theme memory and switching."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "spark-tui"
    COMMANDS = App.COMMANDS | {_spark_commands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit", tooltip="Quit (asks when jobs run)"),
        Binding("q", "quit", "Quit", show=False, id="app.quit_q"),
        Binding("f1", "help", "Help", id="app.help", tooltip="Keys and how-to"),
        Binding("question_mark", "help", "Help", show=False, id="app.help_q"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, priority=True, id="app.palette",
                tooltip="Open the command palette"),
        Binding("ctrl+c", "help_quit", show=False, system=True, id="app.ctrl_c"),
        # Priority: the screen opens before the next key is handled, so keys typed right after land in it.
        Binding("f7", "open_kept('import')", "Import", show=False, priority=True, id="app.import",
                tooltip="Import a package into this profile"),
        Binding("f8", "open_kept('environments')", "Environments", show=False, priority=True, id="app.environments",
                tooltip="Compare profiles: what differs, then promote it"),
        Binding("f9", "open_kept('receipts')", "Receipts", show=False, priority=True, id="app.receipts",
                tooltip="Promotion receipts, newest first"),
    ]

    def __init__(self, backend: Backend, config: AppConfig | None = None, profile: Profile | None = None,
                 *, dest_dir: Path | None = None) -> None:
        # The first folder page is fetched while Textual starts, so that the first frame shows it.
        first_folders = prefetch(lambda: backend.list_folders(page=1, page_size=PAGE_SIZE))
        super().__init__()
        self.backend = backend
        self.config = config
        self.profile = profile
        self.dest_dir = dest_dir or Path.cwd()
        self.main = MainScreen(self.dest_dir)
        self.job_actions = JobActions(self)
        self._theme_ready = False
        self._first_folders: Future[Page] | None = first_folders

    def take_first_folders(self) -> Future[Page] | None:
        """The prefetched first page of folders, once (None afterwards)."""
        first, self._first_folders = self._first_folders, None
        return first

    def clock(self) -> datetime:
        """Now, in UTC (tests replace it to freeze elapsed times)."""
        return datetime.now(timezone.utc)

    def get_default_screen(self) -> MainScreen:
        return self.main

    def on_mount(self) -> None:
        self.call_after_refresh(self._collect_from_now_on)
        wanted = self.config.theme if self.config else None
        if wanted:
            if wanted in self.available_themes:
                self.theme = wanted
            else:
                self.notify(f"Unknown theme '{wanted}' in the config; using '{self.theme}'", severity="warning")
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self._theme_ready = True

    @staticmethod
    def _collect_from_now_on() -> None:
        """From the first frame on, the garbage collector scans only what is new (tui.run() starts it off).

        Freezing keeps the start-up objects (modules, classes, the first widgets) out of every later
        collection: each full collection would otherwise scan them all, a pause of tens of milliseconds.
        """
        gc.freeze()
        gc.enable()

    def on_unmount(self) -> None:
        """Hand the frozen start-up objects back to the collector (a process may run several apps)."""
        gc.unfreeze()

    def _theme_changed(self, theme) -> None:
        if not self._theme_ready or self.config is None or theme.name == self.config.theme:
            return
        try:
            self.config.save_theme(theme.name)
        except (SparkTuiError, OSError) as exc:
            self.notify(f"Theme not remembered: {exc}", severity="warning")

    def _on_notify(self, event: Notify) -> None:
        """Show at most MAX_TOASTS toasts, the newest, so that they never pile over the jobs table (the event
        log keeps the history)."""
        self._notifications.add(event.notification)
        for old in list(self._notifications)[:-MAX_TOASTS]:
            self._unnotify(old, refresh=False)
        self._refresh_notifications()

    async def action_open_kept(self, name: str) -> None:
        """Open the Import, Environments or Receipts screen (tui/kept_screens.py); elsewhere the key passes on."""
        from textual.actions import SkipAction

        from spark_tui.tui.kept_screens import open_kept

        if not await open_kept(self, name):
            raise SkipAction()

    # --- help, quit, errors --------------------------------------------------------------------

    def action_help(self) -> None:
        from spark_tui.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        keys = []
        seen = set()
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if binding.system or not binding.description or (binding.action, binding.description) in seen:
                continue
            seen.add((binding.action, binding.description))
            keys.append((binding.id is None, self.get_key_display(binding), binding.description,
                         binding.tooltip or active.tooltip or ""))
        keys.sort(key=lambda k: k[0])  # our own keys (they all have ids) first
        self.push_screen(HelpScreen([k[1:] for k in keys]))

    def _running_promotions(self) -> list[PromoteScreen]:
        from spark_tui.tui.screens.promote import PromoteScreen

        return [s for s in self.screen_stack if isinstance(s, PromoteScreen) and s.cancel is not None]

    async def action_quit(self) -> None:
        promotions = self._running_promotions()
        lines = [p.quit_line() for p in promotions] + self.main.quit_lines({p.export_job_id for p in promotions})
        if not lines:
            self.exit(0)
            return
        from spark_tui.tui.screens.modals import ConfirmModal

        if isinstance(self.screen, ConfirmModal) and self.screen.title_text == "Quit spark-tui?":
            return

        def answer(yes: bool | None) -> None:
            if yes:
                for promotion in self._running_promotions():
                    promotion.stop()
                self.exit(0)

        self.push_screen(ConfirmModal("Quit spark-tui?", "\n".join(lines) + "\n\nQuit anyway?", yes="Quit", no="Stay"),
                         answer)

    def show_error(self, title: str, error: BaseException) -> None:
        from spark_tui.tui.screens.modals import ErrorModal

        self.push_screen(ErrorModal(title, error))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.show_error(f"Unexpected error in '{event.worker.description or event.worker.name}'",
                            event.worker.error)

    # --- profiles ------------------------------------------------------------------------------

    def switch_profile(self, name: str) -> None:
        self.notify(f"Connecting with profile '{name}'…", timeout=3)
        self._open_profile(name)

    @work(thread=True, exclusive=True, group="profile", exit_on_error=False, description="switch profile")
    def _open_profile(self, name: str) -> None:
        from spark_tui.backends.factory import open_backend

        try:
            profile = self.config.profile(name)
            backend = open_backend(profile)
        except Exception as exc:  # noqa: BLE001
            self.call_from_thread(self.show_error, f"Cannot switch to profile '{name}'", exc)
            return
        self.call_from_thread(self._use_backend, backend, profile)

    def _use_backend(self, backend: Backend, profile: Profile) -> None:
        old, self.backend, self.profile = self.backend, backend, profile
        self.main.reset()
        self.notify(f"Now on profile '{profile.name}' ({backend.info.kind} {backend.info.location})", markup=False)
        self._close_backend(old)

    @work(thread=True, group="profile", exit_on_error=False, description="close backend")
    def _close_backend(self, backend: Backend) -> None:
        backend.close()
