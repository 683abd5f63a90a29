"""The footer of every screen and dialog: Textual's compact Footer, fitted to its width.

Textual's Footer lays its keys out on one line and lets the last ones run off the edge (`s Sav`) or
under the palette key docked on the right. This one draws only whole keys, by priority: F1 Help and
^q Quit first (never left out: at widths too small for them whole their labels end in "…"), then the
command palette (the way to every key left out), then the screen's keys in Textual's order, the
focused widget's first. It is composed again when a resize changes what fits.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from spark_tui.tui.fit import fit_keys

APP_KEYS = ("app.quit", "app.help")  # the ids of the keys shown at every size (SparkApp and SparkModal bind them)

Plan = list[tuple[ActiveBinding, str, bool]]  # (binding, description drawn, whether it is the palette key)


class SparkFooter(Footer):
    """A compact Footer that shows whole keys only (see the module's docstring). Binding groups, which the app
    does not use, are drawn as separate keys."""

    # Each key takes its label and one cell of margin; the palette key's cell is its border on the left.
    DEFAULT_CSS = "SparkFooter.-compact FooterKey.-command-palette { margin-right: 0; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(compact=True, **kwargs)
        self._drawn: list[tuple[str, str]] = []

    def offered(self) -> tuple[list[ActiveBinding], ActiveBinding | None]:
        """The keys to show, one per action as Textual's Footer does, and the palette key (None: not offered)."""
        active = self.screen.active_bindings
        by_action: dict[str, ActiveBinding] = {}
        for binding in active.values():
            if binding.binding.show:
                by_action.setdefault(binding.binding.action, binding)
        palette = None
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        return list(by_action.values()), palette

    def plan(self) -> Plan:
        """The keys drawn, left to right (the palette key last: it is docked right), with their descriptions."""
        keys, palette = self.offered()
        first = [key for key in keys if key.binding.id in APP_KEYS]
        rest = [key for key in keys if key.binding.id not in APP_KEYS]
        ranked = first + ([palette] if palette else []) + rest
        width = self.size.width or self.app.size.width
        shown = fit_keys([(self.app.get_key_display(k.binding), k.binding.description) for k in ranked], width,
                         keep=len(first))
        drawn = {id(key): description for key, description in zip(ranked, shown) if description is not None}
        return [(key, drawn[id(key)], key is palette) for key in first + rest + [palette]
                if key is not None and id(key) in drawn]

    @staticmethod
    def drawn(plan: Plan) -> list[tuple]:
        """What the keys of `plan` look like and do: a footer whose plan is unchanged need not be composed again."""
        return [(key.binding.key, key.binding.action, key.enabled, key.tooltip, description, palette)
                for key, description, palette in plan]

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        plan = self.plan()
        self._drawn = self.drawn(plan)
        # Each key is created with the `-compact` class its data binding gives it: mounting then restyles none.
        for (_, binding, enabled, tooltip), description, palette in plan:
            if palette or description != binding.description:  # the whole description when the label is cut
                tooltip = tooltip or binding.description
            yield FooterKey(binding.key, self.app.get_key_display(binding), description, binding.action,
                            disabled=not enabled, tooltip=tooltip,
                            classes="-compact -command-palette" if palette else "-compact",
                            ).data_bind(compact=Footer.compact)

    def on_resize(self) -> None:
        if self._bindings_ready and self.drawn(self.plan()) != self._drawn:
            self.call_after_refresh(self.recompose)

    def bindings_changed(self, screen: Screen) -> None:
        """Textual composes the footer again on every change of the active bindings (each focus move); here
        only when the keys drawn change (mounting and styling ~10 keys costs a few ms a move)."""
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self._compose_if_changed)

    async def _compose_if_changed(self) -> None:
        if self.is_attached and self.drawn(self.plan()) != self._drawn:
            await self.recompose()
