"""`--batch` export through the real entry point: download + verify, JSON, dry run, refusals, exit codes."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import zipfile
from pathlib import Path

import pytest

from batchkit import build_tenant, demo_backend, wait_for
from spark_tui import paths
from spark_tui.engine.demo import EMPTY_FOLDER, RESTRICTED_FOLDER, XCONNECTOR_FOLDER, XCONNECTOR_SERVICE
from spark_tui.spark.export_wire import ExportJob, ExportPreview
from spark_tui.spark.values import JobStatus


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_export_folder_downloads_a_verified_package(cli, tmp_path: Path) -> None:
    r = cli("--folder", "insurance-pricing", "-o", str(tmp_path))
    assert r.code == 0, r.err
    package = tmp_path / "package.zip"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["package.zip"]  # no temp file left
    assert f"downloaded: {package}" in r.out and "verified" in r.out and sha256(package) in r.out
    with zipfile.ZipFile(package) as z:
        assert "demo/manifest.json" in z.namelist()
    assert "closed" in r.err  # progress / state lines on stderr


def test_export_json_is_the_job_status_plus_downloads(cli, tmp_path: Path) -> None:
    r = cli("--service", "insurance-pricing/travel-quote[3.2]", "--file-filter", "onpremises", "--file-name", "travel",
            "--source-system", "ci", "--correlation-id", "run-42", "-o", str(tmp_path), "--json")
    assert r.code == 0, r.err
    body = r.json
    job = ExportJob.model_validate(body)
    assert job.status is JobStatus.closed and (job.source_system, job.correlation_id) == ("ci", "run-42")
    assert [v.service_uri_source for v in job.outputs.service_versions] == ["insurance-pricing/travel-quote[3.2.7]"]
    package = tmp_path / "travel.zip"
    assert body["downloads"] == [{"path": str(package), "bytes": package.stat().st_size, "sha256": sha256(package), "verified": True, "hash_algorithm": "sha256"}]
    assert body["outputs"]["files"][0]["file_hash"] == sha256(package)
    with zipfile.ZipFile(package) as z:
        names = {n.rsplit("/", 1)[-1] for n in z.namelist() if not n.endswith("manifest.json")}
    assert "ModelMetaData.json" in names and not any(n.endswith(".xlsx") for n in names)  # onpremises set only


def test_export_by_version_id_and_latest_filter(cli, tmp_path: Path) -> None:
    backend = demo_backend()
    version = backend.list_versions("insurance-pricing", "motor-premium")[-1]
    r = cli("--version-id", version.id, "--service", "insurance-pricing/home-premium", "-o", str(tmp_path), "--json")
    assert r.code == 0, r.err
    uris = [v["service_uri_source"] for v in r.json["outputs"]["service_versions"]]
    assert uris == ["insurance-pricing/home-premium[0.9.0]", "insurance-pricing/home-premium[1.0.0]",
                    "insurance-pricing/home-premium[1.1.0]", f"insurance-pricing/motor-premium[{version.version}]"]
    r = cli("--folder", "insurance-pricing", "--version-filter", "latest", "--file-name", "latest.zip", "-o", str(tmp_path), "--json")
    assert r.code == 0 and len(r.json["outputs"]["service_versions"]) == 3


def test_output_dir_defaults_to_the_current_directory(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli("--folder", "actuarial-models", "--file-name", "act").code == 0
    assert (tmp_path / "act.zip").is_file()


def test_dry_run_shows_the_resolution_without_a_job(cli) -> None:
    r = cli("--dry-run", "--folder", "insurance-pricing", "--version-filter", "latest")
    assert r.code == 0, r.err
    assert "3 service(s), 3 version(s)" in r.out and "insurance-pricing/travel-quote[3.20.1]" in r.out
    assert "projected size:" in r.out and "within the limit of 209715200 bytes" in r.out
    preview = ExportPreview.model_validate(cli("--dry-run", "--folder", "insurance-pricing", "--json").json)
    assert len(preview.service_versions) == 11 and preview.projected_bytes == sum(f.size for f in preview.files) > 0
    assert cli("--jobs", "--json").json["recent_exports"] == []  # a dry run creates no job


def test_dry_run_prints_every_error(cli) -> None:
    r = cli("--dry-run", "--folder", "nope", "--folder", EMPTY_FOLDER, "--json")
    assert r.code == 2
    assert [line.split(":")[1].strip() for line in r.error_lines] == ["FOLDER_NOT_FOUND", "FOLDER_EMPTY"]
    assert [e["code"] for e in r.json["errors"]] == ["FOLDER_NOT_FOUND", "FOLDER_EMPTY"]


def test_resolution_errors_are_exit_2_with_every_error_and_nothing_written(cli, tmp_path: Path) -> None:
    r = cli("--folder", "nope", "--folder", EMPTY_FOLDER, "--folder", RESTRICTED_FOLDER,
            "--service", f"{XCONNECTOR_FOLDER}/{XCONNECTOR_SERVICE}", "--service", "insurance-pricing/travel-quote[9]",
            "-o", str(tmp_path), "--json")
    assert r.code == 2
    codes = {line.split(":")[1].strip() for line in r.error_lines}
    assert codes == {"FOLDER_NOT_FOUND", "FOLDER_EMPTY", "ACCESS_DENIED", "NO_COMPILED_MODULE", "VERSION_SPEC_NO_MATCH"}
    assert "'nope'" in r.err and "was refused" in r.err
    assert r.json["status"] == "failed"  # the job Spark would report, on stdout
    assert list(tmp_path.iterdir()) == []


def test_package_over_the_size_limit_is_refused(cli, tmp_path: Path) -> None:
    ws = build_tenant(tmp_path / "ws")
    ws.configure_tenant("acme", size_limit=1000)
    r = cli("--workspace", str(tmp_path / "ws"), "--tenant", "acme", "--folder", "Pricing", "-o", str(tmp_path))
    assert r.code == 2 and "PACKAGE_TOO_LARGE" in r.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws"]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--service", "a/b["], "INVALID_REFERENCE"),
        (["--service", "/x"], "INVALID_REFERENCE"),
        (["--service", "a//b"], "INVALID_REFERENCE"),
        (["--version-id", "not-a-uuid"], "INVALID_REFERENCE"),
        (["--service", "insurance-pricing/travel-quote[3.2]", "--version-filter", "latest"], "LATEST_WITH_SPECIFIC_VERSION"),
        (["--folder", "insurance-pricing", "--file-name", "a/b"], "INVALID_FILE_NAME"),
        (["--folder", "insurance-pricing", "--file-name", "..zip"], "INVALID_FILE_NAME"),
        (["--folder", "insurance-pricing", "--file-name", "x\\y"], "INVALID_FILE_NAME"),
        (["--folder", "insurance-pricing", "--file-name", "bad\x07name"], "INVALID_FILE_NAME"),
    ],
)
def test_malformed_requests_are_refused_before_any_job(cli, tmp_path: Path, args: list[str], code: str) -> None:
    r = cli(*args, "-o", str(tmp_path))
    assert r.code == 2
    assert r.error_lines and all(line.startswith(f"error: {code}: ") for line in r.error_lines), r.err
    assert list(tmp_path.iterdir()) == []
    assert cli("--jobs", "--json").json["recent_exports"] == []


def test_every_malformed_identifier_is_reported(cli) -> None:
    r = cli("--service", "a/b[", "--service", "/x", "--version-id", "123", "--json")
    assert r.code == 2 and len(r.error_lines) == 3
    assert "'a/b['" in r.error_lines[0] and "'/x'" in r.error_lines[1] and "'123'" in r.error_lines[2]
    assert [e["ref"] for e in r.json["errors"]] == ["a/b[", "/x", "123"]


def test_output_dir_must_exist_and_be_a_directory(cli, tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    r = cli("--folder", "insurance-pricing", "-o", str(missing))
    assert r.code == 2 and r.err.strip() == (f"error: OUTPUT_DIR_NOT_FOUND: output directory {missing} does not exist; "
                                             f"create it (mkdir -p {missing}) or choose another -o")
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert cli("--folder", "insurance-pricing", "-o", str(afile)).code == 2
    assert cli("--jobs", "--json").json["recent_exports"] == []


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root ignores directory permissions")
def test_output_dir_must_be_writable(cli, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    r = cli("--folder", "insurance-pricing", "-o", str(locked))
    assert r.code == 2 and f"output directory {locked} is not writable" in r.err


def test_busy_slot_is_exit_6_naming_the_running_job(cli, no_workers, tmp_path: Path) -> None:
    first = cli("--folder", "insurance-pricing", "--no-wait", "--json")
    assert first.code == 0 and first.json["status"] == "created"
    second = cli("--folder", "actuarial-models", "-o", str(tmp_path))
    assert second.code == 6
    assert first.json["id"] in second.err and "retry" in second.err
    assert list(tmp_path.iterdir()) == []


def test_no_wait_prints_the_created_job(cli) -> None:
    r = cli("--folder", "insurance-pricing", "--no-wait")
    assert r.code == 0
    job_id = r.out.split()[2].rstrip(":")
    assert r.out.startswith(f"export job {job_id}: created")
    done = wait_for(lambda: (job := demo_backend().status(job_id)).status.is_terminal and job, what="the worker")
    assert done.status is JobStatus.closed


def test_status_and_cancel(cli, no_workers) -> None:
    job_id = cli("--folder", "insurance-pricing", "--no-wait", "--json").json["id"]
    status = cli("--status", job_id, "--json")
    assert status.code == 0 and status.json["status"] == "created" and status.json["progress"]["bytes_total"] > 0
    cancelled = cli("--cancel", job_id, "--json")
    assert cancelled.code == 0 and cancelled.json["status"] == "cancelled"
    again = cli("--cancel", job_id)
    assert again.code == 2 and "already ended with status 'cancelled'" in again.err
    assert cli("--status", job_id).out.startswith(f"export job {job_id}: cancelled")


@pytest.mark.parametrize("flag", ["--status", "--cancel"])
def test_unknown_job_is_exit_2_naming_it(cli, flag: str) -> None:
    r = cli(flag, "0000-nope")
    assert r.code == 2 and r.err.strip() == "error: JOB_NOT_FOUND: export job '0000-nope' not found; list jobs with --jobs"


def test_job_cancelled_by_someone_else_is_exit_5(cli, no_workers) -> None:
    def cancel_when_seen() -> None:
        backend = demo_backend()
        job = wait_for(lambda: backend.tenant_status().in_progress_exports, what="the job")[0]
        backend.cancel(job.id)

    helper = threading.Thread(target=cancel_when_seen)
    helper.start()
    r = cli("--folder", "insurance-pricing")
    helper.join()
    assert r.code == 5 and "ended 'cancelled'" in r.err


def test_client_deadline_is_exit_4(cli, no_workers, tmp_path: Path) -> None:
    r = cli("--folder", "insurance-pricing", "--deadline", "0.3", "-o", str(tmp_path))
    assert r.code == 4 and "still 'created' after 0.3 s" in r.err
    assert list(tmp_path.iterdir()) == []


def _age_job(job_id: str, **columns: object) -> None:
    db = sqlite3.connect(paths.default_workspace() / "workspace.db", timeout=30)
    with db:
        for column, value in columns.items():
            db.execute(f"UPDATE jobs SET {column}=? WHERE id=?", (value, job_id))
    db.close()


def test_job_failing_while_running_is_exit_1(cli, no_workers, tmp_path: Path) -> None:
    def kill_worker() -> None:
        backend = demo_backend()
        job = wait_for(lambda: backend.tenant_status().in_progress_exports, what="the job")[0]
        _age_job(job.id, status="in_progress", worker_pid=2**22 + 12345, started="2026-01-01T00:00:00.000Z")

    helper = threading.Thread(target=kill_worker)
    helper.start()
    r = cli("--folder", "insurance-pricing", "-o", str(tmp_path))
    helper.join()
    assert r.code == 1, r.err
    assert "error: WORKER_DIED:" in r.err and "ended 'failed'" in r.err
    assert list(tmp_path.iterdir()) == []


def test_timeout_status_maps_to_exit_4(cli, no_workers) -> None:
    def overrun() -> None:
        backend = demo_backend()
        job = wait_for(lambda: backend.tenant_status().in_progress_exports, what="the job")[0]
        _age_job(job.id, status="in_progress", worker_pid=os.getpid(), started="2020-01-01T00:00:00.000Z")

    helper = threading.Thread(target=overrun)
    helper.start()
    r = cli("--folder", "insurance-pricing")
    helper.join()
    assert r.code == 4 and "error: TIMEOUT:" in r.err


def test_an_existing_package_is_never_overwritten(cli, tmp_path: Path) -> None:
    precious = tmp_path / "package.zip"
    precious.write_bytes(b"last week's release")
    r = cli("--folder", "insurance-pricing", "-o", str(tmp_path))
    assert r.code == 2 and f"{precious} already exists" in r.err
    assert precious.read_bytes() == b"last week's release"
    assert demo_backend().tenant_status().recent_exports == []  # refused before anything was submitted


def test_signed_link_tokens_are_not_printed(cli) -> None:
    from spark_tui.batch.output import job_text

    job = ExportJob.model_validate({
        "id": "j1", "response_timestamp": "2026-01-01T00:00:00.000Z", "status": "closed",
        "outputs": {"files": [{"file": "https://h/t/api/v4/export/j1/download/package.zip?token=s3cr3t&expires=9",
                               "file_hash": "ab"}]},
    })
    text = job_text(job, [])
    assert "https://h/t/api/v4/export/j1/download/package.zip" in text and "s3cr3t" not in text
