"""One-line header: profile, backend kind and location, tenant and user."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class InfoHeader(Static):
    """Reads `app.backend.info`; call `refresh_info()` after switching profile."""

    DEFAULT_CSS = "InfoHeader { height: 1; background: $panel; }"

    def on_mount(self) -> None:
        self.refresh_info()

    def refresh_info(self) -> None:
        info = self.app.backend.info
        text = Text.assemble(
            (" spark-tui ", "bold reverse"), "  ",
            ("profile ", "dim"), (info.profile, "bold"), "  ",
            ("tenant ", "dim"), (info.tenant, "bold"), "  ",
            ("user ", "dim"), (info.user, "bold"), "  ",
            ("backend ", "dim"), (info.kind, "bold"), (f" {info.location}", ""),
            no_wrap=True, overflow="ellipsis",
        )
        self.update(text)
