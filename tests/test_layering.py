"""Layering, proven in fresh interpreters: the core never imports Textual; --help/--version stay light."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ("engine", "spark", "backends", "server", "batch", "promotion")


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_core_packages_never_import_textual() -> None:
    result = run_python(f"""
        import importlib, pkgutil, sys
        import spark_tui
        names = ["spark_tui.cli", "spark_tui.config", "spark_tui.paths"]
        for package in {CORE!r}:
            module = importlib.import_module("spark_tui." + package)
            names += [m.name for m in pkgutil.walk_packages(module.__path__, module.__name__ + ".")]
        for name in names:
            importlib.import_module(name)
        leaked = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
        print(len(names), leaked)
        assert not leaked, leaked
    """)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.split()[0]) > 10  # the walk really found the modules


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_no_textual_pydantic_or_httpx(flag: str) -> None:
    result = run_python(f"""
        import sys
        from spark_tui.cli import main
        code = main([{flag!r}])
        heavy = sorted({{m.split(".")[0] for m in sys.modules}} & {{"textual", "pydantic", "httpx", "rich"}})
        print("RESULT", code, heavy)
    """)
    assert result.returncode == 0, result.stderr
    assert "RESULT 0 []" in result.stdout


def test_python_m_spark_tui_help_runs() -> None:
    result = subprocess.run([sys.executable, "-m", "spark_tui", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "--batch" in result.stdout and "exit codes" in result.stdout


def test_the_store_does_not_import_the_access_rule_back() -> None:
    """engine/access.py reads the store; the store must not import access (not even inside a function)."""
    import ast

    tree = ast.parse((ROOT / "spark_tui" / "engine" / "store.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert {m for m in imported if m and m.startswith("spark_tui.engine.")} <= {"spark_tui.engine.housekeeping"}, imported
    result = run_python("""
        import sys
        import spark_tui.engine.store as store
        store.Workspace.folder_page
        print(sorted(m for m in sys.modules if m.startswith("spark_tui.engine.")))
    """)
    assert result.returncode == 0 and "spark_tui.engine.access" not in result.stdout, result.stdout + result.stderr
