"""`spark-tui serve` under hostile input: one access rule, tenant-bound users, start-up checks,
body and field limits, short quotes of bad input, surrogates, page range, forged link tokens."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import ALICE, BOB, SECRET_FOLDER, SECRET_GROUP, TENANT, small_workspace  # noqa: E402

from spark_tui.config import AppConfig, Profile, ServeUser, load_config
from spark_tui.engine.jobs import JobManager
from spark_tui.engine.store import Workspace
from spark_tui.server import create_app
from spark_tui.spark.extensions import ALL_EXTENSIONS
from spark_tui.server.auth import MIN_SECRET_CHARS, check_link_key, check_users
from spark_tui.server.limits import MAX_JSON_BODY
from spark_tui.server.launch import LINK_KEY_ENV, is_loopback, serve
from spark_tui.spark.errors import ConfigError

CAROL = ServeUser(name="carol@example.com", groups=(), api_key="carol-key-0123456789")
DAVE = ServeUser(name="dave@example.com", groups=(SECRET_GROUP,), token="dave-token-0123456789")
ERIN = ServeUser(name="erin@example.com", groups=("supervisor:pf",), token="erin-token-0123456789", tenants=("other",))
FRANK = ServeUser(name="frank@example.com", groups=(), token="frank-token-0123456789", tenants=(TENANT,))
EXPORT = f"/{TENANT}/api/v4/export"
EXISTS = f"/{TENANT}/api/v3/folders/{SECRET_FOLDER}/services/hidden/exists"


def bearer(user: ServeUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.token}"}


@pytest.fixture
def served(tmp_path: Path):
    ws = small_workspace(tmp_path / "ws")
    app = create_app(ws, [ALICE, BOB, CAROL, DAVE, ERIN, FRANK], jobs=JobManager(ws, spawn=False))
    with TestClient(app, base_url="http://spark.test", headers=ALL_EXTENSIONS) as client:
        yield client, ws
    ws.close()


def jobs_stored(ws: Workspace) -> int:
    return ws.connect().execute("SELECT COUNT(*) FROM jobs").fetchone()[0]


def assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status, response.text[:500]
    body = response.json()
    assert set(body) == {"message", "errors"} and body["errors"]
    assert all(set(e) == {"code", "message", "ref"} for e in body["errors"])
    return body


# --- access: one rule everywhere ----------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [bearer(BOB), bearer(ALICE), {"x-synthetic-key": CAROL.api_key, "x-tenant-name": TENANT}],
    ids=["bob", "alice-supervisor", "carol-api-key"],
)
def test_restricted_folder_is_refused_on_every_read_route(served, headers: dict) -> None:
    client, ws = served
    service_id = ws.service(TENANT, SECRET_FOLDER, "hidden")["id"]
    v1 = {**headers, "x-tenant-name": TENANT}
    responses = [
        client.get(EXISTS, headers=headers),
        client.post(f"/api/v1/product/{SECRET_FOLDER}/engines", headers=v1),
        client.get(f"/api/v1/product/{SECRET_FOLDER}/engines/getversions/hidden", headers=v1),
    ]
    for response in responses:
        body = assert_error_shape(response, 403)
        assert body["errors"][0]["code"] == "ACCESS_DENIED" and SECRET_GROUP in body["message"]
        assert service_id not in response.text and "1.0.0" not in response.text
    preview = client.post(f"{EXPORT}/preview", json={"inputs": {"services": [f"{SECRET_FOLDER}/hidden"]}}, headers=headers)
    assert [e["code"] for e in preview.json()["errors"]] == ["ACCESS_DENIED"]
    job = client.post(EXPORT, json={"inputs": {"services": [f"service/{service_id}"]}}, headers=headers).json()
    assert job["status"] == "failed" and SECRET_FOLDER in job["errors"][0]["message"]


def test_a_member_of_the_group_reads_the_restricted_folder(served) -> None:
    client, ws = served
    found = client.get(EXISTS, headers=bearer(DAVE))
    assert found.status_code == 200 and found.json()["response_data"]["id"] == ws.service(TENANT, SECRET_FOLDER, "hidden")["id"]
    v1 = {**bearer(DAVE), "x-tenant-name": TENANT}
    assert client.post(f"/api/v1/product/{SECRET_FOLDER}/engines", headers=v1).status_code == 200
    preview = client.post(f"{EXPORT}/preview", json={"inputs": {"folders": [SECRET_FOLDER]}}, headers=bearer(DAVE)).json()
    assert preview["errors"] == [] and len(preview["service_versions"]) == 1


def test_exists_of_an_unknown_folder_or_service_says_absent(served) -> None:
    client, _ = served
    for url in (EXISTS.replace(SECRET_FOLDER, "nowhere"), EXISTS.replace("hidden", "ghost").replace(SECRET_FOLDER, "synth-0000")):
        data = client.get(url, headers=bearer(BOB)).json()["response_data"]
        assert data["is_exists"] is False and data["id"] is None


# --- users bound to tenants ---------------------------------------------------------------------


def test_a_user_bound_to_other_tenants_is_refused(served) -> None:
    client, ws = served
    v1 = {**bearer(ERIN), "x-tenant-name": TENANT}
    for response in (
        client.get(f"{EXPORT}/status", headers=bearer(ERIN)),
        client.post(EXPORT, json={"inputs": {"folders": ["synth-0000"]}}, headers=bearer(ERIN)),
        client.post("/api/v1/product/list", headers=v1),
        client.get(EXISTS, headers=bearer(ERIN)),
        client.post(f"/{TENANT}/api/v4/import", data={"importRequestEntity": "{}"}, files={"file": ("p.zip", b"x")}, headers=bearer(ERIN)),
    ):
        body = assert_error_shape(response, 403)
        assert f"may not use tenant '{TENANT}'" in body["message"] and "other" in body["message"]
    assert jobs_stored(ws) == 0


def test_a_user_bound_to_the_tenant_is_served(served) -> None:
    client, _ = served
    assert client.get(f"{EXPORT}/status", headers=bearer(FRANK)).status_code == 200
    assert client.post("/api/v1/product/list", headers={**bearer(FRANK), "x-tenant-name": TENANT}).status_code == 200


def test_tenants_key_of_serve_users_is_parsed_and_validated(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[[serve.users]]\nname = "a"\ntoken_env = "T_A"\ntenants = ["acme", "beta"]\n'
        '[[serve.users]]\nname = "b"\ntoken_env = "T_B"\n'
    )
    users = load_config(config).serve_users
    assert [u.tenants for u in users] == [("acme", "beta"), None]
    for bad in ('[".."]', "[]", '"acme"', '["a/b"]'):
        config.write_text(f'[[serve.users]]\nname = "a"\ntoken_env = "T_A"\ntenants = {bad}\n')
        with pytest.raises(ConfigError, match="tenants"):
            load_config(config)


# --- start-up checks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "users, phrase",
    [
        ([ServeUser(name="a", token="short")], "fewer than 16"),
        ([ServeUser(name="a", api_key="x" * (MIN_SECRET_CHARS - 1))], "fewer than 16"),
        ([ServeUser(name="a", token="t" * 20), ServeUser(name="b", token="t" * 20)], "share the same token"),
        ([ServeUser(name="a", api_key="k" * 20), ServeUser(name="b", api_key="k" * 20)], "share the same api key"),
        ([ServeUser(name="a", token="s" * 20), ServeUser(name="b", api_key="s" * 20)], "share the same"),
    ],
    ids=["short-token", "short-key", "dup-token", "dup-key", "token-is-other-key"],
)
def test_weak_or_shared_secrets_are_refused_at_start_up(users, phrase: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=phrase) as info:
        check_users(users)
    assert all((u.token or u.api_key) not in str(info.value) for u in users)
    profile = Profile(name="p", workspace=tmp_path / "ws", tenant="acme")
    with pytest.raises(ConfigError, match=phrase):
        serve(AppConfig(path=tmp_path / "c.toml", default_profile="p", profiles={"p": profile}, serve_users=users), profile)
    assert not (tmp_path / "ws").exists()  # refused before anything was opened


def test_good_secrets_pass() -> None:
    check_users([ServeUser(name="a", token="a" * 16, api_key="b" * 16), ServeUser(name="b", token="c" * 40)])


@pytest.mark.parametrize("key", ["", "k", "k" * (MIN_SECRET_CHARS - 1)])
def test_short_link_key_is_refused(key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match=LINK_KEY_ENV):
        check_link_key(key, LINK_KEY_ENV)
    if key:
        monkeypatch.setenv(LINK_KEY_ENV, key)
        profile = Profile(name="p", workspace=tmp_path / "ws", tenant="acme")
        with pytest.raises(ConfigError, match="fewer than 16"):
            serve(AppConfig(path=tmp_path / "c.toml", default_profile="p", profiles={"p": profile}), profile)
    assert check_link_key("k" * MIN_SECRET_CHARS, LINK_KEY_ENV) == b"k" * MIN_SECRET_CHARS


@pytest.mark.parametrize(
    "host, loopback",
    [("127.0.0.1", True), ("127.0.0.53", True), ("::1", True), ("localhost", True), ("0.0.0.0", False),
     ("::", False), ("192.168.1.10", False), ("example.com", False)],
)
def test_non_loopback_hosts_are_told_apart(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_docs_pages_are_off_and_openapi_is_served(served) -> None:
    client, _ = served
    assert client.get("/openapi.json").status_code == 200
    for page in ("/docs", "/redoc"):
        assert_error_shape(client.get(page), 404)


# --- bad input ---------------------------------------------------------------------------------------


def _big_body(size: int) -> bytes:
    return json.dumps({"inputs": {"folders": ["synth-0000"]}, "source_system": "s" * size}).encode()


@pytest.mark.parametrize(
    "method, url, extra",
    [
        ("POST", EXPORT, {}), ("POST", f"{EXPORT}/preview", {}), ("PATCH", f"{EXPORT}/some-job", {}),
        ("POST", "/api/v1/product/list", {"x-tenant-name": TENANT}),
        ("POST", "/api/v1/product/synth-0000/engines", {"x-tenant-name": TENANT}),
    ],
)
def test_bodies_over_the_limit_are_413(served, method: str, url: str, extra: dict) -> None:
    client, ws = served
    headers = {**bearer(ALICE), **extra, "content-type": "application/json"}
    declared = client.request(method, url, content=_big_body(MAX_JSON_BODY), headers=headers)
    assert "1048576 bytes" in assert_error_shape(declared, 413)["message"]

    def chunks():
        body = _big_body(2 * MAX_JSON_BODY)
        for i in range(0, len(body), 64 * 1024):
            yield body[i:i + 64 * 1024]

    streamed = client.request(method, url, content=chunks(), headers=headers)
    assert_error_shape(streamed, 413)
    assert jobs_stored(ws) == 0


@pytest.mark.parametrize(
    "body, ref",
    [
        ({"inputs": {"folders": ["synth-0000"]}, "file_filter": "x" * 200_000}, "file_filter"),
        ({"inputs": {"folders": ["synth-0000"]}, "source_system": "s" * 200_000}, "source_system"),
        ({"inputs": {"folders": ["synth-0000"]}, "correlation_id": "c" * 5_000}, "correlation_id"),
        ({"inputs": {"folders": ["synth-0000"]}, "file_name": "f" * 200_000}, None),
        ({"inputs": {"services": ["a" * 200_000]}}, None),
        ({"inputs": {"version_ids": ["v" * 200_000]}}, None),
    ],
    ids=["enum", "source_system", "correlation_id", "file_name", "service-ref", "version-id"],
)
def test_422_quotes_only_a_short_prefix_and_stores_nothing(served, body: dict, ref: str | None) -> None:
    client, ws = served
    for url in (EXPORT, f"{EXPORT}/preview"):
        response = client.post(url, json=body, headers=bearer(ALICE))
        if response.status_code == 200:  # preview answers 200 with its error list
            errors = response.json()["errors"]
        else:
            errors = assert_error_shape(response, 422)["errors"]
        assert errors and len(response.content) < 4000
        if ref is not None:
            assert errors[0]["ref"] == ref
    assert jobs_stored(ws) == 0


@pytest.mark.parametrize(
    "raw",
    [
        b'{"inputs": {"folders": ["\\ud800"]}}',
        b'{"inputs": {"services": ["a/\\udfff"]}}',
        b'{"inputs": {"folders": ["synth-0000"]}, "source_system": "x\\udc80y"}',
        b'{"inputs": {"folders": ["synth-0000"]}, "correlation_id": "\\ud83d"}',
        b'{"inputs": {"folders": ["synth-0000\xff"]}}',
        b'{"inputs": {"folders": ["\xc3("]}}',
    ],
    ids=["folder", "service", "source_system", "correlation_id", "invalid-utf8", "invalid-utf8-seq"],
)
def test_lone_surrogates_and_invalid_utf8_are_422(served, raw: bytes) -> None:
    client, ws = served
    headers = {**bearer(ALICE), "content-type": "application/json"}
    for url in (EXPORT, f"{EXPORT}/preview"):
        assert_error_shape(client.post(url, content=raw, headers=headers), 422)
    v1 = client.post("/api/v1/product/list", content=b'{"sort": "\\ud800"}', headers={**headers, "x-tenant-name": TENANT})
    assert_error_shape(v1, 422)
    assert jobs_stored(ws) == 0


@pytest.mark.parametrize("paging", [{"page": 2**62}, {"page": 2**63 + 5}, {"page": 0}, {"pageSize": 0}, {"pageSize": 10**6},
                                    {"page": -1}, {"sort": "s" * 10_000}, {"search": [{}] * 1000}])
def test_paging_and_search_out_of_range_are_422(served, paging: dict) -> None:
    client, _ = served
    headers = {**bearer(BOB), "x-tenant-name": TENANT}
    for url in ("/api/v1/product/list", "/api/v1/product/synth-0000/engines"):
        response = client.post(url, json=paging, headers=headers)
        assert_error_shape(response, 422)
        assert len(response.content) < 4000


def test_deeply_nested_json_is_422(served) -> None:
    client, _ = served
    headers = {**bearer(ALICE), "content-type": "application/json"}
    for raw in (b"[" * 200_000 + b"]" * 200_000, b'{"inputs": ' * 50_000 + b"1" + b"}" * 50_000):
        assert_error_shape(client.post(EXPORT, content=raw, headers=headers), 422)


@pytest.mark.parametrize("token", ["é" * 64, "💥", "ÿ", "0" * 63 + "é", "\u202e" * 10])
def test_non_ascii_link_tokens_are_403(served, token: str) -> None:
    client, _ = served
    job = client.post(EXPORT, json={"inputs": {"folders": ["synth-0000"]}}, headers=bearer(ALICE)).json()
    url = f"{EXPORT}/{job['id']}/download/package.zip"
    response = client.get(url, params={"token": token, "expires": "99999999999"})
    assert "signature" in assert_error_shape(response, 403)["message"]


def test_too_many_references_are_refused_before_resolving(served) -> None:
    client, ws = served
    ids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(10_001)]
    response = client.post(EXPORT, json={"inputs": {"version_ids": ids}}, headers=bearer(ALICE))
    body = assert_error_shape(response, 422)
    assert "10001 references, more than 10000" in body["message"] and len(body["errors"]) == 1
    assert jobs_stored(ws) == 0


@pytest.mark.parametrize("host, warned", [("0.0.0.0", True), ("127.0.0.1", False)])
def test_serving_beyond_loopback_warns_about_tls(host: str, warned: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)  # start-up only
    profile = Profile(name="p", workspace=tmp_path / "ws", tenant="acme", user="me@example.com")
    config = AppConfig(path=tmp_path / "c.toml", default_profile="p", profiles={"p": profile})
    assert serve(config, profile, host=host, port=0) == 0
    err = capsys.readouterr().err
    assert ("without TLS" in err and "reverse proxy" in err) is warned


@pytest.mark.parametrize(
    "method, url",
    [
        ("POST", "/api/v1/product/create"), ("POST", "/api/v1/product/isproductexists/synth-0000"),
        ("GET", "/api/v1/product/get/some-id"), ("GET", f"/{TENANT}/api/v4/import/status"),
        ("GET", f"/{TENANT}/api/v4/import/some-job/status"),
    ],
)
def test_the_import_and_folder_routes_refuse_a_declared_body_over_the_limit(served, method: str, url: str) -> None:
    client, ws = served
    headers = {**bearer(ALICE), "x-tenant-name": TENANT, "content-type": "application/json"}
    assert "1048576 bytes" in assert_error_shape(client.request(method, url, content=_big_body(MAX_JSON_BODY), headers=headers), 413)["message"]
    assert jobs_stored(ws) == 0


def test_a_streamed_folder_create_form_over_the_limit_is_413(served) -> None:
    client, ws = served
    folders = ws.connect().execute("SELECT COUNT(*) FROM folders").fetchone()[0]

    def chunks():
        yield b"Name=big&Description="
        for _ in range(2 * MAX_JSON_BODY // (64 * 1024)):
            yield b"d" * (64 * 1024)

    headers = {**bearer(ALICE), "x-tenant-name": TENANT, "content-type": "application/x-www-form-urlencoded"}
    assert_error_shape(client.post("/api/v1/product/create", content=chunks(), headers=headers), 413)
    assert ws.connect().execute("SELECT COUNT(*) FROM folders").fetchone()[0] == folders
