"""Comparing environments through the core API: every state, how each row was decided, scope, mappings,
restricted folders (embedded ↔ embedded; the remote side is in test_compare_remote.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from comparekit import Tenant, row, states, versions
from spark_tui.promotion.compare import Scope, compare, drift_version_ids, matrix
from spark_tui.promotion.mappings import parse_map, read_mapping_file
from spark_tui.spark.compare_wire import Comparison, ServiceState
from spark_tui.spark.errors import ValidationFailed


@pytest.fixture
def dev_uat(tmp_path: Path) -> tuple[Tenant, Tenant]:
    return Tenant(tmp_path / "ws", "dev"), Tenant(tmp_path / "ws", "uat")


def run(dev: Tenant, uat: Tenant, **options) -> Comparison:
    source, target = dev.backend(), uat.backend()
    try:
        return compare(source, [target], **options)
    finally:
        source.close()
        target.close()


def test_every_state_decided_by_fingerprint(dev_uat: tuple[Tenant, Tenant]) -> None:
    dev, uat = dev_uat
    for number, content in (("1.0.0", "A"), ("1.1.0", "B")):
        vid = dev.version("claims/same", number, content)
        uat.version("claims/same", number, content, version_id=vid)
    dev.version("claims/differs", "1.0.0", "A")
    uat.version("claims/differs", "1.0.0", "Z")
    dev.version("claims/behind", "1.0.0", "A")
    dev.version("claims/behind", "1.1.0", "B")
    uat.version("claims/behind", "1.0.0", "A")
    dev.version("claims/ahead", "1.0.0", "A")
    uat.version("claims/ahead", "1.0.0", "A")
    uat.version("claims/ahead", "2.0.0", "C")
    dev.version("claims/gone", "1.0.0", "A")
    uat.version("claims/new", "0.1.0", "N")
    dev.version("claims/mixed", "1.0.0", "A")
    dev.version("claims/mixed", "1.1.0", "B")
    uat.version("claims/mixed", "1.0.0", "A")
    uat.version("claims/mixed", "1.2.0", "C")

    result = run(dev, uat)
    [target] = result.targets
    assert states(result) == {
        "claims/same": "same", "claims/differs": "differs", "claims/behind": "missing_versions",
        "claims/ahead": "extra_versions", "claims/gone": "missing", "claims/new": "extra", "claims/mixed": "differs",
    }
    assert versions(row(target, "claims/same")) == [("1.0.0", "1.0.0", "same", "fingerprint"), ("1.1.0", "1.1.0", "same", "fingerprint")]
    assert versions(row(target, "claims/differs")) == [("1.0.0", "1.0.0", "differs", "fingerprint")]
    assert versions(row(target, "claims/behind")) == [("1.0.0", "1.0.0", "same", "fingerprint"), ("1.1.0", None, "missing", "fingerprint")]
    assert versions(row(target, "claims/ahead")) == [("1.0.0", "1.0.0", "same", "fingerprint"), (None, "2.0.0", "extra", "fingerprint")]
    assert versions(row(target, "claims/gone")) == [("1.0.0", None, "missing", "id")]
    assert versions(row(target, "claims/new")) == [(None, "0.1.0", "extra", "id")]
    # 1.1.0 could have been copied as 1.2.0: the fingerprints say it was not
    assert versions(row(target, "claims/mixed")) == [
        ("1.0.0", "1.0.0", "same", "fingerprint"), ("1.1.0", None, "missing", "fingerprint"), (None, "1.2.0", "extra", "fingerprint"),
    ]
    assert [(r.mark, r.latest_source, r.latest_target, r.latest_ahead) for r in target.services] == [
        ("+", "1.0.0", "2.0.0", "target"),  # ahead
        ("−", "1.1.0", "1.0.0", "source"),  # behind
        ("≠", "1.0.0", "1.0.0", "even"),  # differs
        ("−", "1.0.0", None, None),  # gone
        ("≠", "1.1.0", "1.2.0", "target"),  # mixed
        ("+", None, "0.1.0", None),  # new
        ("=", "1.1.0", "1.1.0", "even"),  # same
    ]
    assert target.summary == {"same": 1, "differs": 2, "missing": 1, "missing_versions": 1, "extra": 1,
                              "extra_versions": 1, "not_accessible": 0}
    assert result.differs and target.differs
    fp = row(target, "claims/differs").versions[0]
    assert fp.fingerprint_source == dev.ws.list_versions("dev", "claims", "differs")[0].fingerprint != fp.fingerprint_target
    # promoting the drift carries exactly the missing and differing source versions
    wanted = {v.id for s in ("differs", "behind", "gone", "mixed") for v in dev.ws.list_versions("dev", "claims", s)
              if (s, v.version) not in {("behind", "1.0.0"), ("mixed", "1.0.0")}}
    assert sorted(drift_version_ids(target)) == sorted(wanted)


def test_identical_tenants_do_not_differ(dev_uat: tuple[Tenant, Tenant]) -> None:
    dev, uat = dev_uat
    vid = dev.version("claims/a", "1.0.0", "A")
    uat.version("claims/a", "1.0.0", "A", version_id=vid)
    result = run(dev, uat)
    assert states(result) == {"claims/a": "same"} and not result.differs
    assert result.only_differences().targets[0].services == []


def test_an_add_version_copy_is_same_under_the_targets_number(dev_uat: tuple[Tenant, Tenant]) -> None:
    dev, uat = dev_uat
    dev.version("pricing/rate", "1.0.0", "A")
    dev.version("pricing/rate", "1.1.0", "B")
    uat.version("pricing/rate", "3.0.0", "X")
    uat.version("pricing/rate", "3.1.0", "A")  # add_version numbered the copies after uat's 3.0.0
    uat.version("pricing/rate", "3.2.0", "B")
    [target] = run(dev, uat).targets
    service = row(target, "pricing/rate")
    assert versions(service) == [
        ("1.0.0", "3.1.0", "same", "fingerprint"), ("1.1.0", "3.2.0", "same", "fingerprint"), (None, "3.0.0", "extra", "fingerprint"),
    ]
    assert service.state is ServiceState.extra_versions and service.latest_ahead == "target"
    assert drift_version_ids(target) == []


def test_a_renamed_service_pairs_through_the_mapping_file(dev_uat: tuple[Tenant, Tenant], tmp_path: Path) -> None:
    dev, uat = dev_uat
    vid = dev.version("claims/fraud", "1.0.0", "F")
    uat.version("uat-claims/fraud-score", "1.0.0", "F", version_id=vid, named="fraud")
    dev.version("claims/triage", "2.0.0", "T")
    uat.version("uat-claims/triage", "2.0.0", "T")
    uat.folder("claims")
    mapping_file = tmp_path / "maps.toml"
    mapping_file.write_text('[folders]\n"claims" = "uat-claims"\n[services]\n"claims/fraud" = "uat-claims/fraud-score"\n')

    unmapped = run(dev, uat)
    assert states(unmapped) == {"claims/fraud": "missing", "claims/triage": "missing",
                                "uat-claims/fraud-score": "extra", "uat-claims/triage": "extra"}
    mapped = run(dev, uat, mappings=read_mapping_file(mapping_file).mappings)
    [target] = mapped.targets
    assert [(r.service_uri_source, r.service_uri_target, r.state.value) for r in target.services] == [
        ("claims/fraud", "uat-claims/fraud-score", "same"), ("claims/triage", "uat-claims/triage", "same"),
    ]
    assert not mapped.differs
    # --map gives the same pairing as the file
    assert run(dev, uat, mappings=[parse_map("claims=uat-claims"), parse_map("claims/fraud=uat-claims/fraud-score")]) == mapped


def test_restricted_folders_are_not_accessible_never_missing(dev_uat: tuple[Tenant, Tenant]) -> None:
    dev, uat = dev_uat
    dev.folder("secret", group="team:secret")
    dev.version("secret/model", "1.0.0", "S")
    uat.folder("secret")
    uat.version("secret/model", "1.0.0", "S")
    uat.version("secret/other", "1.0.0", "O")
    uat.folder("vault", group="team:vault")
    dev.version("vault/key", "1.0.0", "K")
    dev.version("open/a", "1.0.0", "A")
    uat.version("open/a", "1.0.0", "A")
    groups = ("team:vault",)  # dev's user may open vault but not secret; uat's may open secret but not vault
    source, target = dev.backend(groups=groups), uat.backend(groups=("team:secret",))
    try:
        result = compare(source, [target])
    finally:
        source.close()
        target.close()
    [t] = result.targets
    assert states(result) == {"open/a": "same", "secret/model": "not_accessible", "secret/other": "not_accessible",
                              "vault/key": "not_accessible"}
    assert [(r.service_uri_source, r.inaccessible_side) for r in t.services if r.state is ServiceState.not_accessible] == [
        (None, "source"), (None, "source"), ("vault/key", "target"),
    ]
    assert [(f.side, f.folder) for f in t.inaccessible_folders] == [("source", "secret"), ("target", "vault")]
    assert "team:secret" in t.inaccessible_folders[0].message
    assert t.differs  # what cannot be seen is not proven the same
    assert drift_version_ids(t) == []


def test_scope_narrows_to_folders_and_services(dev_uat: tuple[Tenant, Tenant]) -> None:
    dev, uat = dev_uat
    dev.version("claims/a", "1.0.0", "A")
    dev.version("claims/b", "1.0.0", "B")
    dev.version("pricing/p", "1.0.0", "P")
    uat.version("claims/z", "1.0.0", "Z")
    uat.version("other/o", "1.0.0", "O")
    assert states(run(dev, uat, scope=Scope(folders=("claims",)))) == {"claims/a": "missing", "claims/b": "missing", "claims/z": "extra"}
    assert states(run(dev, uat, scope=Scope(services=("claims/b", "pricing/p")))) == {"claims/b": "missing", "pricing/p": "missing"}
    assert len(states(run(dev, uat))) == 5


def test_bad_scope_and_mappings_are_named_all_at_once(dev_uat: tuple[Tenant, Tenant]) -> None:
    dev, uat = dev_uat
    dev.version("claims/a", "1.0.0", "A")
    dev.version("pricing/p", "1.0.0", "P")
    uat.folder("claims")
    with pytest.raises(ValidationFailed) as exc:
        run(dev, uat, scope=Scope(folders=("nope",), services=("claims", "claims/zz")))
    messages = [e.message for e in exc.value.errors]
    assert any("'claims' is not folder/service" in m for m in messages)
    assert any("folder 'nope' is not in the source tenant" in m and "claims" in m for m in messages)
    with pytest.raises(ValidationFailed) as exc:
        run(dev, uat, scope=Scope(services=("claims/zz",)))
    assert "service 'claims/zz' is not in the source tenant" in exc.value.errors[0].message
    with pytest.raises(ValidationFailed) as exc:
        run(dev, uat, mappings=[parse_map("claims/typo=uat/x"), parse_map("ghost=uat")])
    assert [e.ref for e in exc.value.errors] == ["claims/typo", "ghost"]
    # a mapping outside a narrowed scope is not used, and not an error
    assert states(run(dev, uat, scope=Scope(folders=("claims",)), mappings=[parse_map("pricing=uat")])) == {"claims/a": "missing"}


def test_several_targets_make_a_matrix(tmp_path: Path) -> None:
    dev, uat, prod = (Tenant(tmp_path / "ws", name) for name in ("dev", "uat", "prod"))
    a1 = dev.version("claims/a", "1.0.0", "A")
    dev.version("claims/a", "1.1.0", "B")
    uat.version("claims/a", "1.0.0", "A", version_id=a1)
    uat.version("claims/a", "1.1.0", "B")
    prod.version("claims/a", "1.0.0", "A", version_id=a1)
    prod.version("claims/only-prod", "1.0.0", "P")
    backends = [t.backend() for t in (dev, uat, prod)]
    try:
        result = compare(backends[0], backends[1:])
    finally:
        for b in backends:
            b.close()
    rows = [(r.service, r.latest_source, [(c.latest, c.mark) if c else None for c in r.cells]) for r in matrix(result)]
    assert rows == [
        ("claims/a", "1.1.0", [("1.1.0", "="), ("1.0.0", "−")]),
        ("claims/only-prod", None, [None, ("1.0.0", "+")]),
    ]


def test_after_a_promotion_with_renames_and_add_version_nothing_is_missing(one_workspace, out_dir: Path) -> None:
    """A real promotion (export, import with add_version into a renamed service), then the comparison with the
    same mappings: the copies are `same` under the target's numbers, uat's own 2.0.0 is extra."""
    from spark_tui.promotion.prepare import prepare
    from spark_tui.promotion.run import run as promote_run
    from spark_tui.spark.export_wire import ExportInputs, ExportRequest
    from spark_tui.spark.values import IfPresent

    renames = [parse_map("synth-0000=UAT"), parse_map("synth-0000/service-0001=UAT/rates:major")]
    source, target = one_workspace.source, one_workspace.target
    assert states(compare(source, [target], mappings=renames)) == {
        "synth-0000/service-0000": "missing", "synth-0000/service-0001": "differs",  # rates 2.0.0 is neither 1.0.x
    }
    prepared = prepare(source, target, ExportRequest(inputs=ExportInputs(folders=["synth-0000"])), renames,
                       if_present=IfPresent.add_version)
    promote_run(source, target, prepared, out_dir)
    result = compare(source, [target], mappings=renames)
    [t] = result.targets
    assert versions(row(t, "synth-0000/service-0001")) == [
        ("1.0.0", "3.0.0", "same", "fingerprint"), ("1.0.1", "4.0.0", "same", "fingerprint"), (None, "2.0.0", "extra", "fingerprint"),
    ]
    assert row(t, "synth-0000/service-0001").service_uri_target == "UAT/rates"
    assert versions(row(t, "synth-0000/service-0000")) == [
        ("1.0.0", "1.0.0", "same", "fingerprint"), ("1.0.1", "1.0.1", "same", "fingerprint")]
    assert states(result) == {"synth-0000/service-0000": "same", "synth-0000/service-0001": "extra_versions"}
    assert drift_version_ids(t) == []
