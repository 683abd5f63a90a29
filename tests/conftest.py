"""Shared fixtures: every test runs in an empty current directory with its own SPARK_TUI_HOME, so
nothing touches the user's files or the checkout; hypothesis keeps no example database.

Hypothesis profiles: `spark-tui` (the default) draws the same examples on every run, so a local
run is repeatable; `random` (HYPOTHESIS_PROFILE=random, as CI runs the property tests a second
time) draws new ones each run and prints the seed of a failure to reproduce it.
"""

from __future__ import annotations

import compileall
import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

PACKAGE = Path(__file__).resolve().parents[1] / "spark_tui"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_ZIP = FIXTURES / "volume-cylinder.zip"
"""A real Spark `onpremises` export package (one service version of the Volume Cylinder model)."""

# deadline=None: no wall-clock limit per example (a loaded machine must not fail a correct test)
settings.register_profile("spark-tui", database=None, derandomize=True, deadline=None)
settings.register_profile("random", database=None, derandomize=False, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "spark-tui"))


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis's caches (constants, unicode data) go to a temporary directory, not `./.hypothesis`.

    The package is byte-compiled once, as `pip install` does and an editable install does not: the
    hundreds of `spark-tui`, serve and worker processes the tests start would otherwise each compile it
    from source (0.6 s of CPU instead of 0.2 s for a `--batch` command) wherever PYTHONDONTWRITEBYTECODE
    is set, and after every change of a module. Only the controller compiles, before xdist's workers start."""
    home = Path(tempfile.mkdtemp(prefix="spark-tui-hypothesis-"))
    set_hypothesis_home_dir(home)
    config.add_cleanup(lambda: shutil.rmtree(home, ignore_errors=True))
    if not hasattr(config, "workerinput"):
        with contextlib.suppress(OSError):  # a read-only checkout: the processes compile as before
            compileall.compile_dir(PACKAGE, quiet=1)
        if config.getoption("numprocesses", None):
            rewrite_test_modules_once(config)


def rewrite_test_modules_once(config: pytest.Config) -> None:
    """Write pytest's assertion-rewritten bytecode of every test module before xdist's workers start.

    pytest rewrites the asserts of each test module on import and caches the result, except where
    PYTHONDONTWRITEBYTECODE is set: then every worker rewrote every module again, 2.5 s of CPU per
    worker. pytest reads a cached module even then, so the controller writes them once (as pytest itself
    would, checked against the source's mtime and size) and the workers read them. This uses pytest's
    internals, so any change there only brings the slow path back."""
    try:
        from _pytest.assertion.rewrite import PYC_TAIL, _read_pyc, _rewrite_test, _write_pyc, assertstate_key, get_cache_dir
    except ImportError:
        return
    state = config.stash.get(assertstate_key, None)
    if state is None or config.getoption("assertmode") != "rewrite":
        return
    tests = Path(__file__).resolve().parent
    for module in sorted({*tests.rglob("test_*.py"), *tests.rglob("conftest.py")}):
        if {"bench", "__snapshots__"} & set(module.relative_to(tests).parts):
            continue
        pyc = get_cache_dir(module) / (module.name[:-3] + PYC_TAIL)
        if _read_pyc(module, pyc) is not None:
            continue
        with contextlib.suppress(OSError):  # a read-only checkout: each worker rewrites as before
            pyc.parent.mkdir(exist_ok=True)
            source_stat, code = _rewrite_test(module, config)
            _write_pyc(state, code, source_stat, pyc)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` (addopts): one worker more than the usable cores. A third of the suite's time is spent
    waiting (on spawned CLI, serve and worker processes, on a TUI going idle); with one worker per core
    those waits leave a core idle, with one more the cores stay busy (on 2 cores: 83 s -> 72 s for the
    non-TUI tests, at the same CPU time)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cores + 1


LONG_TESTS_FIRST = (
    "test_readme_examples.py",
    "tui/test_tui_screens_every_key.py",
    "tui/test_tui_every_key.py",
    "test_benchmarks_smoke.py",
    "tui/test_tui_promote.py",
    "tui/test_tui_saved_plans.py",
    "tui/test_tui_import.py",
    "server/test_client_proxy.py",
    "remote/test_sdk_import.py",
    "tui/test_tui_job_times.py",
    "tui/test_tui_flows.py",
    "tui/test_tui_keys_burst.py",
)
"""Modules whose tests take seconds each (a README block, every key of a screen, a benchmark at a tiny size)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The modules of LONG_TESTS_FIRST run first, the rest in their usual order, so that a run ends on short
    tests: in collection order the slowest (the TUI's every-key tests) came last, and one worker was still
    running them while the others had nothing left to do. This needs `--dist worksteal` (addopts): xdist's
    default `load` gives each worker a quarter of its share as one consecutive chunk first, so the first
    worker got nearly all the long tests and ran them alone while the others finished everything else."""
    tests = Path(__file__).resolve().parent
    missing = [name for name in LONG_TESTS_FIRST if not (tests / name).is_file()]
    if missing:
        raise pytest.UsageError(f"LONG_TESTS_FIRST in {__file__} names modules that do not exist: {missing}; update it")
    rank = {name: i for i, name in enumerate(LONG_TESTS_FIRST)}

    def place(item: pytest.Item) -> int:
        try:
            return rank.get(item.path.relative_to(tests).as_posix(), len(rank))
        except ValueError:  # a test outside tests/ (none today)
            return len(rank)

    items.sort(key=place)


@pytest.fixture(autouse=True)
def empty_cwd(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test starts in an empty directory of its own: what a test saves "here" lands there."""
    cwd = tmp_path_factory.mktemp("cwd")
    monkeypatch.chdir(cwd)
    return cwd


@pytest.fixture(autouse=True)
def spark_tui_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("SPARK_TUI_HOME", str(home))
    for var in ("CSPARK_BASE_URL", "CSPARK_BEARER_TOKEN", "CSPARK_API_KEY", "CSPARK_CLIENT_ID", "CSPARK_CLIENT_SECRET"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def fixture_zip() -> Path:
    """The real package; it is part of the repository, so a missing file is a failure, not a skip."""
    assert FIXTURE_ZIP.is_file(), f"test fixture {FIXTURE_ZIP} is missing from the checkout; restore it with git"
    return FIXTURE_ZIP
