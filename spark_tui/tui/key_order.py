"""Keys are handed out one at a time: each goes where the previous one left the focus.

Textual picks a key's target (the focused widget) when the app takes the key from its queue, but
runs the key's bindings only once it has bubbled back up through the queue of every ancestor of
that widget. Keys that arrive together (a fast typist, a paste, a laggy SSH link) are therefore all
sent to the widget focused *before* the first one ran: `/home` sent `home` to the catalog tree
before `/` focused the filter, and `e` started an export; `src1 Tab corr1` typed `src1corr1`.

`KeySequencer` holds every key (and paste) until the one before it is done: it has travelled the
whole chain of the widget it went to, the focus changes its binding asked for are applied, and a
screen it opened is mounted (so that its own focus is set).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Awaitable, Callable

from textual import events
from textual.dom import DOMNode

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

Dispatch = Callable[[events.Event], Awaitable[None]]
STUCK_S = 1.0  # a key whose journey was cut short (its widget removed on the way) releases the others then


class KeySequencer:
    """The app's keys and pastes, dispatched in arrival order, each after the previous one is done."""

    def __init__(self, app: App, dispatch: Dispatch) -> None:
        self.app = app
        self.dispatch = dispatch  # Textual's own dispatch (App.on_event)
        self.waiting: deque[events.Event] = deque()
        self.busy = False
        self._turn = 0  # which key is in flight (so that a late watchdog cannot release a newer one)
        self._watchdog: Timer | None = None

    async def receive(self, event: events.Key | events.Paste) -> None:
        self.waiting.append(event)
        await self._next()

    async def _next(self) -> None:
        while self.waiting and not self.busy:
            screen = self.app.screen
            self._start()
            if not screen.is_mounted:  # a screen the previous key opened: its focus is set once it is mounted
                self._follow(screen, to_app=False)
                return
            event = self.waiting.popleft()
            target = self.app.focused or self.app.screen
            await self.dispatch(event)
            if event.is_forwarded:
                self._follow(target)
            else:  # handled by a priority binding of the app, or dropped
                self._settle(self._turn)

    def _start(self) -> None:
        self.busy = True
        self._turn += 1
        turn = self._turn
        if self._watchdog is not None:
            self._watchdog.stop()
        self._watchdog = self.app.set_timer(STUCK_S, lambda: self._done(turn), name="key watchdog")

    def _follow(self, node: DOMNode, to_app: bool = True) -> None:
        """Queue a step behind the key in `node`'s queue, then in its parent's, up to the app's; a key that
        bubbles is posted to the parent before the step runs, so the last step comes after the key's bindings."""
        turn = self._turn

        def step() -> None:
            parent = node.parent if to_app else None
            if parent is None:
                self._settle(turn)
            else:
                self._follow(parent)

        if not node.call_later(step):  # closed: the key went no further
            self._settle(turn)

    def _settle(self, turn: int) -> None:
        """Let the focus changes the key asked for (`Widget.focus` queues them on the app) apply first."""
        if not self.app.call_later(self._done, turn):
            self.busy = False

    async def _done(self, turn: int) -> None:
        if turn != self._turn or not self.busy:
            return
        self.busy = False
        if self._watchdog is not None:
            self._watchdog.stop()
            self._watchdog = None
        await self._next()
