"""`POST /{tenant}/api/v4/import`: the streamed multipart upload (size limit while reading, temp file cleanup)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import ALICE, TENANT, small_workspace  # noqa: E402

from spark_tui.engine.jobs import JobManager
from spark_tui.engine.packager import write_package
from spark_tui.engine.resolver import resolve
from spark_tui.engine.store import DEFAULT_SIZE_LIMIT, Workspace
from spark_tui.engine.worker import run_job
from spark_tui.server import create_app
from spark_tui.spark.extensions import ALL_EXTENSIONS
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
from spark_tui.spark.values import FileFilter

BETA = "beta"
URL = f"/{BETA}/api/v4/import"
AUTH = {"Authorization": f"Bearer {ALICE.token}"}
BOUNDARY = "h8-test-boundary"


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    ws = small_workspace(tmp_path / "ws")
    ws.ensure_tenant(BETA)
    ws.add_folder(BETA, "synth-0000")
    yield ws
    ws.close()


@pytest.fixture
def client(ws: Workspace) -> Iterator[TestClient]:
    app = create_app(ws, [ALICE], jobs=JobManager(ws, spawn=False))
    with TestClient(app, base_url="http://spark.test", headers=ALL_EXTENSIONS) as c:
        yield c


@pytest.fixture
def package(ws: Workspace, tmp_path: Path) -> bytes:
    request = ExportRequest(inputs=ExportInputs(folders=["synth-0000"]), file_filter=FileFilter.migrate)
    selection = resolve(ws, TENANT, request, ("supervisor:pf",))
    path = write_package(ws, selection, "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", tmp_path / "p.zip", size_limit=DEFAULT_SIZE_LIMIT).path
    return path.read_bytes()


def form(*parts: tuple[str, bytes, str | None], close: bool = True) -> bytes:
    """A multipart/form-data body of (name, value, filename) parts."""
    body = b""
    for name, value, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"
    return body + (f"--{BOUNDARY}--\r\n".encode() if close else b"")


def post_form(client: TestClient, body: bytes, *, chunked: bool = False):
    headers = {**AUTH, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    if chunked:  # no Content-Length: the limit can only be enforced while reading
        def chunks() -> Iterator[bytes]:
            for at in range(0, len(body), 4096):
                yield body[at:at + 4096]
        return client.post(URL, content=chunks(), headers=headers)
    return client.post(URL, content=body, headers=headers)


ENTITY = (
    b'{"inputs":{"services_modify":[{"service_uri_source":"synth-0000/service-0000"},'
    b'{"service_uri_source":"synth-0000/service-0001"}]},"services_existing":"abort"}'
)


def finished(client: TestClient, ws: Workspace, created: dict) -> dict:
    """Run the created import job's worker in process; the job's status as GET answers it."""
    assert set(created) == {"id", "object", "status_url"} and created["object"] == "import"  # Spark's POST answer
    run_job(ws, created["id"])
    response = client.get(f"{URL}/{created['id']}/status", headers=AUTH)
    assert response.status_code == 200
    return response.json()


def beta_services(ws: Workspace) -> int:
    return ws.connect().execute("SELECT COUNT(*) FROM services WHERE tenant=?", (BETA,)).fetchone()[0]


def tmp_files(ws: Workspace) -> list[str]:
    return sorted(p.name for p in ws.tmp.iterdir())


@pytest.mark.parametrize("chunked", [False, True])
def test_a_package_imports_and_leaves_no_temp_file(client: TestClient, ws: Workspace, package: bytes, chunked: bool) -> None:
    response = post_form(client, form(("importRequestEntity", ENTITY, None), ("file", package, "p.zip")), chunked=chunked)
    assert response.status_code == 200, response.text
    assert tmp_files(ws) == []  # the upload moved into the job
    job = finished(client, ws, response.json())
    assert job["status"] == "closed" and len(job["outputs"]["service_versions"]) == 4
    assert beta_services(ws) == 2
    assert tmp_files(ws) == [] and list(ws.packages.iterdir()) == []


@pytest.mark.parametrize("chunked", [False, True])
def test_an_oversized_upload_is_refused_while_reading(client: TestClient, ws: Workspace, package: bytes, chunked: bool) -> None:
    limit = len(package) // 2
    ws.configure_tenant(BETA, size_limit=limit)
    response = post_form(client, form(("importRequestEntity", b"{}", None), ("file", package, "p.zip")), chunked=chunked)
    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert error["code"] == "PACKAGE_TOO_LARGE" and error["ref"] == "file"
    assert f"limit of {limit} bytes" in response.json()["message"]
    assert beta_services(ws) == 0 and tmp_files(ws) == []


def test_a_package_at_the_limit_is_accepted(client: TestClient, ws: Workspace, package: bytes) -> None:
    ws.configure_tenant(BETA, size_limit=len(package))
    response = post_form(client, form(("importRequestEntity", b"{}", None), ("file", package, "p.zip")))
    assert response.status_code == 200, response.text


def test_a_declared_length_far_over_the_limit_is_refused_before_reading(client: TestClient, ws: Workspace) -> None:
    ws.configure_tenant(BETA, size_limit=1000)
    declared = 50 * 1024 * 1024
    headers = {**AUTH, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Content-Length": str(declared)}
    response = client.post(URL, content=b"x" * 10, headers=headers)
    assert response.status_code == 413 and f"declares {declared} bytes" in response.json()["message"]
    assert "limit of 1000 bytes" in response.json()["message"] and tmp_files(ws) == []


@pytest.mark.parametrize(
    "parts, ref",
    [
        ((("file", b"PK", "p.zip"),), "importRequestEntity"),
        ((("importRequestEntity", b"{}", None),), "file"),
        ((("importRequestEntity", b"{}", None), ("file", b"PK", "a.zip"), ("file", b"PK", "b.zip")), "file"),
        ((("importRequestEntity", b"{}", None), ("importRequestEntity", b"{}", None), ("file", b"PK", "a.zip")), "importRequestEntity"),
        ((("importRequestEntity", b'{"services_existing": "merge"}', None), ("file", b"PK", "a.zip")), "importRequestEntity.services_existing"),
    ],
    ids=["no-entity", "no-file", "two-files", "two-entities", "bad-entity"],
)
def test_a_missing_or_repeated_part_is_named(client: TestClient, ws: Workspace, parts, ref: str) -> None:
    response = post_form(client, form(*parts))
    assert response.status_code == 422
    assert response.json()["errors"][0]["ref"] == ref and ref.split(".")[0] in response.json()["message"]
    assert beta_services(ws) == 0 and tmp_files(ws) == []


def test_an_oversized_entity_field_is_refused(client: TestClient, ws: Workspace) -> None:
    big = b'{"source_system": "' + b"x" * (1024 * 1024) + b'"}'
    response = post_form(client, form(("importRequestEntity", big, None), ("file", b"PK", "a.zip")))
    assert response.status_code == 413 and "over 1048576 bytes" in response.json()["message"]  # as a JSON body over 1 MiB
    assert tmp_files(ws) == []


@pytest.mark.parametrize(
    "content_type, body, phrase",
    [
        ("application/json", b"{}", "multipart/form-data"),
        ("multipart/form-data", b"", "no boundary"),
        (f"multipart/form-data; boundary={BOUNDARY}", form(("importRequestEntity", b"{}", None), close=False), "closing boundary"),
        (f"multipart/form-data; boundary={BOUNDARY}", b"garbage without any boundary", "not valid multipart"),
    ],
    ids=["json", "no-boundary", "truncated", "garbage"],
)
def test_a_malformed_upload_is_refused(client: TestClient, ws: Workspace, content_type: str, body: bytes, phrase: str) -> None:
    response = client.post(URL, content=body, headers={**AUTH, "Content-Type": content_type})
    assert response.status_code == 422 and phrase in response.json()["message"], response.text
    assert tmp_files(ws) == []


def test_a_bad_package_is_refused_on_the_post_and_leaves_nothing_behind(client: TestClient, ws: Workspace) -> None:
    response = post_form(client, form(("importRequestEntity", ENTITY, None), ("file", b"not a zip", "p.zip")))
    body = response.json()
    assert response.status_code == 400 and body["errors"][0]["code"] == "BAD_PACKAGE"  # Spark: 500 INVALID_IMPORT_ZIP
    assert str(ws.root) not in str(body) and "'package.zip'" in body["message"]
    assert beta_services(ws) == 0 and tmp_files(ws) == [] and list(ws.packages.iterdir()) == []
    assert client.get(f"{URL}/status", headers=AUTH).json()["in_progress_imports"] == []


@pytest.mark.parametrize("length", [71, 257, 5000])
def test_an_overlong_boundary_is_a_422_in_the_one_error_shape(ws: Workspace, length: int, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(ws, [ALICE], jobs=JobManager(ws, spawn=False))
    with TestClient(app, base_url="http://spark.test", headers=ALL_EXTENSIONS, raise_server_exceptions=False) as client:
        boundary = "b" * length
        body = f"--{boundary}\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--{boundary}--\r\n".encode()
        response = client.post(URL, content=body, headers={**AUTH, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    answer = response.json()
    assert response.status_code == 422 and answer["message"].endswith(f"the multipart boundary is {length} characters; RFC 2046 allows at most 70")
    assert [e["ref"] for e in answer["errors"]] == ["content-type"]
    assert "Traceback" not in caplog.text and tmp_files(ws) == []


def test_a_boundary_of_70_characters_is_accepted(client: TestClient, ws: Workspace) -> None:
    boundary = "b" * 70
    body = f"--{boundary}\r\nContent-Disposition: form-data; name=\"importRequestEntity\"\r\n\r\n{{}}\r\n--{boundary}--\r\n".encode()
    response = client.post(URL, content=body, headers={**AUTH, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert response.status_code == 422 and "file" in response.json()["message"] and "boundary" not in response.json()["message"]
