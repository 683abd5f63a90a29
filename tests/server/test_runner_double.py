"""serve's Hybrid Runner double: the SDK's `cspark.wasm` client and spark-tui's runner push both
upload to it; packages are kept per tenant in the workspace and listed by /status."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Iterator

import cspark.wasm as Hybrid
import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import ALICE, BOB, LiveServer, TENANT, small_workspace  # noqa: E402

from spark_tui import __version__
from spark_tui.config import ServeUser
from spark_tui.engine.jobs import JobManager
from spark_tui.engine.store import Workspace
from spark_tui.promotion.hybrid_runner import Runner, RunnerRefused, push
from spark_tui.server import create_app
from spark_tui.server.runner_double import SERVICE_MAP, runner_dir

ELSEWHERE = ServeUser(name="eve@example.com", token="eve-token-0123456789", tenants=("other",))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Workspace]]:
    ws = small_workspace(tmp_path_factory.mktemp("runner") / "ws")
    ws.ensure_tenant("other")
    app = create_app(ws, [ALICE, BOB, ELSEWHERE], jobs=JobManager(ws, spawn=False))
    with LiveServer(app) as server:
        yield server.url, ws
    ws.close()


def test_the_sdk_checks_health_and_version_and_uploads(served, fixture_zip: Path) -> None:
    url, ws = served
    assert Hybrid.Client.health_check(url).data == {"msg": "ok"}
    assert Hybrid.Client.get_version(url).data == {"version": __version__, "lastPullDate": None, "filehash": None}
    with Hybrid.Client(base_url=f"{url}/{TENANT}", token=ALICE.token) as hybrid, fixture_zip.open("rb") as f:
        answer = hybrid.services.upload(file=f).data
    (tenant,) = answer["response_data"]
    (service,) = tenant["services"]
    assert tenant["tenant"] == TENANT
    assert service["EngineInformation"]["ServiceName"] == "volume-cylinder"
    assert service["VersionId"] == "91299a5d-9328-4435-911b-4e5f7783f5d4"
    kept = json.loads((runner_dir(ws, TENANT) / SERVICE_MAP).read_text())
    entry = kept["91299a5d-9328-4435-911b-4e5f7783f5d4"]
    assert (entry["folder"], entry["service"], entry["version"]) == ("my-folder", "volume-cylinder", "0.1.0")
    assert (runner_dir(ws, TENANT) / entry["package"]).read_bytes() == fixture_zip.read_bytes()
    with Hybrid.Client(base_url=f"{url}/{TENANT}", token=ALICE.token) as hybrid:
        status = hybrid.status.get().data
    (model,) = [m for m in status["models"] if m["tenant"] == TENANT]
    assert model["total_model"] == 1 and model["model_stats"][0]["id"] == "91299a5d-9328-4435-911b-4e5f7783f5d4"


def test_spark_tui_push_sends_the_tenant_and_records_the_version(served, fixture_zip: Path) -> None:
    url, _ = served
    record = push(fixture_zip, Runner(f"{url}/{TENANT}", ALICE.token))
    assert record.uploaded == ["my-folder/volume-cylinder[0.1.0]"]
    assert (record.tenant, record.runner_version) == (TENANT, __version__)


def test_the_double_refuses_what_a_runner_refuses(served, fixture_zip: Path) -> None:
    url, _ = served
    with pytest.raises(RunnerRefused, match=r"HTTP 401: unknown bearer token"):
        push(fixture_zip, Runner(f"{url}/{TENANT}", "open"))
    with pytest.raises(RunnerRefused, match=r"HTTP 403: user 'eve@example.com' may not use tenant 'acme'"):
        push(fixture_zip, Runner(f"{url}/{TENANT}", ELSEWHERE.token))
    with pytest.raises(RunnerRefused, match="HTTP 404: .*tenant 'nowhere' not found"):
        push(fixture_zip, Runner(f"{url}/nowhere", ALICE.token))
    migrate = io.BytesIO()
    with zipfile.ZipFile(fixture_zip) as src, zipfile.ZipFile(migrate, "w") as out:
        for item in src.infolist():
            if not item.is_dir():
                out.writestr(item, src.read(item))
        out.writestr("fieldengineering/my-folder/volume-cylinder/0.1.0/volume-cylinder.xlsx", b"workbook")
    headers = {"Authorization": f"Bearer {ALICE.token}", "x-tenant-name": TENANT}
    refused = httpx.post(f"{url}/api/v3/upload", files={"file": ("package.zip", migrate.getvalue())}, headers=headers)
    assert refused.status_code == 400 and "migrate export; a Hybrid Runner takes onpremises packages" in refused.text
    missing = httpx.post(f"{url}/api/v3/upload", files={"file": ("package.zip", b"PK")}, headers={"Authorization": headers["Authorization"]})
    assert missing.status_code == 422 and "needs the x-tenant-name header" in missing.text


def test_status_lists_only_the_callers_tenants(served) -> None:
    url, _ = served
    with Hybrid.Client(base_url=f"{url}/other", token=ELSEWHERE.token) as hybrid:
        assert [m["tenant"] for m in hybrid.status.get().data["models"]] == []
