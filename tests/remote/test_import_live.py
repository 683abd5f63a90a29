"""Import uploads through a live `spark-tui serve` (uvicorn): streamed, size-limited, no temp file left."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from serve_live import ALICE, Served

from spark_tui.backends.http_retry import RetryPolicy
from spark_tui.backends.remote import RemoteBackend
from spark_tui.engine.packager import write_package
from spark_tui.engine.resolver import resolve
from spark_tui.engine.store import DEFAULT_SIZE_LIMIT
from spark_tui.spark.errors import SparkTuiError
from spark_tui.spark.models import ExportInputs, ExportRequest, FileFilter

BETA = "beta"
AUTH = {"Authorization": f"Bearer {ALICE.token}"}


@pytest.fixture
def package(served: Served, tmp_path: Path) -> Path:
    served.ws.ensure_tenant(BETA)
    request = ExportRequest(inputs=ExportInputs(folders=["synth-0000"]), file_filter=FileFilter.migrate)
    selection = resolve(served.ws, "acme", request, ("supervisor:pf",))
    return write_package(served.ws, selection, "3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a99", tmp_path / "p.zip",
                         size_limit=DEFAULT_SIZE_LIMIT).path


def beta_backend(served: Served) -> RemoteBackend:
    profile = served.profile(ALICE, base_url=f"{served.url}/{BETA}", tenant=BETA)
    return RemoteBackend(profile, retry=RetryPolicy(attempts=1, base_s=0.001, cap_s=0.002))


def beta_services(served: Served) -> int:
    return served.ws.connect().execute("SELECT COUNT(*) FROM services WHERE tenant=?", (BETA,)).fetchone()[0]


def test_remote_import_within_the_limit_succeeds(served: Served, package: Path) -> None:
    served.ws.configure_tenant(BETA, size_limit=package.stat().st_size)
    result = beta_backend(served).import_package(package)
    assert len(result.service_versions) == 4 and beta_services(served) == 2
    assert list(served.ws.tmp.iterdir()) == []


def test_remote_import_over_the_limit_is_refused_naming_it(served: Served, package: Path) -> None:
    limit = package.stat().st_size - 1
    served.ws.configure_tenant(BETA, size_limit=limit)
    with pytest.raises(SparkTuiError, match=f"limit of {limit} bytes"):
        beta_backend(served).import_package(package)
    assert beta_services(served) == 0 and list(served.ws.tmp.iterdir()) == []


def test_a_chunked_upload_over_the_limit_is_cut_off_while_reading(served: Served) -> None:
    served.ws.ensure_tenant(BETA)
    served.ws.configure_tenant(BETA, size_limit=100_000)
    def body() -> Iterator[bytes]:  # 2 MB of file data, no Content-Length
        yield b'--b\r\nContent-Disposition: form-data; name="importRequestEntity"\r\n\r\n{}\r\n'
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="p.zip"\r\n\r\n'
        for _ in range(32):
            yield os.urandom(64 * 1024)
        yield b"\r\n--b--\r\n"

    headers = {**AUTH, "Content-Type": "multipart/form-data; boundary=b"}
    response = httpx.post(f"{served.url}/{BETA}/api/v4/import", content=body(), headers=headers, timeout=30)
    message = response.json()["message"]
    assert response.status_code == 413 and "limit of 100000 bytes" in message
    reached = int(re.search(r"reached (\d+) bytes", message).group(1))
    assert 100_000 < reached < 32 * 64 * 1024  # refused mid-stream, not after the whole body
    assert beta_services(served) == 0 and list(served.ws.tmp.iterdir()) == []


def test_a_missing_file_part_is_named(served: Served) -> None:
    served.ws.ensure_tenant(BETA)
    response = httpx.post(f"{served.url}/{BETA}/api/v4/import", data={"importRequestEntity": "{}"},
                          files={"other": ("p.zip", b"PK")}, headers=AUTH, timeout=30)
    assert response.status_code == 422 and response.json()["errors"][0]["ref"] == "file"
    assert "file form field" in response.json()["message"]
