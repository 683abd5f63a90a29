"""`--map` and mapping files: parsing, every bad value named, expansion against a selection."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from spark_tui.promotion.mappings import Mapping, covers, make_mapping, parse_map, read_mapping_file, service_mappings
from spark_tui.spark.errors import ValidationFailed
from spark_tui.spark.values import IfPresent, VersionBump


def test_parse_service_and_folder_maps() -> None:
    assert parse_map("claims/fraud=uat-claims/fraud-score") == Mapping("claims/fraud", "uat-claims/fraud-score")
    assert parse_map("claims/fraud=uat/fraud:major").upgrade is VersionBump.major
    folder = parse_map("claims=uat-claims:patch")
    assert folder.is_folder and folder.destination == "uat-claims" and folder.upgrade is VersionBump.patch


def test_a_colon_inside_a_name_stays_in_the_name() -> None:
    assert parse_map("a/b=c:d/e").destination == "c:d/e"
    assert parse_map("a/b=c/d:e:major") == Mapping("a/b", "c/d:e", VersionBump.major)
    assert parse_map("a:b/c=x/y").source == "a:b/c"


@pytest.mark.parametrize("text, suffix", [("a/b=c/d:evil", "evil"), ("f/s=f/s:v2", "v2"), ("claims:Major", "Major"),
                                          ("a/b=c/d:", ""), ("a=c:minorx", "minorx")])
def test_an_unknown_upgrade_suffix_is_refused(text: str, suffix: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        parse_map(text)
    assert f"--map '{text}': unknown upgrade ':{suffix}'; end with one of :major, :minor, :patch" in exc.value.message


@pytest.mark.parametrize("text, source, bump", [
    ("claims/fraud", "claims/fraud", None), ("claims/fraud:patch", "claims/fraud", VersionBump.patch),
    ("claims", "claims", None),
])
def test_a_source_alone_keeps_its_name(text: str, source: str, bump: VersionBump | None) -> None:
    assert parse_map(text) == Mapping(source, source, bump)


def test_covers_names_the_service_or_its_folder() -> None:
    assert covers(parse_map("claims"), "claims/fraud") and covers(parse_map("claims/fraud=x/y"), "claims/fraud")
    assert not covers(parse_map("claims/triage"), "claims/fraud") and not covers(parse_map("claim"), "claims/fraud")


@pytest.mark.parametrize("text, named", [
    ("=x/y", "SRC=DST"),
    ("a/b=", "SRC=DST"),
    ("a/b=:major", "SRC=DST"),
    ("a/b/c=x/y", "more than one '/'"),
    ("claims=uat/fraud", "folder onto a service"),
    ("claims/ fraud=x/y", "invalid service name"),
])
def test_bad_maps_are_named(text: str, named: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        parse_map(text)
    assert named in exc.value.message and text.split("=")[0] in exc.value.message


def test_expansion_service_beats_folder_beats_identity() -> None:
    maps = [parse_map("claims=uat-claims"), parse_map("claims/fraud=uat-claims/fraud-score:major")]
    result = service_mappings(maps, [("claims", "fraud"), ("claims", "triage"), ("other", "x")], VersionBump.patch)
    assert [(m.service_uri_source, m.service_uri_destination, m.update_version_type.value) for m in result] == [
        ("claims/fraud", "uat-claims/fraud-score", "major"),
        ("claims/triage", "uat-claims/triage", "patch"),
        ("other/x", "other/x", "patch"),
    ]


def test_expansion_reports_every_problem_at_once() -> None:
    maps = [parse_map("claims/fraud=a/b"), parse_map("claims/fraud=a/c"), parse_map("nowhere=x")]
    with pytest.raises(ValidationFailed) as exc:
        service_mappings(maps, [("claims", "fraud")])
    messages = [e.message for e in exc.value.errors]
    assert len(messages) == 2
    assert "mapped twice" in messages[0] and "'nowhere' is not in the selection" in messages[1]


def test_mapping_file(tmp_path: Path) -> None:
    path = tmp_path / "map.toml"
    path.write_text(
        'upgrade = "patch"\nif_present = "add_version"\n[folders]\nclaims = "uat-claims"\n'
        '[services]\n"claims/fraud" = "uat-claims/fraud-score"\n'
        '"claims/triage" = { to = "uat-claims/triage-2", upgrade = "major" }\n'
    )
    result = read_mapping_file(path)
    assert result.upgrade is VersionBump.patch and result.if_present is IfPresent.add_version
    assert [(m.source, m.destination, m.upgrade) for m in result.mappings] == [
        ("claims", "uat-claims", None),
        ("claims/fraud", "uat-claims/fraud-score", None),
        ("claims/triage", "uat-claims/triage-2", VersionBump.major),
    ]


@pytest.mark.parametrize("text, named", [
    ('upgrade = "huge"', "key 'upgrade' is 'huge'"),
    ('if_present = "skip"', "key 'if_present' is 'skip'"),
    ('colour = 1', "unknown key 'colour'"),
    ('[services]\nclaims = "uat"', "put folder mappings under [folders]"),
    ('[services]\n"a/b" = 3', "expected \"DESTINATION\""),
    ('[folders\n', "not valid TOML"),
])
def test_bad_mapping_files_name_file_and_key(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "map.toml"
    path.write_text(text)
    with pytest.raises(ValidationFailed) as exc:
        read_mapping_file(path)
    assert named in exc.value.message and str(path) in exc.value.message


@pytest.mark.parametrize("text", ['upgrade = "\u001b[2J\u001b]0;pwned\u0007"', '"\u001b[31mred" = 1', '[services]\n"a/\u009bb" = "c/d"'])
def test_escape_sequences_from_a_mapping_file_are_never_echoed_raw(tmp_path: Path, text: str) -> None:
    path = tmp_path / "map.toml"
    path.write_text(text)
    with pytest.raises(ValidationFailed) as exc:
        read_mapping_file(path)
    messages = [exc.value.message, *(e.message for e in exc.value.errors), *(e.ref or "" for e in exc.value.errors)]
    assert all(m.isprintable() for m in messages) and any("\\x1b" in m or "\\x9b" in m for m in messages), messages


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_toml_is_a_clear_refusal(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "map.toml"
    path.write_text("x = " + "[" * depth + "]" * depth)
    with pytest.raises(ValidationFailed, match="is nested too deeply to be a mapping file|unknown key 'x'"):
        read_mapping_file(path)


def test_a_fifo_or_directory_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "map.fifo"
    os.mkfifo(fifo)
    for path in (fifo, tmp_path):
        outcome: list[BaseException] = []
        reader = threading.Thread(target=lambda: outcome.append(pytest.raises(ValidationFailed, read_mapping_file, path).value), daemon=True)
        reader.start()
        reader.join(timeout=30)  # a regression blocks in open() forever: fail instead of hanging the run
        assert outcome and "is not a regular file" in str(outcome[0])


def test_an_oversized_mapping_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "map.toml"
    path.write_text("# " + "x" * (1024 * 1024) + "\n")
    with pytest.raises(ValidationFailed, match="is over 1048576 bytes"):
        read_mapping_file(path)


def test_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match="does not exist"):
        read_mapping_file(tmp_path / "nope.toml")


def test_make_mapping_checks_the_bump() -> None:
    with pytest.raises(ValidationFailed, match="unknown upgrade 'big'"):
        make_mapping("a/b", "c/d", "big")
