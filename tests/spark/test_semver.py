"""Semantic versions: parsing, SemVer 2.0 precedence (pre-releases included) and "starts with" matching."""

from __future__ import annotations

import re
from functools import cmp_to_key

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spark_tui.spark.semver import InvalidVersion, SemVer, is_valid_spec, latest_matching, matches_spec, precedence_key

numbers = st.integers(min_value=0, max_value=30)
alnum_ids = st.from_regex(r"[a-z][a-z0-9-]{0,5}", fullmatch=True)
pre_ids = st.one_of(numbers.map(str), alnum_ids)
prereleases = st.lists(pre_ids, max_size=3)
builds = st.one_of(st.just(""), st.from_regex(r"[0-9a-z]{1,4}(\.[0-9a-z]{1,4}){0,2}", fullmatch=True))


@st.composite
def versions(draw) -> str:
    text = f"{draw(numbers)}.{draw(numbers)}.{draw(numbers)}"
    if pre := draw(prereleases):
        text += "-" + ".".join(pre)
    if build := draw(builds):
        text += "+" + build
    return text


def reference_compare(a: str, b: str) -> int:
    """semver.org §11, written independently of the implementation under test."""
    def split(text: str):
        core, _, pre = text.split("+", 1)[0].partition("-")
        return [int(x) for x in core.split(".")], pre.split(".") if pre else []

    (ca, pa), (cb, pb) = split(a), split(b)
    if ca != cb:
        return -1 if ca < cb else 1
    if not pa or not pb:
        return (not pa) - (not pb)
    for x, y in zip(pa, pb):
        if x == y:
            continue
        if x.isdigit() and y.isdigit():
            return -1 if int(x) < int(y) else 1
        if x.isdigit() != y.isdigit():
            return -1 if x.isdigit() else 1
        return -1 if x < y else 1
    return (len(pa) > len(pb)) - (len(pa) < len(pb))


def test_semver_org_precedence_example() -> None:
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"]
    assert sorted(reversed(ordered), key=SemVer.parse) == ordered
    assert SemVer.parse("1.9.0") < SemVer.parse("1.10.0") < SemVer.parse("2.0.0-rc.1") < SemVer.parse("2.0.0")


@given(versions(), versions())
def test_precedence_follows_the_spec(a: str, b: str) -> None:
    va, vb = SemVer.parse(a), SemVer.parse(b)
    expected = reference_compare(a, b)
    assert (va < vb, va == vb, va > vb) == (expected < 0, expected == 0, expected > 0)


@given(st.lists(versions(), min_size=1, max_size=8))
def test_sorting_matches_the_reference(texts: list[str]) -> None:
    ours = [str(v).split("+")[0] for v in sorted(map(SemVer.parse, texts))]
    reference = [t.split("+")[0] for t in sorted(texts, key=cmp_to_key(reference_compare))]
    assert [SemVer.parse(t) for t in ours] == [SemVer.parse(t) for t in reference]


@given(st.lists(versions(), min_size=1, max_size=8))
def test_precedence_key_sorts_like_the_reference(texts: list[str]) -> None:
    ours = sorted(texts, key=precedence_key)
    reference = sorted(texts, key=cmp_to_key(reference_compare))
    assert [reference_compare(a, b) for a, b in zip(ours, reference)] == [0] * len(ours)


@given(versions())
def test_parse_and_str_round_trip(text: str) -> None:
    assert str(SemVer.parse(text)) == text


def test_build_metadata_is_ignored_in_precedence() -> None:
    assert SemVer.parse("1.2.3+build.5") == SemVer.parse("1.2.3+other")


@pytest.mark.parametrize("bad", ["1.2", "01.2.3", "1.02.3", "1.2.3-01", "1.2.3-", "v1.2.3", "1.2.3.4", "", "1.2.3-rc..1", "1.2.3+"])
def test_invalid_versions_name_the_value(bad: str) -> None:
    with pytest.raises(InvalidVersion, match=re.escape(f"'{bad}' is not a semantic version")):
        SemVer.parse(bad)


def test_bump() -> None:
    v = SemVer.parse("1.4.2-rc.1")
    assert (str(v.bump("major")), str(v.bump("minor")), str(v.bump("patch"))) == ("2.0.0", "1.5.0", "1.4.3")
    with pytest.raises(ValueError, match="unknown version part 'micro'"):
        v.bump("micro")


# --- "starts with" by whole components -------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "version", "expected"),
    [
        ("3.2", "3.2.0", True), ("3.2", "3.2.7", True), ("3.2", "3.20.1", False), ("3", "3.20.1", True),
        ("3", "30.0.0", False), ("1.2.3", "1.2.3", True), ("1.2.3", "1.2.30", False),
        ("2.0.0-rc", "2.0.0-rc.1", True), ("2.0.0-rc", "2.0.0-rcx", False), ("2.0.0", "2.0.0-rc.1", True),
        ("1.2", "1.2.3+build", True),
    ],
)
def test_matches_spec_examples(spec: str, version: str, expected: bool) -> None:
    assert matches_spec(spec, version) is expected


@given(versions(), st.integers(min_value=1, max_value=3))
def test_every_component_prefix_matches(text: str, n: int) -> None:
    core = text.split("+")[0].split("-")[0].split(".")
    assert matches_spec(".".join(core[:n]), text)


@given(numbers, numbers, numbers, st.integers(min_value=1, max_value=9))
def test_a_textual_prefix_that_is_not_a_component_never_matches(major: int, minor: int, patch: int, digit: int) -> None:
    longer = f"{major}.{minor}{digit}.{patch}"  # e.g. 3.2 vs 3.2x.y
    assert not matches_spec(f"{major}.{minor}", longer)


@given(st.lists(versions(), min_size=1, max_size=10), st.integers(min_value=1, max_value=2))
def test_latest_matching_is_the_highest_match(texts: list[str], n: int) -> None:
    spec = ".".join(texts[0].split("+")[0].split("-")[0].split(".")[:n])
    best = latest_matching(spec, texts)
    matching = [t for t in texts if matches_spec(spec, t)]
    assert best in matching
    assert all(SemVer.parse(t) <= SemVer.parse(best) for t in matching)


def test_latest_matching_prefers_precedence_over_text_order() -> None:
    assert latest_matching("1", ["1.2.0", "1.10.0", "1.9.9"]) == "1.10.0"
    assert latest_matching("2", ["2.0.0-rc.1", "2.0.0"]) == "2.0.0"
    assert latest_matching("4", ["1.0.0"]) is None


@pytest.mark.parametrize("spec", ["1", "1.2", "1.2.3", "1.2.3-rc", "1.2.3-rc.1", "0.0.0"])
def test_valid_specs(spec: str) -> None:
    assert is_valid_spec(spec)


@pytest.mark.parametrize("spec", ["", "1.", ".1", "1.2.", "a", "1.2-rc", "1..2", "v1", "1.2.3.4", "01", "1.02"])
def test_invalid_specs(spec: str) -> None:
    assert not is_valid_spec(spec)
