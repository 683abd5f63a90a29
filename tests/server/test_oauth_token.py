"""OAuth2 client credentials on serve: `[[serve.users]]` client_id + client_secret → an access token
from `POST /auth/realms/{tenant}/protocol/openid-connect/token` that works as a bearer, then expires."""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import ALICE, TENANT, small_workspace  # noqa: E402

from spark_tui.config import ServeUser, load_config
from spark_tui.engine.jobs import JobManager
from spark_tui.server import create_app
from spark_tui.server.auth import Authenticator, check_users
from spark_tui.spark.errors import ConfigError

ROBOT = ServeUser(name="robot@example.com", groups=("supervisor:pf",), client_id="ci-robot",
                  client_secret="robot-secret-0123456789", tenants=(TENANT,))
TOKEN_URL = f"/auth/realms/{TENANT}/protocol/openid-connect/token"
WHOAMI = f"/{TENANT}/api/v4/whoami"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(tmp_path: Path, clock: Clock):
    ws = small_workspace(tmp_path / "ws")
    ws.ensure_tenant("other")
    app = create_app(ws, [ALICE, ROBOT], jobs=JobManager(ws, spawn=False))
    app.state.ctx.auth = Authenticator([ALICE, ROBOT], clock=clock)
    with TestClient(app, base_url="http://spark.test") as c:
        yield c
    ws.close()


def grant(client: TestClient, secret: str = "robot-secret-0123456789", tenant: str = TENANT, **extra):
    form = {"grant_type": "client_credentials", "client_id": "ci-robot", "client_secret": secret, **extra}
    return client.post(f"/auth/realms/{tenant}/protocol/openid-connect/token", data=form)


def test_client_credentials_give_a_bearer_token_that_expires(client: TestClient, clock: Clock) -> None:
    answer = grant(client)
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 300
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get(WHOAMI, headers=headers).json() == {"user": "robot@example.com", "groups": ["supervisor:pf"]}
    clock.now += 299
    assert client.get(WHOAMI, headers=headers).status_code == 200
    clock.now += 1
    expired = client.get(WHOAMI, headers=headers)
    assert expired.status_code == 401 and "expired" in expired.json()["message"]


def test_the_pair_may_come_as_http_basic(client: TestClient) -> None:
    pair = base64.b64encode(b"ci-robot:robot-secret-0123456789").decode()
    answer = client.post(TOKEN_URL, data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {pair}"})
    assert answer.status_code == 200 and answer.json()["access_token"]


@pytest.mark.parametrize(
    "kwargs, status, error",
    [
        ({"secret": "robot-secret-wrong-000"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"tenant": "other"}, 401, "invalid_client"),  # the user's tenants do not include it
    ],
)
def test_refusals_answer_as_keycloak_does(client: TestClient, kwargs: dict, status: int, error: str) -> None:
    answer = grant(client, **kwargs)
    assert answer.status_code == status and answer.json()["error"] == error
    assert "robot-secret" not in answer.text


def test_a_token_is_bound_to_its_tenant(tmp_path: Path) -> None:
    ws = small_workspace(tmp_path / "ws")
    ws.ensure_tenant("other")
    anywhere = ServeUser(name="any@example.com", client_id="any-robot", client_secret="any-secret-0123456789")
    app = create_app(ws, [anywhere], jobs=JobManager(ws, spawn=False))
    with TestClient(app, base_url="http://spark.test") as client:
        form = {"grant_type": "client_credentials", "client_id": "any-robot", "client_secret": "any-secret-0123456789"}
        token = client.post("/auth/realms/other/protocol/openid-connect/token", data=form).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/other/api/v4/whoami", headers=headers).status_code == 200
        refused = client.get(WHOAMI, headers=headers)
        assert refused.status_code == 403 and "issued for tenant 'other'" in refused.json()["message"]
    ws.close()


def test_config_reads_client_credentials_of_serve_users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROBOT_SECRET", "robot-secret-0123456789")
    config = tmp_path / "config.toml"
    config.write_text('[[serve.users]]\nname = "robot"\nclient_id = "ci-robot"\nclient_secret_env = "ROBOT_SECRET"\n')
    (user,) = load_config(config).serve_users
    assert (user.client_id, user.client_secret, user.token) == ("ci-robot", "robot-secret-0123456789", None)
    assert "robot-secret" not in repr(user)
    config.write_text('[[serve.users]]\nname = "robot"\nclient_id = "ci-robot"\n')
    with pytest.raises(ConfigError, match="client_secret .* go together for serve user 'robot'"):
        load_config(config)


def test_client_secrets_follow_the_token_rules() -> None:
    short = ServeUser(name="r", client_id="c", client_secret="short")
    with pytest.raises(ConfigError, match="client_secret has 5 characters"):
        check_users([short])
    twins = [ServeUser(name=n, client_id="same", client_secret=f"{n}-secret-0123456789") for n in ("a", "b")]
    with pytest.raises(ConfigError, match="share the client_id 'same'"):
        check_users(twins)
