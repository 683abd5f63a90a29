"""`--batch --compare` and `--promote-to --drift` end to end: the diff table, the matrix, the documented JSON
shape, --only-differences, --exit-code, mappings, errors, and promoting exactly the drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from comparekit import Tenant

COMPARE = ("--profile", "dev", "--compare", "uat")


@pytest.fixture
def envs(spark_tui_home: Path, tmp_path: Path) -> dict[str, Tenant]:
    """Profiles dev, uat and prod: three tenants of one workspace. dev → uat drifted; prod is a copy of dev."""
    root = tmp_path / "ws"
    tenants = {name: Tenant(root, name) for name in ("dev", "uat", "prod")}
    dev, uat, prod = tenants.values()
    for service, numbers in (("claims/fraud", ("1.0.0", "1.1.0")), ("claims/triage", ("2.0.0",))):
        for number in numbers:
            vid = dev.version(service, number, f"{service}{number}")
            prod.version(service, number, f"{service}{number}", version_id=vid)
            if (service, number) != ("claims/fraud", "1.1.0"):  # uat lacks fraud 1.1.0
                uat.version(service, number, f"{service}{number}" if service == "claims/fraud" else "edited",
                            version_id=vid if service == "claims/fraud" else None)
    uat.version("claims/legacy", "0.9.0", "old")
    (spark_tui_home / "config.toml").write_text("default_profile = \"dev\"\n" + "".join(
        f'[profiles.{n}]\nbackend = "embedded"\nworkspace = "{root}"\ntenant = "{n}"\nuser = "{n}@example.com"\n'
        for n in tenants))
    return tenants


def test_one_target_prints_a_diff_table(cli, envs) -> None:
    result = cli(*COMPARE)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("compare: dev (embedded ") and lines[1].startswith("   with: uat (embedded ")
    table = [line.split() for line in lines[2:7]]
    assert table == [
        ["SOURCE", "TARGET", "VERSION", "STATE", "DECIDED", "BY", "LATEST", "SOURCE", "LATEST", "TARGET"],
        ["−", "claims/fraud", "claims/fraud", "1.0.0", "same", "fingerprint", "1.1.0", "1.0.0"],
        ["−", "claims/fraud", "claims/fraud", "1.1.0", "missing", "fingerprint", "1.1.0", "1.0.0"],
        ["+", "(none)", "claims/legacy", "0.9.0", "extra", "id", "-", "0.9.0"],
        ["≠", "claims/triage", "claims/triage", "2.0.0", "differs", "fingerprint", "2.0.0", "2.0.0"],
    ]
    assert "uat: differs: 1 differs, 1 missing versions, 1 extra" in result.err


def test_exit_code_gates_on_drift(cli, envs) -> None:
    assert cli(*COMPARE, "--exit-code").code == 10
    assert cli(*COMPARE).code == 0
    same = cli("--profile", "dev", "--compare", "prod", "--exit-code")
    assert same.code == 0 and "prod: same: 2 same" in same.err


def test_only_differences(cli, envs) -> None:
    result = cli(*COMPARE, "--only-differences", "--json")
    fraud = [s for s in result.json["targets"][0]["services"] if s["service_uri_source"] == "claims/fraud"][0]
    assert [v["version_source"] for v in fraud["versions"]] == ["1.1.0"]
    assert "no differences" in cli("--profile", "dev", "--compare", "prod", "--only-differences").out


def test_json_shape_is_the_documented_one(cli, envs) -> None:
    data = cli(*COMPARE, "--json").json
    assert set(data) == {"object", "source", "scope", "deep", "deep_exports", "targets", "differs"}
    assert data["object"] == "comparison" and data["differs"] is True and data["deep"] is False
    assert data["scope"] == {"folders": [], "services": []}
    assert set(data["source"]) == {"profile", "kind", "location", "tenant", "user", "user_source"} and data["source"]["tenant"] == "dev"
    [target] = data["targets"]
    assert set(target) == {"target", "services", "inaccessible_folders", "summary", "differs"}
    assert target["summary"] == {"same": 0, "differs": 1, "missing": 0, "missing_versions": 1, "extra": 1,
                                 "extra_versions": 0, "not_accessible": 0}
    service = target["services"][0]
    assert set(service) == {"service_uri_source", "service_uri_target", "state", "mark", "latest_source", "latest_target",
                            "latest_ahead", "inaccessible_side", "versions"}
    assert (service["state"], service["mark"], service["latest_ahead"]) == ("missing_versions", "−", "source")
    assert set(service["versions"][0]) == {"version_source", "version_id_source", "fingerprint_source", "version_target",
                                           "version_id_target", "fingerprint_target", "state", "decided_by"}
    assert service["versions"][1]["state"] == "missing" and service["versions"][1]["version_target"] is None


def test_several_targets_print_a_matrix(cli, envs) -> None:
    result = cli(*COMPARE, "--compare", "prod")
    assert result.code == 0, result.err
    rows = [line.split() for line in result.out.splitlines()[3:7]]
    assert rows == [
        ["SERVICE", "dev", "uat", "prod"],
        ["claims/fraud", "1.1.0", "1.0.0", "−", "1.1.0", "="],
        ["claims/triage", "2.0.0", "2.0.0", "≠", "2.0.0", "="],
        ["(claims/legacy)", "-", "0.9.0", "+"],  # a service of uat only
    ]
    data = cli(*COMPARE, "--compare", "prod", "--json").json
    assert [t["target"]["profile"] for t in data["targets"]] == ["uat", "prod"]


def test_a_mapping_file_pairs_renamed_services(cli, envs, tmp_path: Path) -> None:
    envs["uat"].version("uat-claims/fraud-score", "1.1.0", "claims/fraud1.1.0", named="fraud")
    maps = tmp_path / "maps.toml"
    maps.write_text('[services]\n"claims/fraud" = "uat-claims/fraud-score"\n')
    data = cli(*COMPARE, "--mapping-file", str(maps), "--service", "claims/fraud", "--json").json
    [service] = data["targets"][0]["services"]
    assert (service["service_uri_target"], service["state"]) == ("uat-claims/fraud-score", "missing_versions")
    assert [(v["version_source"], v["state"]) for v in service["versions"]] == [("1.0.0", "missing"), ("1.1.0", "same")]


def test_bad_arguments_are_reported_together(cli, envs) -> None:
    result = cli("--profile", "dev", "--compare", "nope", "--compare", "uat", "--compare", "uat", "--service", "claims",
                 "--map", "a=b/c")
    assert result.code == 2 and result.out == ""
    for text in ("'nope'", "--compare uat is given twice", "--service 'claims' is not FOLDER/SERVICE", "'a=b/c'"):
        assert text in result.err, text
    assert "--version-id cannot be combined with --compare" in cli(*COMPARE, "--version-id", "x").err
    unknown = cli(*COMPARE, "--folder", "ghost")
    assert unknown.code == 2 and "folder 'ghost' is not in the source tenant" in unknown.err


def test_promote_the_drift(cli, envs, tmp_path: Path) -> None:
    plan = cli("--profile", "dev", "--promote-to", "uat", "--drift", "--if-present", "add_version", "--plan", "--json")
    assert plan.code == 0, plan.err
    assert [(v["service_uri_source"], v["service_uri_destination"]) for s in plan.json["services"] for v in s["versions"]] == [
        ("claims/fraud[1.1.0]", "claims/fraud[1.1.0]"), ("claims/triage[2.0.0]", "claims/triage[2.1.0]"),
    ]
    assert "drift: 2 version(s) missing or differing in uat" in plan.err
    out = tmp_path / "out"
    out.mkdir()
    done = cli("--profile", "dev", "--promote-to", "uat", "--drift", "--if-present", "add_version", "-o", str(out))
    assert done.code == 0, done.err
    after = cli(*COMPARE, "--json").json["targets"][0]
    assert {s["service_uri_target"]: s["state"] for s in after["services"]} == {
        "claims/fraud": "same", "claims/triage": "extra_versions", "claims/legacy": "extra",  # uat's own 2.0.0 stays
    }
    again = cli("--profile", "dev", "--promote-to", "uat", "--drift", "--if-present", "add_version", "--plan")
    assert again.code == 0 and "nothing to promote" in again.err


def test_drift_takes_no_version_selection(cli, envs) -> None:
    result = cli("--profile", "dev", "--promote-to", "uat", "--drift", "--version-id", "x", "--file-filter", "onpremises")
    assert result.code == 2
    assert "--version-id does not go with --drift" in result.err and "--file-filter onpremises does not go with --drift" in result.err
