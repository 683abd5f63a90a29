"""SparkApp: the Textual application over one Backend (called only from thread workers)."""

from __future__ import annotations

import gc
import threading
from concurrent.futures import Future
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.notifications import Notification, Notify
from textual.worker import Worker, WorkerState

from spark_tui.backends.base import Backend
from spark_tui.spark.errors import SparkTuiError
from spark_tui.tui.job_actions import JobActions
from spark_tui.tui.key_order import KeySequencer
from spark_tui.tui.screens.main import MainScreen
from spark_tui.tui.widgets.catalog import PAGE_SIZE

if TYPE_CHECKING:
    from textual.command import Provider

    from spark_tui.config import AppConfig, Profile
    from spark_tui.spark.values import Page
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


def _take(events: list[Notify], event: Notify) -> bool:
    """Remove `event` (this very object) from `events`; whether it was there."""
    for i, candidate in enumerate(events):
        if candidate is event:
            del events[i]
            return True
    return False


def _spark_commands() -> type[Provider]:
    """The command provider, imported when the palette first opens."""
    from spark_tui.tui.commands import SparkCommands

    return SparkCommands


QUIT_TITLE = "Quit spark-tui?"


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
        self.job_actions = JobActions(self, self)
        self._theme_ready = False
        self._first_folders: Future[Page] | None = first_folders
        self.keys = KeySequencer(self, super().on_event)
        self.keymap: dict[str, str] = {}  # binding id → keys: the config's [keymap], as applied
        self._toasts: list[Notification] = []  # the toasts shown, oldest first
        self._replays: list[Notify] = []  # the toasts posted again by the latest clear (shown when they come)
        self._stale: list[Notify] = []  # those posted by earlier clears (dropped when they come)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            await self.keys.receive(event)
        else:
            await super().on_event(event)

    def take_first_folders(self) -> Future[Page] | None:
        """The prefetched first page of folders, once (None afterwards)."""
        first, self._first_folders = self._first_folders, None
        return first

    def clock(self) -> datetime:
        """Now, in UTC (tests replace it to freeze elapsed times)."""
        return datetime.now(timezone.utc)

    def get_default_screen(self) -> MainScreen:
        return self.main

    @staticmethod
    def _binding_classes() -> tuple[type, ...]:
        """The classes whose bindings the palette names and the keymap may change (the screens add theirs)."""
        from spark_tui.tui.screens.details import JobDetailsScreen
        from spark_tui.tui.screens.environments import EnvironmentsScreen
        from spark_tui.tui.screens.import_package import ImportScreen
        from spark_tui.tui.screens.promote import PromoteScreen
        from spark_tui.tui.screens.receipts import ReceiptsScreen
        from spark_tui.tui.widgets.catalog import CatalogPane, CatalogTree
        from spark_tui.tui.widgets.jobs_table import JobsTable
        from spark_tui.tui.widgets.mapping_table import MappingTable

        return (SparkApp, MainScreen, CatalogPane, CatalogTree, JobsTable, JobDetailsScreen, PromoteScreen,
                MappingTable, ImportScreen, EnvironmentsScreen, ReceiptsScreen)

    def bindings_by_id(self) -> dict[str, Binding]:
        """Every binding of the app's own classes with an id, keys as the user's keymap sets them."""
        found: dict[str, Binding] = {}
        for cls in self._binding_classes():
            for binding in cls.BINDINGS:
                if isinstance(binding, Binding) and binding.id:
                    found[binding.id] = binding
        return {binding_id: Binding(self.keymap.get(binding_id, b.key), b.action, b.description, show=b.show, id=b.id)
                for binding_id, b in found.items()}

    def key_label(self, *binding_ids: str) -> str:
        """The keys of these bindings as the footer shows them, e.g. `e / F6` for main.export."""
        bindings = self.bindings_by_id()
        return " / ".join(self.get_key_display(Binding(key.strip(), ""))
                          for binding_id in binding_ids if binding_id in bindings
                          for key in bindings[binding_id].key.split(","))

    def _apply_keymap(self) -> None:
        """The `[keymap]` of the config; unknown ids are named in a toast, and ctrl+q always quits."""
        keymap = dict(self.config.keymap) if self.config else {}
        if not keymap:
            return
        known = {b.id for cls in self._binding_classes() for b in cls.BINDINGS if isinstance(b, Binding) and b.id}
        unknown = sorted(set(keymap) - known)
        if unknown:
            self.notify(f"Unknown binding id(s) in [keymap] of the config: {', '.join(unknown)}; F1 Help lists "
                        "the keys, docs/tui.md their ids", severity="warning", timeout=10)
        if "ctrl+q" not in keymap.get("app.quit", "ctrl+q").split(","):
            keymap["app.quit"] += ",ctrl+q"
        self.keymap = {k: v for k, v in keymap.items() if k in known}
        self.set_keymap(self.keymap)

    def on_mount(self) -> None:
        self._apply_keymap()
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

    def on_notify(self, event: Notify) -> None:
        """Show at most MAX_TOASTS toasts, the newest, so that they never pile over the jobs table (the event
        log keeps the history): when they would be more, the shown ones are cleared and the newest posted again
        (a toast posted again by an earlier clear is dropped)."""
        if (mine := _take(self._replays, event)) or _take(self._stale, event):
            if not mine:
                event.prevent_default()
            return
        shown = [t for t in self._toasts if not t.has_expired]
        self._toasts = [*shown, event.notification][-MAX_TOASTS:]
        if len(shown) < MAX_TOASTS:
            return
        event.prevent_default()  # Textual's own handler would add it to the ones shown
        self.clear_notifications()
        self._stale += self._replays
        self._replays = [Notify(toast) for toast in self._toasts]
        for replay in self._replays:
            self.post_message(replay)

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

    def _asking_to_quit(self) -> bool:
        return getattr(self.screen, "title_text", None) == QUIT_TITLE  # the ConfirmModal of action_quit

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """^q is neither offered nor run in the dialog asking whether to quit (its y quits)."""
        return not (action == "quit" and self._asking_to_quit())

    async def action_quit(self) -> None:
        promotions = self._running_promotions()
        lines = [p.quit_line() for p in promotions] + self.main.quit_lines({p.export_job_id for p in promotions})
        if not lines:
            self.exit(0)
            return
        from spark_tui.tui.screens.modals import ConfirmModal

        def answer(yes: bool | None) -> None:
            if yes:
                for promotion in self._running_promotions():
                    promotion.stop()
                self.exit(0)

        self.push_screen(ConfirmModal(QUIT_TITLE, "\n".join(lines) + "\n\nQuit anyway?", yes="Quit", no="Stay"),
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
        except (SparkTuiError, OSError) as exc:
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
