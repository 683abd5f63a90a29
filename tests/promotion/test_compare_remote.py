"""Comparing with a remote backend (`spark-tui serve` over HTTP): fingerprints come from serve's version
listings, pages are followed over HTTP, restricted folders are not accessible, a 429 is waited out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from comparekit import Tenant, row, states, versions
from spark_tui.backends.http_retry import RetryPolicy
from spark_tui.backends.remote import RemoteBackend
from spark_tui.config import Profile
from spark_tui.promotion.compare import compare
from spark_tui.server import create_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "remote"))
from serve_live import ALICE, LiveServer  # noqa: E402


class Throttled(httpx.HTTPTransport):
    """Answers the first request of each version listing 429 with Retry-After: 2, then lets it through."""

    def __init__(self) -> None:
        super().__init__()
        self.throttled: set[str] = set()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if "/getversions/" in path and path not in self.throttled:
            self.throttled.add(path)
            return httpx.Response(429, headers={"Retry-After": "2"}, json={"message": "slow down"})
        return super().handle_request(request)


@pytest.fixture
def envs(tmp_path: Path) -> Iterator[tuple[Tenant, Tenant, str]]:
    """dev (embedded) and uat (served by `spark-tui serve`, as alice)."""
    dev, uat = Tenant(tmp_path / "dev", "dev"), Tenant(tmp_path / "uat", "uat")
    for s in range(5):
        vid = dev.version(f"claims/s{s}", "1.0.0", f"c{s}")
        uat.version(f"claims/s{s}", "1.0.0", f"c{s}" if s else "other", version_id=vid)
    dev.version("claims/s1", "1.1.0", "next")
    uat.version("claims/s2", "1.1.0", "c2")  # the content of 1.0.0 again (an add_version copy)
    uat.version("claims/uat-only", "0.1.0", "u")
    uat.folder("locked", group="team:locked")
    uat.version("locked/model", "1.0.0", "L")
    dev.version("locked/model", "1.0.0", "L")
    with LiveServer(create_app(uat.ws, [ALICE])) as server:
        yield dev, uat, server.url


def remote(url: str, **options) -> RemoteBackend:
    profile = Profile(name="uat", backend="spark", base_url=f"{url}/uat", tenant="uat", user=ALICE.name,
                      groups=tuple(ALICE.groups), token=ALICE.token)
    return RemoteBackend(profile, **options)


def test_embedded_against_serve(envs: tuple[Tenant, Tenant, str]) -> None:
    dev, uat, url = envs
    source, target = dev.backend(), remote(url)
    try:
        result = compare(source, [target], page_size=2)
        # the same comparison with both sides embedded
        local = compare(source, [uat.backend()])
    finally:
        target.close()
    assert states(result) == {
        "claims/s0": "differs", "claims/s1": "missing_versions", "claims/s2": "extra_versions", "claims/s3": "same",
        "claims/s4": "same", "claims/uat-only": "extra", "locked/model": "not_accessible",
    }
    t = result.targets[0]
    assert versions(row(t, "claims/s0")) == [("1.0.0", "1.0.0", "differs", "fingerprint")]
    assert versions(row(t, "claims/s2")) == [("1.0.0", "1.0.0", "same", "fingerprint"), (None, "1.1.0", "extra", "fingerprint")]
    assert [(f.side, f.folder) for f in t.inaccessible_folders] == [("target", "locked")]
    assert (t.target.profile, t.target.kind) == ("uat", "spark")
    # the same rows as when both sides are embedded
    assert t.services == local.targets[0].services and t.inaccessible_folders == local.targets[0].inaccessible_folders


def test_a_429_is_waited_out_as_the_server_asks(envs: tuple[Tenant, Tenant, str]) -> None:
    dev, _, url = envs
    slept: list[float] = []
    transport = Throttled()
    target = remote(url, transport=transport, retry=RetryPolicy(sleep=slept.append))
    try:
        result = compare(dev.backend(), [target])
    finally:
        target.close()
    assert len(transport.throttled) == 6  # every version listing of uat was throttled once
    assert slept == [2.0] * 6
    assert states(result)["claims/s3"] == "same"
