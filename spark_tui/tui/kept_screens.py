"""Screens kept for the session — Import, Environments, Receipts: reopening one shows it as it was left.

Each is installed on the app under its name, so leaving it (esc) pops it without removing it: its
inputs, its results and a job it follows survive. They open from the main screen or from one another
(one kept screen at a time above the main screen). An Import screen made for another backend (the
profile was switched since) is replaced by a fresh one unless its import is running.

Opening waits until the screen is mounted and focused, so keys typed right after the opening key (a
burst, a laggy link) land in the new screen's field and never run commands of the screen below.
"""

from __future__ import annotations

from typing import Any, Callable

from textual.app import App
from textual.screen import Screen

SparkApp = App[Any]
"""The app as this module sees it (typed as Textual's App, so that no module but the package entry imports the app)."""

KEPT = ("import", "environments", "receipts")


def _make(app: SparkApp, name: str) -> Screen:
    if name == "import":
        from spark_tui.tui.screens.import_package import ImportScreen

        return ImportScreen(app.backend)
    if name == "environments":
        from spark_tui.tui.screens.environments import EnvironmentsScreen

        return EnvironmentsScreen()
    from spark_tui.tui.screens.receipts import ReceiptsScreen

    return ReceiptsScreen()


def kept_name(app: SparkApp, screen: Screen) -> str | None:
    """The name `screen` is kept under, or None when it is not a kept screen."""
    for name in KEPT:
        if app.is_screen_installed(name) and app.get_screen(name) is screen:
            return name
    return None


def can_open(app: SparkApp) -> bool:
    """Kept screens open from the main screen or from another kept screen (not over a dialog or Promote)."""
    return app.screen is app.main or kept_name(app, app.screen) is not None


def _stale(app: SparkApp, screen: Screen) -> bool:
    backend = getattr(screen, "backend", None)
    return backend is not None and backend is not app.backend and not getattr(screen, "busy", False)


async def open_kept(app: SparkApp, name: str, prepare: Callable[[Screen], None] | None = None) -> bool:
    """Show the kept screen `name` (made on first use); False when it cannot open from the current screen."""
    if not can_open(app):
        return False
    current = kept_name(app, app.screen)
    if current == name:
        return True
    if app.is_screen_installed(name) and _stale(app, app.get_screen(name)):
        old = app.get_screen(name)
        app.uninstall_screen(name)
        if old.is_attached:
            await old.remove()
    if not app.is_screen_installed(name):
        app.install_screen(_make(app, name), name)
    screen = app.get_screen(name)
    if current is not None:
        await app.pop_screen()
    await app.push_screen(name)
    if screen.focused is None and screen.AUTO_FOCUS:
        first = screen.query(screen.AUTO_FOCUS).first()
        screen.set_focus(first)
    if prepare is not None:
        prepare(screen)
    return True
