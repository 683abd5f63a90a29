"""RemoteBackend.search_services over a live `spark-tui serve`: v1 `search` name filters, honoured by serve."""

from __future__ import annotations

import httpx
from serve_live import ALICE, BOB, SECRET_FOLDER, TENANT, Served

from spark_tui.backends.remote.retry import RetryPolicy
from spark_tui.backends.remote import RemoteBackend

FAST = RetryPolicy(attempts=2, base_s=0.001, cap_s=0.002)


def test_search_finds_services_in_every_folder_the_caller_may_open(served: Served) -> None:
    alice = RemoteBackend(served.profile(ALICE), retry=FAST)
    page = alice.search_services("SERVICE-0001")
    assert [(s.folder, s.name) for s in page.items] == [("synth-0000", "service-0001"), ("synth-0001", "service-0001")]
    assert alice.search_services("nothing-like-it").total == 0
    bob = RemoteBackend(served.profile(BOB), retry=FAST)
    assert SECRET_FOLDER not in {s.folder for s in bob.search_services("").items}
    alice.close()
    bob.close()


def test_serve_honours_v1_name_filters(served: Served) -> None:
    headers = {"Authorization": f"Bearer {ALICE.token}", "x-tenant-name": TENANT}
    body = {"page": 1, "pageSize": 10, "search": [{"field": "name", "value": "0001"}]}
    folders = httpx.post(f"{served.url}/api/v1/product/list", json=body, headers=headers).json()
    assert [f["name"] for f in folders["data"]] == ["synth-0001"] and folders["count"] == 1
    engines = httpx.post(f"{served.url}/api/v1/product/synth-0000/engines", json=body, headers=headers).json()
    assert [e["serviceName"] for e in engines["data"]] == ["service-0001"]
