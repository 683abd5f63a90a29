"""`--batch` imports: --import-package with --map/--upgrade/--if-present, --import-status, --imports,
--create-folder, and --load-package (seeding an embedded workspace)."""

from __future__ import annotations

from pathlib import Path

import pytest

from spark_tui.spark.import_wire import ImportJob, ImportResult

SERVICE = "insurance-pricing/home-premium"


@pytest.fixture
def package(cli, tmp_path: Path) -> Path:
    """A migrate package of the demo's insurance-pricing folder, exported through --batch."""
    assert cli("--folder", "insurance-pricing", "--file-name", "pkg", "-o", str(tmp_path)).code == 0
    return tmp_path / "pkg.zip"


def test_import_with_a_map_into_a_created_folder(cli, package: Path) -> None:
    created = cli("--create-folder", "uat-pricing", "--json")
    assert created.code == 0 and created.json["name"] == "uat-pricing"
    again = cli("--create-folder", "uat-pricing")
    assert again.code == 2 and "PRODUCT_ALREADY_EXISTS" in again.err and "already exists" in again.err
    r = cli("--import-package", str(package), "--map", f"{SERVICE}=uat-pricing/home-premium-v2", "--json")
    assert r.code == 0, r.err
    job = ImportJob.model_validate(r.json)
    assert job.status.value == "closed" and [s.service_uri_destination for s in job.outputs.services] == ["uat-pricing/home-premium-v2"]
    assert all(v.version_id_destination for v in job.outputs.service_versions)
    assert "upload:" in r.err and f"import job {job.id}" in r.err
    shown = cli("--import-status", job.id)
    assert shown.code == 0 and f"import job {job.id}: closed" in shown.out and "uat-pricing/home-premium-v2[" in shown.out
    listed = cli("--imports", "--json")
    assert [j["id"] for j in listed.json] == [job.id]
    assert job.id in cli("--imports").out


def test_without_map_every_service_keeps_its_name_and_abort_refuses_exit_2(cli, package: Path) -> None:
    r = cli("--import-package", str(package))
    assert r.code == 2 and "SERVICE_EXISTS" in r.err and "nothing was imported" in r.err
    assert "import job" in r.out and "failed" in r.out


def test_add_version_per_mapping_bump_and_replace(cli, package: Path) -> None:
    added = cli("--import-package", str(package), "--map", f"{SERVICE}={SERVICE}:major", "--if-present", "add_version", "--json")
    assert added.code == 0, added.err
    job = ImportJob.model_validate(added.json)
    assert [s.status for s in job.outputs.services] == ["updated"]
    majors = [int(v.version_destination.split(".")[0]) for v in job.outputs.service_versions]
    assert majors == sorted(majors) and len(set(majors)) == len(majors)  # each a new major
    replaced = cli("--import-package", str(package), "--map", SERVICE, "--if-present", "replace", "--upgrade", "patch", "--json")
    assert replaced.code == 0 and {v["status"] for v in replaced.json["outputs"]["service_versions"]} == {"replaced"}


def test_missing_destination_folder_is_named(cli, package: Path) -> None:
    r = cli("--import-package", str(package), "--map", f"{SERVICE}=nowhere/x")
    assert r.code == 2 and "destination folder 'nowhere'" in r.err


def test_no_wait_prints_the_created_job(cli, package: Path) -> None:
    cli("--create-folder", "uat")
    r = cli("--import-package", str(package), "--map", f"{SERVICE}=uat/x", "--no-wait", "--json")
    assert r.code == 0 and r.json["status"] in ("created", "in_progress", "closed") and r.json["object"] == "import"


def test_missing_or_corrupt_package(cli, tmp_path: Path) -> None:
    missing = cli("--import-package", str(tmp_path / "none.zip"), "--map", "a/b")
    assert missing.code == 2 and f"import package {tmp_path / 'none.zip'} does not exist" in missing.err
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(b"PK\x03\x04 this is not a zip")
    r = cli("--import-package", str(corrupt))
    assert r.code == 2 and r.err.startswith("error: ") and "not a ZIP file" in r.err


def test_import_status_of_an_unknown_job(cli) -> None:
    r = cli("--import-status", "nope")
    assert r.code == 2 and "import job 'nope' not found" in r.err and "--imports" in r.err


def test_load_package_seeds_a_new_tenant_as_before(cli, package: Path, fixture_zip: Path) -> None:
    r = cli("--tenant", "target", "--load-package", str(package), "--json")
    assert r.code == 0, r.err
    result = ImportResult.model_validate(r.json)
    assert result.tenant == "target" and len(result.service_versions) == 11
    assert cli("--tenant", "target", "--list-services", "insurance-pricing", "--json").json[0]["name"] == "home-premium"
    again = cli("--tenant", "target", "--load-package", str(package))
    assert again.code == 2 and again.err.startswith("error: ")
    added = cli("--tenant", "target", "--load-package", str(package), "--if-present", "add_version")
    assert added.code == 0 and "imported into tenant target" in added.out
    onprem = cli("--tenant", "field", "--load-package", str(fixture_zip))  # the real onpremises package
    assert onprem.code == 0 and "1 service(s)" in onprem.out.splitlines()[0]


def test_one_map_imports_only_that_service(cli, package: Path) -> None:
    cli("--create-folder", "uat")
    r = cli("--import-package", str(package), "--map", f"{SERVICE}=uat/home", "--json")
    assert r.code == 0, r.err
    assert [s["service_uri_destination"] for s in r.json["outputs"]["services"]] == ["uat/home"]


def test_folder_map_and_mapping_file_with_import_package(cli, package: Path, tmp_path: Path) -> None:
    cli("--create-folder", "uat")
    mapping = tmp_path / "map.toml"
    mapping.write_text('if_present = "add_version"\n[folders]\n"insurance-pricing" = "uat"\n'
                       f'[services]\n"{SERVICE}" = {{ to = "uat/home-v2", upgrade = "major" }}\n')
    planned = cli("--import-package", str(package), "--mapping-file", str(mapping), "--plan", "--json")
    assert planned.code == 0, planned.err
    r = cli("--import-package", str(package), "--mapping-file", str(mapping), "--json")
    assert r.code == 0, r.err
    destinations = {s["service_uri_source"]: s["service_uri_destination"] for s in r.json["outputs"]["services"]}
    assert destinations[SERVICE] == "uat/home-v2" and len(destinations) > 1
    assert all(d.startswith("uat/") and d.split("/")[1] == s.split("/")[1]
               for s, d in destinations.items() if s != SERVICE)
    assert [p["service_uri_destination"] for p in planned.json["services"]] == [
        destinations[s["service_uri_source"]] for s in planned.json["services"]]


def test_a_map_whose_source_is_not_in_the_package_is_refused_before_upload(cli, package: Path) -> None:
    r = cli("--import-package", str(package), "--map", "insurance-pricing/none=uat/x", "--map", "other=uat")
    assert r.code == 2 and "'insurance-pricing/none' is not in the selection or package" in r.err
    assert "folder 'other'" in r.err and "upload:" not in r.err


@pytest.mark.parametrize("name", ["..", ".", "a\\b", "n" * 256])
def test_names_no_package_can_hold_are_refused_exit_2(cli, package: Path, name: str) -> None:
    created = cli("--create-folder", name)
    assert created.code == 2 and "invalid folder name" in created.err
    mapped = cli("--import-package", str(package), "--map", f"{SERVICE}={name}/x")
    assert mapped.code == 2 and "invalid folder name" in mapped.err
    assert "import job" not in mapped.out  # refused before any job
