"""`--batch --promote-to`, `--plan`, `--import-package PKG --plan`, `--inspect` and `--push-runner` end to end."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from promokit import Pair
from runner_standin import runner_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import LiveServer  # noqa: E402

PROMOTE = ("--profile", "dev", "--promote-to", "uat", "--folder", "synth-0000")


def mapping_file(tmp_path: Path) -> Path:
    path = tmp_path / "dev-to-uat.toml"
    path.write_text('if_present = "add_version"\n[folders]\n"synth-0000" = "UAT"\n'
                    '[services]\n"synth-0000/service-0001" = { to = "UAT/rates", upgrade = "major" }\n')
    return path


def test_plan_prints_and_writes_nothing(cli, profiles: Pair, tmp_path: Path) -> None:
    before = profiles.snapshot()
    result = cli(*PROMOTE, "--mapping-file", str(mapping_file(tmp_path)), "--plan")
    assert result.code == 0, result.err
    assert "synth-0000/service-0001[1.0.0]  UAT/rates" in result.out and "1.0.0 -> 3.0.0" in result.out
    assert "go: 2 service(s), 4 version(s)" in result.out
    assert list(cli.cwd.iterdir()) == [] and profiles.source.list_jobs(all_users=True) == []
    assert profiles.snapshot() == before


def test_plan_json(cli, profiles: Pair, tmp_path: Path) -> None:
    result = cli(*PROMOTE, "--map", "synth-0000=Other", "--plan", "--json")
    plan = result.json
    assert result.code == 0 and plan["object"] == "promotion_plan" and plan["errors"] == []
    assert [s["service_uri_destination"] for s in plan["services"]] == ["Other/service-0000", "Other/service-0001"]


def test_a_failure_says_the_step_and_that_the_target_is_unchanged(cli, profiles: Pair, tmp_path: Path) -> None:
    from spark_tui.backends.embedded import EmbeddedBackend
    from spark_tui.spark.export_wire import ExportInputs, ExportRequest

    holder = EmbeddedBackend(profiles.source.ws.root, "dev", "other@example.com", (), spawn=False)
    holder.submit(ExportRequest(inputs=ExportInputs(folders=["synth-0000"])))  # holds the export slot
    before = profiles.snapshot()
    out = tmp_path / "out"
    out.mkdir()
    result = cli(*PROMOTE, "--map", "synth-0000=Other", "-o", str(out))
    holder.close()
    assert result.code == 6
    assert "error: JOB_SLOT_BUSY: promotion stopped at step 'export': tenant 'dev' already runs 1 export job" in result.err
    assert "the target was not changed" in result.err
    assert profiles.snapshot() == before
    [receipt] = [json.loads(p.read_text()) for p in out.iterdir()]  # no package: only the receipt of the failure
    assert (receipt["outcome"], receipt["step"], receipt["target_may_have_changed"]) == ("failed", "export", False)


def test_preflight_reports_every_problem_before_a_backend_opens(cli, profiles: Pair, tmp_path: Path) -> None:
    (tmp_path / "taken.zip").write_bytes(b"")
    (tmp_path / "taken.receipt.json").write_text("{}")
    result = cli("--profile", "dev", "--promote-to", "nope", "--folder", "a//b", "--map", "a/b/c=d",
                 "--mapping-file", str(tmp_path / "none.toml"), "-o", str(tmp_path), "--file-name", "taken")
    assert result.code == 2
    assert [line.split(":")[1].strip() for line in result.err.splitlines()] == [
        "PROFILE_NOT_FOUND", "INVALID_VALUE", "INVALID_VALUE", "INVALID_REFERENCE", "FILE_EXISTS", "FILE_EXISTS"]
    assert "unknown profile 'nope'" in result.err and "none.toml does not exist" in result.err
    assert profiles.source.list_jobs(all_users=True) == []
    missing = cli(*PROMOTE, "-o", str(tmp_path / "missing"))
    assert missing.code == 2 and missing.err.startswith(f"error: OUTPUT_DIR_NOT_FOUND: output directory {tmp_path / 'missing'}")


@pytest.mark.parametrize("argv, line", [
    (("--inspect", "none.zip"), "error: PACKAGE_NOT_FOUND: package none.zip does not exist"),
    (("--import-package", "none.zip", "--plan", "--map", "a/b=", "--profile", "uat"),
     "error: INVALID_VALUE: --map 'a/b=' is not SRC=DST"),
    (("--import-package", "none.zip", "--push-runner", "ftp://x"), "error: INVALID_VALUE: runner URL 'ftp://x' is not an http(s) URL"),
])
def test_preflight_of_package_operations(cli, profiles: Pair, argv: tuple, line: str) -> None:
    result = cli(*argv)
    assert result.code == 2 and result.err.startswith(line), result.err
    assert "error: PACKAGE_NOT_FOUND: " in result.err


def test_a_refusing_plan_exits_2_naming_why_before_anything_runs(cli, profiles: Pair) -> None:
    before = profiles.snapshot()
    result = cli(*PROMOTE, "--map", "synth-0000=Missing")  # no --plan: it would run, but the plan refuses
    assert result.code == 2
    assert result.err.count("error: FOLDER_NOT_FOUND: destination folder 'Missing' does not exist") == 2
    assert "refused: 2 problem(s); nothing will be exported or written" in result.out
    assert result.err.count("hint: --create-folders creates missing destination folders") == 1
    assert list(cli.cwd.iterdir()) == [] and profiles.source.list_jobs(all_users=True) == []
    assert profiles.snapshot() == before


def test_promote_with_a_mapping_file(cli, profiles: Pair, tmp_path: Path) -> None:
    out = tmp_path / "artifacts"
    out.mkdir()
    result = cli(*PROMOTE, "--mapping-file", str(mapping_file(tmp_path)), "-o", str(out), "--json")
    assert result.code == 0, result.err
    receipt = result.json
    assert receipt["outcome"] == "promoted" and receipt["deviations"] == []
    assert [v["service_uri_destination"] for v in receipt["service_versions"]] == [
        "UAT/service-0000[1.0.0]", "UAT/service-0000[1.0.1]", "UAT/rates[3.0.0]", "UAT/rates[4.0.0]",
    ]
    package = Path(receipt["package"]["path"])
    assert package.parent == out and json.loads(package.with_name(package.stem + ".receipt.json").read_text()) == receipt
    assert "plan: dev" in result.err and "import job" in result.err, result.err  # the plan and progress on stderr
    assert {v.version for v in profiles.target.list_versions("UAT", "rates")} == {"2.0.0", "3.0.0", "4.0.0"}


def test_create_folders(cli, profiles: Pair, tmp_path: Path) -> None:
    result = cli(*PROMOTE, "--map", "synth-0000=New Folder", "--create-folders", "-o", str(tmp_path), "--json")
    assert result.code == 0, result.err
    assert result.json["folders_created"] == ["New Folder"] and "creating folder 'New Folder'" in result.err
    assert [s.name for s in profiles.target.list_services("New Folder").items] == ["service-0000", "service-0001"]


def test_package_made_earlier_plan_and_inspect(cli, profiles: Pair, tmp_path: Path) -> None:
    exported = cli("--profile", "dev", "--folder", "synth-0000", "-o", str(tmp_path), "--file-name", "ci.zip")
    assert exported.code == 0, exported.err
    package = tmp_path / "ci.zip"
    inspected = cli("--inspect", str(package), "--json")
    assert inspected.code == 0 and inspected.json["kind"] == "migrate" and inspected.json["tenant"] == "dev"
    assert inspected.json["checked_modules"] == 4 and inspected.json["errors"] == []
    planned = cli("--profile", "uat", "--import-package", str(package), "--plan", "--if-present", "add_version",
                  "--map", "synth-0000/service-0001=UAT/rates:major", "--json")
    assert planned.code == 0, planned.err
    plan = planned.json  # only the mapped service, as the import would do
    assert [v["service_uri_destination"] for v in plan["services"][0]["versions"]] == ["UAT/rates[3.0.0]", "UAT/rates[4.0.0]"]
    assert len(plan["services"]) == 1 and plan["source"]["kind"] == "package"
    imported = cli("--profile", "uat", "--import-package", str(package), "--if-present", "add_version",
                   "--map", "synth-0000/service-0001=UAT/rates:major", "--json")
    assert imported.code == 0, imported.err
    assert [v["service_uri_destination"] for v in imported.json["outputs"]["service_versions"]] == [
        "UAT/rates[3.0.0]", "UAT/rates[4.0.0]"]
    before = profiles.snapshot()
    refused = cli("--profile", "uat", "--import-package", str(package), "--plan")
    assert refused.code == 2 and "destination folder 'synth-0000' does not exist" in refused.err
    absent = cli("--profile", "uat", "--import-package", str(package), "--plan", "--map", "nope/x=UAT/x")
    assert absent.code == 2 and "error: INVALID_VALUE: --map: service 'nope/x' is not in the selection or package; map one of synth-0000, synth-0000/service-0000" in absent.err
    assert profiles.snapshot() == before and len(profiles.target.list_imports()) == 1  # only the real import above


def test_inspect_a_damaged_package_exits_2(cli, fixture_zip: Path, tmp_path: Path) -> None:
    from pkgkit import corrupt_entry_bytes, rewrite

    damaged = rewrite(fixture_zip, tmp_path / "d.zip", lambda name, data: data)
    corrupt_entry_bytes(damaged, "fieldengineering/my-folder/volume-cylinder/0.1.0/ModelMetaData.json")
    result = cli("--inspect", str(damaged))
    assert result.code == 2 and "error: BAD_PACKAGE: entry 'fieldengineering/my-folder/volume-cylinder/0.1.0/ModelMetaData.json' is corrupt" in result.err


def test_push_runner_export_and_package(cli, profiles: Pair, fixture_zip: Path, tmp_path: Path) -> None:
    app = runner_app()
    with LiveServer(app) as server:
        exported = cli("--profile", "dev", "--folder", "synth-0000", "--push-runner", server.url, "-o", str(tmp_path), "--json")
        assert exported.code == 0, exported.err
        receipt = exported.json
        assert receipt["outcome"] == "uploaded" and receipt["target"]["kind"] == "runner"
        assert receipt["runner"]["uploaded"] == [
            "synth-0000/service-0000[1.0.0]", "synth-0000/service-0000[1.0.1]",
            "synth-0000/service-0001[1.0.0]", "synth-0000/service-0001[1.0.1]",
        ]
        copy = tmp_path / "fixture.zip"
        copy.write_bytes(fixture_zip.read_bytes())
        pushed = cli("--import-package", str(copy), "--push-runner", server.url)
        assert pushed.code == 0, pushed.err
        assert "runner " + server.url in pushed.out and (tmp_path / "fixture.receipt.json").is_file()
        migrate = cli("--profile", "dev", "--folder", "synth-0000", "-o", str(tmp_path), "--file-name", "m.zip")
        assert migrate.code == 0
        refused = cli("--import-package", str(tmp_path / "m.zip"), "--push-runner", server.url)
        assert refused.code == 2 and "is a migrate export; a Hybrid Runner takes onpremises packages" in refused.err
    assert len(app.state.uploads) == 2


def test_snapshot_is_not_disturbed_by_a_job_dir_the_worker_removes(profiles: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    """The flake of test_package_made_earlier_plan_and_inspect, made deterministic: the import worker
    removes packages/<job id>/ after the job reads closed, while the test takes a snapshot."""
    before = profiles.snapshot()
    job_dir = profiles.target_ws.packages / "job"
    job_dir.mkdir()
    (job_dir / "package.zip").write_bytes(b"PK")
    real = Path._scandir

    def scandir(self: Path):
        if self == job_dir:  # listed in packages/, removed by the worker before the walk enters it
            shutil.rmtree(job_dir)
        return real(self)

    monkeypatch.setattr(Path, "_scandir", scandir)
    assert profiles.snapshot() == before


def runner_profile(home: Path, url: str, **keys: str) -> None:
    """Append a `backend = "runner"` profile named `hr` to the config the `profiles` fixture wrote."""
    config = home / "config.toml"
    extra = "".join(f'{k} = "{v}"\n' for k, v in keys.items())
    config.write_text(config.read_text() + f'[profiles.hr]\nbackend = "runner"\nurl = "{url}"\n{extra}')


def test_promote_to_a_runner_profile_with_a_token(
    cli, profiles: Pair, spark_tui_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = runner_app(token="runner-token-0123456789")
    monkeypatch.setenv("HR_TOKEN", "runner-token-0123456789")
    with LiveServer(app) as server:
        runner_profile(spark_tui_home, server.url, token_env="HR_TOKEN")
        promoted = cli("--profile", "dev", "--folder", "synth-0000", "--promote-to", "hr", "-o", str(tmp_path), "--json")
        assert promoted.code == 0, promoted.err
        receipt = promoted.json
        assert receipt["outcome"] == "uploaded" and receipt["target"]["profile"] == "hr"
        assert receipt["target"]["kind"] == "runner" and len(receipt["runner"]["uploaded"]) == 4
        assert json.loads(Path(promoted.err.split("receipt ")[-1].split()[0]).read_text())["runner"] == receipt["runner"]
        copy = tmp_path / "again.zip"
        copy.write_bytes(Path(receipt["package"]["path"]).read_bytes())
        pushed = cli("--import-package", str(copy), "--push-runner", "hr")
        assert pushed.code == 0, pushed.err
        monkeypatch.delenv("HR_TOKEN")
        unset = cli("--profile", "dev", "--folder", "synth-0000", "--promote-to", "hr", "-o", str(tmp_path / "none"))
        assert unset.code == 2 and "environment variable HR_TOKEN" in unset.err
    assert app.state.uploads == [Path(receipt["package"]["path"]).name, "again.zip"]
    assert "runner-token" not in promoted.out + promoted.err


@pytest.mark.parametrize("argv, message", [
    (("--promote-to", "hr", "--folder", "synth-0000", "--map", "a=b"), "--map does not go with --promote-to hr, a Hybrid Runner"),
    (("--promote-to", "hr", "--folder", "synth-0000", "--plan"), "--plan does not go with --promote-to hr, a Hybrid Runner"),
    (("--push-runner", "uat", "--folder", "synth-0000"), "profile 'uat' is a embedded profile, not a Hybrid Runner"),
    (("--push-runner", "nope", "--folder", "synth-0000"), "unknown profile 'nope'"),
    (("--profile", "hr", "--jobs"), "profile 'hr' is a Hybrid Runner; it is only a target"),
])
def test_runner_profile_misuse(cli, profiles: Pair, spark_tui_home: Path, argv: tuple, message: str) -> None:
    runner_profile(spark_tui_home, "http://127.0.0.1:9")
    result = cli(*argv)
    assert result.code == 2 and message in result.err, result.err


@pytest.mark.parametrize("argv, message", [
    (("--folder", "a", "--map", "a=b"), "--map goes with --import-package or --promote-to"),
    (("--folder", "a", "--plan"), "--plan goes with --import-package or --promote-to"),
    (("--load-package", "p.zip", "--mapping-file", "m.toml"), "--mapping-file goes with --promote-to or --import-package"),
    (("--import-package", "p.zip", "--plan", "--create-folders"), "--create-folders goes with --promote-to"),
    (("--promote-to", "uat", "--folder", "a", "--dry-run"), "--promote-to cannot be combined with --dry-run (use --plan"),
    (("--promote-to", "uat", "--jobs"), "--promote-to cannot be combined with --jobs"),
    (("--push-runner", "http://x", "--jobs"), "--push-runner cannot be combined with --jobs"),
    (("--push-runner", "http://x", "--folder", "a", "--plan"), "--plan does not go with --push-runner"),
    (("--inspect", "p.zip", "--map", "a=b"), "--map goes with --import-package or --promote-to"),
    (("--promote-to", "uat", "--folder", "a", "--map", "a/b/c=d"), "--map 'a/b/c=d': source 'a/b/c' has more than one '/'"),
    (("--promote-to", "nope", "--folder", "synth-0000"), "unknown profile 'nope'"),
    (("--promote-to", "uat"), "nothing to promote; give --folder, --service or --version-id"),
])
def test_usage_errors(cli, profiles: Pair, argv: tuple, message: str) -> None:
    result = cli(*argv)
    assert result.code == 2 and message in result.err, result.err


def test_package_plan_refuses_an_onpremises_package(cli, profiles: Pair, fixture_zip: Path) -> None:
    result = cli("--profile", "uat", "--import-package", str(fixture_zip), "--plan", "--map", "my-folder/volume-cylinder=UAT/vc")
    assert result.code == 2
    assert "error: NOT_A_MIGRATE_PACKAGE: package 'volume-cylinder.zip' is an onpremises export" in result.err
    assert "my-folder/volume-cylinder[0.1.0]  UAT/vc" in result.out  # the rest is still planned
