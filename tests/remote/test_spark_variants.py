"""RemoteBackend against a stand-in answering as Spark may (its OpenAPI spec, the SDKs, the docs'
open questions): gzip-encoded downloads, file_hash as SHA-256, MD5 or absent, null timestamps,
`errors: {}`, v4 refusals `{type, code, message}` with HTTP 500, and requests sent as the SDKs send them."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import httpx
import pytest

from scripted import Recorder, Spark, sample

from spark_tui.spark.exit_codes import ExitCode, exit_code_for
from spark_tui.spark.errors import BackendUnavailable, BadPackage, JobNotFound, ValidationFailed
from spark_tui.spark.export_wire import ExportInputs, ExportJob, ExportRequest
from spark_tui.spark.values import JobStatus
from spark_tui.spark.import_wire import ImportJob

JOB = "34d7d465-86eb-4eed-a388-fa4525cf7be6"
STATUS = f"/acme/api/v4/export/{JOB}/status"
DOWNLOAD = f"/acme/api/v4/export/{JOB}/download/package.zip"
PACKAGE = b"PK\x05\x06" + bytes(18) + b"spark-tui" * 300


class Chunks(httpx.SyncByteStream):
    """A body that arrives in pieces, as over a network (httpx counts the bytes before decoding)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def __iter__(self):
        for start in range(0, len(self.body), 16):
            yield self.body[start:start + 16]


def serving(file_hash: str | None, body: bytes, headers: dict[str, str]) -> Recorder:
    """A Spark whose closed job lists one file with `file_hash` (None: no hash at all), served as `body`."""
    status = sample("export_status_completed", SHA=file_hash or "")
    if file_hash is None:
        del status["outputs"]["files"][0]["file_hash"]

    def answer(request: httpx.Request, n: int) -> httpx.Response:
        if request.url.path == STATUS:
            return httpx.Response(200, json=status)
        assert request.url.path == DOWNLOAD
        return httpx.Response(200, stream=Chunks(body), headers={"content-length": str(len(body)), **headers})

    return Recorder(answer)


def test_a_gzip_encoded_download_is_decoded_and_its_length_checked_before(tmp_path: Path) -> None:
    encoded = gzip.compress(PACKAGE)
    spark = serving(hashlib.sha256(PACKAGE).hexdigest(), encoded,
                    {"content-encoding": "gzip", "content-length": str(len(encoded))})
    b = spark.backend()
    [done] = b.download(b.status(JOB), tmp_path)
    assert Path(done.path).read_bytes() == PACKAGE and done.bytes == len(PACKAGE)
    assert (done.verified, done.hash_algorithm) == (True, "sha256")


