"""A text input that applies every key in the order it arrived, however fast keys come.

Textual's `Input` inserts a printable key in its own message queue at once, but an editing key
(backspace, ctrl+u, ctrl+w, …) is one of its *bindings*: the key first bubbles up through every
ancestor's queue to the app, which then runs the binding. When keys arrive a few milliseconds apart
(a paste, a laggy SSH link) and an ancestor is busy (the export form validates on every change), the
letters typed after a backspace are inserted before the backspace runs: `t1` ⌫ ⌫ `name` became `t1nam`.
`OrderedInput` runs its own bindings in its own queue, so each key is applied before the next.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class OrderedInput(Input):
    """An `Input` whose own key bindings run in arrival order with the typed characters."""

    async def _on_key(self, event: events.Key) -> None:
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if self.check_action(binding.action, ()) is False:
                continue
            event.stop()
            event.prevent_default()
            self._restart_blink()
            await self.run_action(binding.action)
            return
        await super()._on_key(event)
