"""No module of the TUI imports the app module back (not even for type checking): the app is the top."""

from __future__ import annotations

import ast
from pathlib import Path

import spark_tui.tui

TUI = Path(spark_tui.tui.__file__).parent


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_only_the_package_entry_imports_the_app():
    importers = {str(path.relative_to(TUI)) for path in TUI.rglob("*.py")
                 if "spark_tui.tui.app" in imported_modules(path) and path.name != "app.py"}
    assert importers == {"__init__.py"}