def test_a_truncated_gzip_download_is_retried_and_reported(tmp_path: Path) -> None:
    encoded = gzip.compress(PACKAGE)
    spark = serving(hashlib.sha256(PACKAGE).hexdigest(), encoded[:-20],
                    {"content-encoding": "gzip", "content-length": str(len(encoded))})
    b = spark.backend(attempts=2)
    with pytest.raises(BackendUnavailable, match=rf"failed 2 time\(s\): .*{len(encoded) - 20} of {len(encoded)} bytes"):
        b.download(b.status(JOB), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_md5_file_hash_is_checked_as_md5(tmp_path: Path) -> None:
    b = serving(hashlib.md5(PACKAGE).hexdigest(), PACKAGE, {}).backend()
    [done] = b.download(b.status(JOB), tmp_path)
    assert (done.verified, done.hash_algorithm, done.sha256) == (True, "md5", hashlib.sha256(PACKAGE).hexdigest())
    wrong = serving(hashlib.md5(b"other").hexdigest(), PACKAGE, {}).backend(attempts=1)
    with pytest.raises(BackendUnavailable, match="MD5 mismatch"):
        wrong.download(wrong.status(JOB), tmp_path / "again")


def test_no_file_hash_records_the_sha256_and_says_so(tmp_path: Path) -> None:
    b = serving(None, PACKAGE, {}).backend()
    job = b.status(JOB)
    assert job.outputs.files[0].file_hash is None
    [done] = b.download(job, tmp_path)
    assert (done.verified, done.hash_algorithm) == (False, None)
    assert done.sha256 == hashlib.sha256(PACKAGE).hexdigest() and Path(done.path).read_bytes() == PACKAGE


def test_a_file_hash_of_another_kind_is_named(tmp_path: Path) -> None:
    b = serving("abc123", PACKAGE, {}).backend(attempts=1)
    with pytest.raises(BackendUnavailable, match="file_hash 'abc123' is neither a SHA-256 .* nor an MD5"):
        b.download(b.status(JOB), tmp_path)


def test_null_timestamps_and_process_times_read_as_unknown() -> None:
    export = {**sample("export_status_completed", SHA="0" * 64), "response_timestamp": None, "process_time": None}
    job = Spark({f"GET /api/v4/export/{JOB}/status": (200, export)}).backend().status(JOB)
    assert (job.status, job.response_timestamp, job.process_time) == (JobStatus.closed, "", 0)
    answer = {"object": "import", "id": "i1", "status": "closed", "status_url": "u", "response_timestamp": None,
              "process_time": None, "errors": {}, "outputs": {"services": [], "service_versions": []}}
    imported = Spark({"GET /api/v4/import/i1/status": (200, answer)}).backend().import_status("i1")
    assert imported.errors in (None, []) and imported.process_time == 0
    assert exit_code_for(imported) == ExitCode.OK


@pytest.mark.parametrize("code, error, exit_code", [
    ("INVALID_JOB_ID", JobNotFound, 2),
    ("INVALID_IMPORT_ZIP", BadPackage, 2),
    ("EXCEEDED_FILE_SIZE", ValidationFailed, 2),
    ("SERVICE_NOT_FOUND", ValidationFailed, 2),
])
def test_a_v4_refusal_with_http_500_is_the_refusal(code: str, error: type, exit_code: int) -> None:
    words = f"{code.lower().replace('_', ' ')} (as Spark words it)"
    body = {"type": "invalid_input", "code": code, "message": words}
    b = Spark({"GET /api/v4/import/j1/status": (500, body)}).backend(attempts=1)
    with pytest.raises(error) as raised:
        b.import_status("j1")
    assert raised.value.exit_code == exit_code
    assert raised.value.message.count(words) == 1
    if error is not JobNotFound:  # a job not found carries spark-tui's own JOB_NOT_FOUND item
        assert [(e.code, e.message) for e in raised.value.errors] == [(code, words)]


def test_an_unknown_500_is_still_the_backend(tmp_path: Path) -> None:
    b = Spark({"GET /api/v4/import/j1/status": (500, {"message": "boom"})}).backend(attempts=1)
    with pytest.raises(BackendUnavailable, match="HTTP 500: boom"):
        b.import_status("j1")


@pytest.mark.parametrize("message, exit_code", [
    ("service 'my-folder/x' was not found", ExitCode.USAGE),
    ("folder does not exist in the tenant", ExitCode.USAGE),
    ("the worker crashed while packaging", ExitCode.JOB_FAILED),
])
def test_a_job_error_without_a_code_exits_by_its_meaning(message: str, exit_code: int) -> None:
    job = ExportJob.model_validate({**sample("export_status_completed", SHA="0" * 64), "status": "failed",
                                    "errors": [{"message": message}]})
    assert exit_code_for(job) == exit_code
    imported = ImportJob.model_validate({"id": "i", "status": "failed", "errors": [message]})
    assert exit_code_for(imported) == exit_code


def test_requests_carry_no_empty_lists_or_nulls_for_fields_not_given() -> None:
    spark = Spark({"POST /api/v4/export": (200, sample("export_post_minimal")),
                   f"GET /api/v4/export/{JOB}/status": (200, sample("export_status_in_progress_nulls"))})
    spark.backend().submit(ExportRequest(inputs=ExportInputs(folders=["my-folder"])))
    sent = json.loads(spark.requests[0].content)
    assert sent["inputs"] == {"folders": ["my-folder"]}
    assert all(value is not None and value != [] for value in sent.values())
