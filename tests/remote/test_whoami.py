"""Who the remote caller is: serve's whoami route, else the JWT's claims, else the profile, else
unknown (then own jobs are the ones this client submitted)."""

from __future__ import annotations

import base64
import json
from dataclasses import replace

import httpx
import pytest

from scripted import Recorder, Spark, sample
from serve_live import ALICE, BOB, TENANT, Served

from spark_tui.backends.remote import RemoteBackend
from spark_tui.backends.token_claims import caller_of_token, claims_of
from spark_tui.config import default_user
from spark_tui.spark.errors import BackendUnavailable
from spark_tui.spark.export_wire import ExportInputs, ExportRequest

MINE = "34d7d465-86eb-4eed-a388-fa4525cf7be6"  # john.doe's job in tenant_export_status.json
THEIRS = "0b6f7e0e-4a0c-4c39-9a57-2a1f3b1c9d10"  # jane.roe's


def jwt(**claims: object) -> str:
    def segment(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{segment({'alg': 'RS256', 'typ': 'JWT'})}.{segment(claims)}.c2lnbmF0dXJl"


def test_serve_names_the_caller(served: Served) -> None:
    for user in (ALICE, BOB):
        profile = served.profile(user)
        b = RemoteBackend(replace(profile, user=default_user(), groups=()))
        caller = b.whoami()
        assert (caller.user, caller.groups, caller.source) == (user.name, tuple(user.groups), "server")
        assert b.info.user == user.name and b.info.groups == tuple(user.groups)


def test_whoami_route_needs_credentials_and_a_known_tenant(served: Served) -> None:
    anonymous = httpx.get(f"{served.url}/{TENANT}/api/v4/whoami")
    assert anonymous.status_code == 401
    unknown = httpx.get(f"{served.url}/nope/api/v4/whoami", headers={"Authorization": f"Bearer {ALICE.token}"})
    assert unknown.status_code == 404 and "tenant 'nope' not found" in unknown.json()["message"]
    mine = httpx.get(f"{served.url}/{TENANT}/api/v4/whoami", headers={"Authorization": f"Bearer {BOB.token}"})
    assert mine.json() == {"user": BOB.name, "groups": []}


@pytest.mark.parametrize("claims, user", [
    ({"sub": "f1e2", "preferred_username": "jdoe", "email": "john.doe@coherent.global"}, "john.doe@coherent.global"),
    ({"sub": "f1e2", "preferred_username": "service-account-ci-bot"}, "service-account-ci-bot"),
    ({"sub": "f1e2d3c4-0000-4000-8000-000000000000"}, "f1e2d3c4-0000-4000-8000-000000000000"),
])
def test_real_spark_falls_back_to_the_bearer_tokens_claims(claims: dict, user: str) -> None:
    spark = Spark({})  # no whoami route: 404, as on real Spark
    b = spark.backend(token=jwt(groups=["/team:secret", "supervisor:pf"], **claims), user=default_user())
    caller = b.whoami()
    assert (caller.user, caller.groups, caller.source) == (user, ("team:secret", "supervisor:pf"), "token")
    assert b.info.user == user
    b.whoami()
    assert len(spark.requests) == 1  # learnt once


def test_oauth_access_token_claims() -> None:
    def handler(request: httpx.Request, n: int) -> httpx.Response:
        if request.url.path.endswith("/openid-connect/token"):
            return httpx.Response(200, json={"access_token": jwt(email="ci@acme.example"), "expires_in": 300})
        return httpx.Response(403, json={"message": "no such route"})

    b = Recorder(handler).backend(token=None, client_id="ci-bot", client_secret="cl-secret", user=default_user())
    assert b.whoami().user == "ci@acme.example"


def test_profile_user_then_unknown_identity_matches_submitted_jobs() -> None:
    assert Spark({}).backend(token="opaque").whoami().source == "profile"  # the profile names me@example.com
    spark = Spark({
        "POST /api/v4/export": (200, {"id": MINE, "object": "export", "status": "created"}),
        "GET /api/v4/export/status": (200, sample("tenant_export_status")),
        f"GET /api/v4/export/{MINE}/status": (200, sample("export_status_in_progress_nulls")),
        f"GET /api/v4/export/{THEIRS}/status": (200, {"id": THEIRS, "status": "closed"}),
    })
    b = spark.backend(token="opaque", user=default_user())
    assert b.list_jobs() == []  # unknown identity, nothing submitted yet
    b.submit(ExportRequest(inputs=ExportInputs(folders=["my-folder"])))
    caller = b.whoami()
    assert (caller.user, caller.source) == (None, "unknown") and b.info.user == default_user()
    assert [j.id for j in b.list_jobs()] == [MINE] and b.submitted_ids == {MINE}
    assert b.is_own(MINE, None) and not b.is_own(THEIRS, "jane.roe@coherent.global")
    assert {j.id for j in b.list_jobs(all_users=True)} == {MINE, THEIRS}


def test_known_identity_matches_created_by() -> None:
    spark = Spark({
        "GET /api/v4/export/status": (200, sample("tenant_export_status")),
        f"GET /api/v4/export/{MINE}/status": (200, sample("export_status_in_progress_nulls")),
    })
    b = spark.backend(token=jwt(email="john.doe@coherent.global"))
    assert [j.id for j in b.list_jobs()] == [MINE]


def test_unreachable_server_is_reported_and_not_cached() -> None:
    def down(request: httpx.Request, n: int) -> httpx.Response:
        if n == 0:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"user": "alice@example.com", "groups": ["g"]})

    b = Recorder(down).backend(attempts=1)
    with pytest.raises(BackendUnavailable, match="cannot reach Spark"):
        b.whoami()
    assert b.whoami().user == "alice@example.com"


@pytest.mark.parametrize("token", ["opaque-token", "a.b", "x.!!!.y", f"x.{base64.urlsafe_b64encode(b'[1]').decode()}.y", jwt(aud="x")])
def test_tokens_without_an_identity(token: str) -> None:
    assert caller_of_token(token) is None


def test_claims_of_accepts_a_bearer_prefix() -> None:
    assert claims_of("Bearer " + jwt(sub="u1")) == {"sub": "u1"}
