"""Layering, proven in fresh interpreters: the import contracts of pyproject.toml hold (lint-imports),
the core (and the TUI's job model) never imports Textual, --help/--version stay light."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ("engine", "spark", "backends", "server", "batch", "promotion")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")  # import-linter, of the test extra


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` run as a reader would, from `root` (its pyproject.toml and its spark_tui)."""
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("spark/upward.py", "from spark_tui import config\n", "spark_tui.spark.upward -> spark_tui.config"),
    ("backends/sideways.py", "import spark_tui.server.app\n", "spark_tui.backends.sideways -> spark_tui.server.app"),
    ("promotion/reach.py", "from spark_tui.engine import store\n", "spark_tui.promotion.reach -> spark_tui.engine.store"),
])
def test_an_import_against_the_layers_breaks_a_contract(tmp_path: Path, module: str, line: str, broken: str) -> None:
    shutil.copytree(ROOT / "spark_tui", tmp_path / "spark_tui", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "spark_tui" / module).write_text(line, encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode == 1 and "1 kept, 1 broken" in result.stdout, result.stdout + result.stderr
    assert broken in result.stdout


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_core_packages_never_import_textual() -> None:
    result = run_python(f"""
        import importlib, pkgutil, sys
        import spark_tui
        names = ["spark_tui.cli", "spark_tui.config", "spark_tui.paths", "spark_tui.tui.job_tracker"]
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
