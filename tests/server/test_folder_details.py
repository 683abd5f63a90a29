"""The v1 folder API keeps what the create form says (and who created it, and when), and
`product/list` orders by `sort` and filters by `search`; old workspaces gain the new columns."""

from __future__ import annotations

import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import ALICE, BOB, TENANT  # noqa: E402

from spark_tui.engine.jobs import JobManager
from spark_tui.engine.store import Workspace
from spark_tui.server import create_app

LIST = "/api/v1/product/list"
FORM = {
    "Name": "uat", "Description": "UAT copies", "Category": "Medical", "Status": "Design",
    "StartDate": "2025-01-31T00:00:00+00:00", "LaunchDate": "2025-03-01T00:00:00Z",
}
# (name, created) of folders made through the store: name order differs from creation order
STAMPED = [("bravo", "2024-01-03T00:00:00.000Z"), ("alpha", "2024-01-02T00:00:00.000Z"), ("charlie", "2024-01-01T00:00:00.000Z")]


def auth(user=ALICE) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.token}", "x-tenant-name": TENANT}


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace(tmp_path / "ws")
    ws.ensure_tenant(TENANT)
    yield ws
    ws.close()


def serve(ws: Workspace) -> TestClient:
    return TestClient(create_app(ws, [ALICE, BOB], jobs=JobManager(ws, spawn=False)), base_url="http://spark.test")


def names(client: TestClient, sort: str | None, **body) -> list[str]:
    response = client.post(LIST, json={"sort": sort, **body}, headers=auth())
    assert response.status_code == 200, response.text
    return [f["name"] for f in response.json()["data"]]


def test_create_stores_the_form_and_the_creator(ws: Workspace) -> None:
    before = datetime.now(timezone.utc)
    with serve(ws) as client:
        created = client.post("/api/v1/product/create", data=FORM, headers=auth(BOB))
        assert created.status_code == 200 and created.json()["status"] == "Success", created.text
        got = client.get(f"/api/v1/product/get/{created.json()['data']['folderId']}", headers=auth()).json()["data"]
        listed = client.post(LIST, json={}, headers=auth()).json()["data"]
    after = datetime.now(timezone.utc)
    assert listed == [got]
    assert {k: got[k] for k in ("name", "description", "category", "status", "startDate", "launchDate", "createdBy")} == {
        "name": "uat", "description": "UAT copies", "category": "Medical", "status": "Design",
        "startDate": FORM["StartDate"], "launchDate": FORM["LaunchDate"], "createdBy": BOB.name,
    }
    created_at = datetime.fromisoformat(got["createdAt"].replace("Z", "+00:00"))
    assert before.replace(microsecond=before.microsecond // 1000 * 1000) <= created_at <= after
    assert got["lastModifiedDate"] == got["createdAt"]


@pytest.mark.parametrize(("form", "field"), [
    ({"StartDate": "next tuesday"}, "StartDate"), ({"LaunchDate": "2025-13-01"}, "LaunchDate"),
    ({"Description": "d" * 2001}, "Description"), ({"Category": "c" * 101}, "Category"),
])
def test_create_refuses_unusable_fields_naming_them(ws: Workspace, form: dict, field: str) -> None:
    with serve(ws) as client:
        response = client.post("/api/v1/product/create", data={"Name": "uat", **form}, headers=auth())
        assert response.status_code == 422 and f"the {field} form field" in response.json()["message"], response.text
        assert client.post("/api/v1/product/isproductexists/uat", headers=auth()).json()["data"] is False


def test_list_sorts_by_name_created_and_updated(ws: Workspace) -> None:
    for name, stamp in STAMPED:
        ws.add_folder(TENANT, name, created=stamp)
    with serve(ws) as client:
        assert names(client, None) == names(client, "name") == names(client, "productName") == ["alpha", "bravo", "charlie"]
        assert names(client, "-name") == ["charlie", "bravo", "alpha"]
        assert names(client, "updated") == names(client, "created") == ["charlie", "alpha", "bravo"]
        assert names(client, "-updated") == ["bravo", "alpha", "charlie"]
        assert names(client, "-updated", page=2, pageSize=2) == ["charlie"]
        assert names(client, "-updated", search=[{"field": "name", "value": "A"}]) == ["bravo", "alpha", "charlie"]
        assert names(client, "-name", search=[{"field": "name", "value": "ar"}]) == ["charlie"]


@pytest.mark.parametrize("sort", ["size", "-nope", "name1"])
def test_unknown_sort_is_422_naming_the_allowed_ones(ws: Workspace, sort: str) -> None:
    with serve(ws) as client:
        response = client.post(LIST, json={"sort": sort}, headers=auth())
    assert response.status_code == 422
    message = response.json()["message"]
    assert f"'{sort}'" in message and "created, name, updated" in message


OLD_SCHEMA = """
CREATE TABLE tenants (name TEXT PRIMARY KEY, job_limit INTEGER NOT NULL, size_limit INTEGER NOT NULL,
                      timeout_s INTEGER NOT NULL, retention_s INTEGER NOT NULL);
CREATE TABLE folders (id TEXT PRIMARY KEY, tenant TEXT NOT NULL REFERENCES tenants(name), name TEXT NOT NULL,
                      required_group TEXT, created TEXT NOT NULL, UNIQUE (tenant, name));
"""


def test_an_old_workspace_opens_and_lists_its_folders(tmp_path: Path) -> None:
    root = tmp_path / "old"
    root.mkdir()
    db = sqlite3.connect(root / "workspace.db")
    db.executescript(OLD_SCHEMA)
    db.execute("INSERT INTO tenants VALUES (?, 1, 1000000, 900, 86400)", (TENANT,))
    db.execute("INSERT INTO folders VALUES ('f1', ?, 'legacy', NULL, '2023-05-01T00:00:00.000Z')", (TENANT,))
    db.commit()
    db.close()
    ws = Workspace(root)
    try:
        with serve(ws) as client:
            [legacy] = client.post(LIST, json={"sort": "-updated"}, headers=auth()).json()["data"]
            assert (legacy["name"], legacy["createdAt"], legacy["lastModifiedDate"]) == ("legacy", "2023-05-01T00:00:00.000Z",
                                                                                         "2023-05-01T00:00:00.000Z")
            assert legacy["createdBy"] is None and legacy["description"] is None
            created = client.post("/api/v1/product/create", data={"Name": "new", "Description": "d"}, headers=auth())
            assert created.json()["status"] == "Success", created.text
            assert names(client, "name") == ["legacy", "new"]
            new = client.get(f"/api/v1/product/get/{created.json()['data']['folderId']}", headers=auth()).json()["data"]
            assert (new["description"], new["createdBy"]) == ("d", ALICE.name)
    finally:
        ws.close()
