"""`--version-filter latest` picks a pre-release over a release (SemVer, as Spark does): the dry run and
the promotion plan say so; a release as latest, or `all`, says nothing."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from promokit import Pair
from spark_tui.engine.artifacts import version_files
from spark_tui.engine.store import Workspace

NOTICE = ("latest of Releases/quote is the pre-release 2.0.0-rc.1, over the release 1.10.0 "
          "(SemVer precedence, as Spark ranks them)")
HINT = "hint: to take a release instead, name its version: --service 'FOLDER/SERVICE[1.10.0]'"


@pytest.fixture
def candidate(profiles: Pair, tmp_path: Path) -> Pair:
    """`dev` gains folder Releases, service quote: 1.9.0, 1.10.0 and 2.0.0-rc.1; service steady: 1.0.0 only."""
    ws = Workspace(tmp_path / "ws")
    ws.add_folder("dev", "Releases")
    for service, versions in (("quote", ("1.9.0", "1.10.0", "2.0.0-rc.1")), ("steady", ("1.0.0",))):
        sid = ws.add_service("dev", "Releases", service)
        for version in versions:
            vid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{service}/{version}"))
            ws.add_version("dev", sid, version, version_files(ws, "dev", "Releases", service, version, vid, payload_bytes=300),
                           version_id=vid)
    ws.close()
    return profiles


def test_dry_run_says_latest_is_a_pre_release(cli, candidate: Pair) -> None:
    result = cli("--profile", "dev", "--folder", "Releases", "--version-filter", "latest", "--dry-run", "--json")
    assert result.code == 0, result.err
    assert [v["version_source"] for v in result.json["service_versions"]] == ["2.0.0-rc.1", "1.0.0"]  # Spark's choice kept
    assert result.err.splitlines() == [f"notice: {NOTICE}", HINT]


def test_the_plan_says_it_in_text_and_json(cli, candidate: Pair) -> None:
    argv = ("--profile", "dev", "--promote-to", "uat", "--folder", "Releases", "--version-filter", "latest",
            "--map", "Releases=UAT", "--plan")
    text = cli(*argv)
    assert text.code == 0, text.err
    assert f"  notice: {NOTICE}\ngo: 2 service(s), 2 version(s)" in text.out and HINT in text.err
    assert cli(*argv, "--json").json["notices"] == [NOTICE]


@pytest.mark.parametrize("argv", [
    ("--folder", "Releases"),  # version_filter all: every version, nothing picked
    ("--service", "Releases/steady", "--version-filter", "latest"),  # latest is a release
])
def test_no_notice_when_nothing_was_picked_for_the_user(cli, candidate: Pair, argv: tuple) -> None:
    result = cli("--profile", "dev", *argv, "--dry-run")
    assert result.code == 0, result.err
    assert "notice" not in result.err
