"""The service-identifier grammar of `inputs.services` and `inputs.version_ids`."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spark_tui.spark.uri import (
    InvalidReference,
    parse_service_ref,
    parse_version_id,
    service_uri,
    validate_name,
)

names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Zs", "Zl", "Zp"), blacklist_characters="/\\[]"),
    min_size=1, max_size=20,
).filter(lambda n: n not in (".", ".."))
folders = names.filter(lambda n: n not in ("service", "version"))  # `service/…`, `version/…` are the id forms
specs = st.lists(st.integers(min_value=0, max_value=99).map(str), min_size=1, max_size=3).map(".".join)
uuids = st.uuids().map(str)


@given(folders, names)
def test_folder_service(folder: str, service: str) -> None:
    ref = parse_service_ref(f"{folder}/{service}")
    assert (ref.folder, ref.service, ref.version_spec, ref.service_id, ref.version_id) == (folder, service, None, None, None)
    assert not ref.names_specific_version


@given(folders, names, specs)
def test_folder_service_version_round_trips_through_service_uri(folder: str, service: str, spec: str) -> None:
    ref = parse_service_ref(service_uri(folder, service, spec))
    assert (ref.folder, ref.service, ref.version_spec) == (folder, service, spec)
    assert ref.names_specific_version


@given(names, names, specs)
def test_sdk_long_form(folder: str, service: str, spec: str) -> None:
    ref = parse_service_ref(f"folders/{folder}/services/{service}[{spec}]")
    assert (ref.folder, ref.service, ref.version_spec) == (folder, service, spec)


@given(uuids, st.sampled_from(["", "service/"]), st.booleans())
def test_service_uuid_forms(uid: str, prefix: str, upper: bool) -> None:
    ref = parse_service_ref(prefix + (uid.upper() if upper else uid))
    assert ref.service_id == uid and ref.folder is None and not ref.names_specific_version


@given(uuids, st.booleans())
def test_version_uuid_form(uid: str, upper: bool) -> None:
    ref = parse_service_ref("version/" + (uid.upper() if upper else uid))
    assert ref.version_id == uid and ref.names_specific_version
    assert parse_version_id(uid.upper()) == uid == parse_version_id(f"version/{uid}")


def test_surrounding_spaces_and_empty_brackets() -> None:
    assert parse_service_ref("  pricing/quote  ").service == "quote"
    assert parse_service_ref("pricing/quote[]").version_spec is None
    assert parse_service_ref("pricing/quote[ 1.2 ]").version_spec == "1.2"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty service reference"),
        ("   ", "empty service reference"),
        ("quote", "'quote' is not a service reference"),
        ("a/b/c", "'a/b/c' is not a service reference"),
        ("/quote", "invalid folder name ''"),
        ("pricing/", "invalid service name ''"),
        ("pricing/quote[1.2", "is not a service reference"),
        ("pricing/quo]te", "invalid service name 'quo]te'"),
        ("pricing/quote[abc]", "version 'abc' is not a semantic version prefix"),
        ("pricing/quote[3.20.]", "version '3.20.' is not a semantic version prefix"),
        ("service/123", "'123' is not a UUID; use service/<uuid>"),
        ("version/not-a-uuid", "'not-a-uuid' is not a UUID; use version/<uuid>"),
        ("pri\x07cing/quote", "invalid folder name"),
    ],
)
def test_malformed_references_name_the_value(text: str, message: str) -> None:
    with pytest.raises(InvalidReference) as err:
        parse_service_ref(text)
    assert message in str(err.value)


@given(st.text(max_size=30))
def test_parser_never_crashes(text: str) -> None:
    try:
        ref = parse_service_ref(text)
    except InvalidReference as exc:
        assert str(exc)
        return
    assert sum(x is not None for x in (ref.folder, ref.service_id, ref.version_id)) == 1


@pytest.mark.parametrize("bad", ["", "12345", "91299a5d-9328-4435-911b-4e5f7783f5d", "{91299a5d-9328-4435-911b-4e5f7783f5d4}", "service/" + str(uuid.UUID(int=1))])
def test_bad_version_ids(bad: str) -> None:
    with pytest.raises(InvalidReference, match="is not a UUID"):
        parse_version_id(bad)


@pytest.mark.parametrize("bad", ["", " x", "x ", "a/b", "a[b", "a]b", "a\nb", "a\x7fb"])
def test_validate_name(bad: str) -> None:
    with pytest.raises(InvalidReference, match="invalid folder name"):
        validate_name("folder", bad)
    assert validate_name("folder", "Pricing Models (EU)") == "Pricing Models (EU)"


def test_service_uri() -> None:
    assert service_uri("f", "s") == "f/s"
    assert service_uri("f", "s", "1.2.3") == "f/s[1.2.3]"


@pytest.mark.parametrize("char", ["\u0085", "\u009b", "\u202e", "\u2066", "\u200b", "\u200d", "\ufeff", "\u00ad", "\U000e0001"])
@pytest.mark.parametrize("kind", ["folder", "service", "tenant"])
def test_names_with_c1_controls_or_format_characters_are_refused(char: str, kind: str) -> None:
    with pytest.raises(InvalidReference, match=f"contains U\\+{ord(char):04X} .*invisible control or format character"):
        validate_name(kind, f"pay{char}roll")


@pytest.mark.parametrize("name", ["Prämien", "保险", "naïve café", "a–b", "x" * 255])
def test_visible_unicode_names_stay_valid(name: str) -> None:
    assert validate_name("folder", name) == name


@given(st.text(max_size=10), st.characters(whitelist_categories=("Cc", "Cf")), st.text(max_size=10))
def test_any_name_holding_a_cc_or_cf_character_is_refused(head: str, char: str, tail: str) -> None:
    with pytest.raises(InvalidReference):
        validate_name("folder", head + char + tail)
