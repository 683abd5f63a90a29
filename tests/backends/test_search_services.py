"""search_services: the catalog filter searches the whole tenant (embedded: one SQL query), not what is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from spark_tui.backends.embedded import EmbeddedBackend
from spark_tui.engine.demo import DEMO_TENANT, RESTRICTED_FOLDER, RESTRICTED_GROUP, ensure_demo
from spark_tui.engine.store import Workspace


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    ws = Workspace(tmp_path)
    ensure_demo(ws, DEMO_TENANT)
    ws.close()
    return tmp_path


def backend(root: Path, groups: tuple[str, ...] = ()) -> EmbeddedBackend:
    return EmbeddedBackend(root, DEMO_TENANT, "me@example.com", groups, spawn=False)


def test_names_containing_the_query_in_any_case_across_folders(demo: Path) -> None:
    b = backend(demo)
    page = b.search_services("PREM")
    assert [(s.folder, s.name) for s in page.items] == [("insurance-pricing", "home-premium"),
                                                         ("insurance-pricing", "motor-premium")]
    assert page.total == 2 and page.items[0].version_count > 0
    assert b.search_services("no-such-thing").total == 0
    b.close()


def test_like_wildcards_are_literal_and_pages_split_the_result(demo: Path) -> None:
    b = backend(demo)
    assert b.search_services("%").total == 0 and b.search_services("_").total == 0
    everything = b.search_services("", page_size=100)
    first, second = b.search_services("", page=1, page_size=4), b.search_services("", page=2, page_size=4)
    assert first.total == everything.total and first.items + second.items == everything.items[:8]
    b.close()


def test_restricted_folders_are_searched_only_with_their_group(demo: Path) -> None:
    outsider, member = backend(demo), backend(demo, (RESTRICTED_GROUP,))
    assert RESTRICTED_FOLDER not in {s.folder for s in outsider.search_services("").items}
    assert RESTRICTED_FOLDER in {s.folder for s in member.search_services("").items}
    outsider.close()
    member.close()
