"""What every screen of the app shares: the app's own keys (F1 Help, ^q Quit) lead the footer.

The footer drops the keys that do not fit at its end; the screen's and the focused widget's keys
come first in Textual's order, so at 80 columns Help and Quit were the ones lost.
"""

from __future__ import annotations

from typing import TypeVar

from textual.binding import ActiveBinding
from textual.screen import ModalScreen, Screen


class AppKeysFirst:
    """Screen mixin: the app's bindings first in `active_bindings` (which the footer draws in order)."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        bindings = super().active_bindings  # type: ignore[misc]
        first = {key: active for key, active in bindings.items() if active.node is self.app}  # type: ignore[attr-defined]
        return first | {key: active for key, active in bindings.items() if key not in first}


ResultType = TypeVar("ResultType")


class SparkScreen(AppKeysFirst, Screen[ResultType]):
    """A full screen of the app."""


class SparkModal(AppKeysFirst, ModalScreen[ResultType]):
    """A modal of the app."""
