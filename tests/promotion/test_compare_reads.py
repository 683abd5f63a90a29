"""How a comparison reads: every page, each listing once, bounded concurrency per backend, progress, cancel."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from comparekit import Tenant, states
from spark_tui.promotion.compare import CompareCancelled, compare


class Counting:
    """Records every browse call (name and arguments) and how many run at once; `hold` runs inside list_versions."""

    def __init__(self, inner, hold=None, kind: str | None = None) -> None:
        self.inner, self.hold = inner, hold
        self.info = replace(inner.info, kind=kind) if kind else inner.info  # kind "spark": read as a remote backend
        self.calls: list[tuple] = []
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()

    def _track(self, name: str, *args, **kwargs):
        with self._lock:
            self.calls.append((name, *args, *sorted(kwargs.items())))
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            if name == "list_versions" and self.hold is not None:
                self.hold()
            return getattr(self.inner, name)(*args, **kwargs)
        finally:
            with self._lock:
                self.running -= 1

    def list_folders(self, *a, **k):
        return self._track("list_folders", *a, **k)

    def list_services(self, *a, **k):
        return self._track("list_services", *a, **k)

    def list_versions(self, *a, **k):
        return self._track("list_versions", *a, **k)


@pytest.fixture
def grid(tmp_path: Path) -> tuple[Tenant, Tenant]:
    """dev: 3 folders × 5 services; uat: the same but the last service of each folder."""
    dev, uat = Tenant(tmp_path / "ws", "dev"), Tenant(tmp_path / "ws", "uat")
    for f in range(3):
        for s in range(5):
            vid = dev.version(f"f{f}/s{s}", "1.0.0", f"{f}{s}")
            if s < 4:
                uat.version(f"f{f}/s{s}", "1.0.0", f"{f}{s}", version_id=vid)
    return dev, uat


def test_every_page_is_read_once(grid: tuple[Tenant, Tenant]) -> None:
    dev, uat = grid
    source, target = Counting(dev.backend()), Counting(uat.backend())
    result = compare(source, [target], page_size=2)
    expected = {f"f{f}/s{s}": "same" if s < 4 else "missing" for f in range(3) for s in range(5)}
    assert states(result) == expected
    for backend, services in ((source, 5), (target, 4)):
        assert max(Counter(backend.calls).values()) == 1  # nothing twice
        assert sorted(c for c in backend.calls if c[0] == "list_folders") == [
            ("list_folders", ("page", 1), ("page_size", 2)), ("list_folders", ("page", 2), ("page_size", 2))]
        pages = sorted((c[1], dict(c[2:])["page"]) for c in backend.calls if c[0] == "list_services")
        assert pages == [(f"f{f}", p) for f in range(3) for p in range(1, (services + 1) // 2 + 1)]
    assert sorted(c[1:] for c in target.calls if c[0] == "list_versions") == [(f"f{f}", f"s{s}") for f in range(3) for s in range(4)]


def test_calls_run_concurrently_up_to_the_limit(grid: tuple[Tenant, Tenant]) -> None:
    dev, uat = grid
    barrier = threading.Barrier(3, timeout=30)  # passes only while 3 list_versions calls are in flight together
    source = Counting(dev.backend(), hold=barrier.wait, kind="spark")
    target = Counting(uat.backend(), kind="spark")
    result = compare(source, [target], limit=3)
    assert len(states(result)) == 15  # 15 source services: five rounds of three
    assert source.most == 3 and target.most <= 3


def test_an_embedded_backend_is_read_in_the_callers_thread_one_call_at_a_time(grid: tuple[Tenant, Tenant]) -> None:
    dev, uat = grid
    threads: set[int] = set()
    source = Counting(dev.backend(), hold=lambda: threads.add(threading.get_ident()))
    target = Counting(uat.backend(), hold=lambda: threads.add(threading.get_ident()))
    result = compare(source, [target], limit=8)
    assert len(states(result)) == 15
    assert source.most == 1 and target.most == 1 and threads == {threading.get_ident()}


def test_a_remote_backend_is_read_while_an_embedded_one_is(grid: tuple[Tenant, Tenant]) -> None:
    """The remote side's calls run on its pool while the embedded side is read in the caller's thread."""
    dev, uat = grid
    remote_read, waited = threading.Event(), []

    def embedded_hold() -> None:  # the first embedded read waits until a remote one has run meanwhile
        if not waited:
            waited.append(remote_read.wait(timeout=30))

    source = Counting(dev.backend(), hold=embedded_hold)
    target = Counting(uat.backend(), hold=remote_read.set, kind="spark")
    result = compare(source, [target], limit=8)
    assert len(states(result)) == 15 and waited == [True]


def test_progress_counts_every_call_and_cancel_stops(grid: tuple[Tenant, Tenant]) -> None:
    dev, uat = grid
    seen: list[tuple[str, int, int]] = []
    compare(dev.backend(), [uat.backend()], progress=lambda what, done, known: seen.append((what, done, known)))
    calls = 2 + 3 + 3 + 15 + 12  # folders of both, services of 3 folders on each side, versions of each service
    assert max(done for _, done, _ in seen) == calls and max(known for _, _, known in seen) == calls
    assert {what for what, _, _ in seen} == {"folders", "services", "versions"}

    cancel = threading.Event()

    def stop_at_versions(what: str, done: int, known: int) -> None:
        if what == "versions":
            cancel.set()

    with pytest.raises(CompareCancelled) as exc:
        compare(dev.backend(), [uat.backend()], progress=stop_at_versions, cancel=cancel)
    assert exc.value.exit_code == 130
