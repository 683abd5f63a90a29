"""A path field that completes as you type: the rest of the first matching name is suggested (→ at the end takes it).

Only directories and files with the wanted suffixes are suggested (packages: `.zip`; mapping files: `.toml`),
so the completion walks down to the file the field is for. The directory is read in a thread: a slow
or network file system never stalls the screen.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from textual.suggester import Suggester

from spark_tui.tui.widgets.fitted import FittedInput

def complete_path(value: str, suffixes: tuple[str, ...]) -> str | None:
    """`value` completed to the first name (sorted, directories with a trailing '/') that extends it; None when
    nothing does. Hidden names are offered only once a '.' is typed; the value's own spelling (`~`) is kept."""
    if not value:
        return None
    head, _, prefix = value.rpartition("/")
    folder = Path(os.path.expanduser(head + "/" if head or value.startswith("/") else "."))
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return None
    for entry in entries:
        name = entry.name
        if not name.startswith(prefix) or name == prefix or (name.startswith(".") and not prefix.startswith(".")):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            continue
        if is_dir or name.lower().endswith(suffixes):
            return value + name[len(prefix):] + ("/" if is_dir else "")
    return None


class PathSuggester(Suggester):
    """Suggests the completion `complete_path` finds (not cached: the directory may change)."""

    def __init__(self, suffixes: tuple[str, ...]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.suffixes = suffixes

    async def get_suggestion(self, value: str) -> str | None:
        return await asyncio.to_thread(complete_path, value, self.suffixes)


class PathInput(FittedInput):
    """An ordered input with path completion for files ending in one of `suffixes`."""

    def __init__(self, value: str = "", *, suffixes: tuple[str, ...], **kwargs) -> None:
        super().__init__(value, suggester=PathSuggester(suffixes), select_on_focus=False, **kwargs)

    def path(self) -> Path | None:
        """The typed path, `~` expanded; None when the field is empty."""
        text = self.value.strip()
        return Path(text).expanduser() if text else None
