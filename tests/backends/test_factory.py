"""open_backend: --tenant re-aims a Spark profile at another tenant of the same host."""

from __future__ import annotations

from spark_tui.backends.factory import with_tenant
from spark_tui.config import Profile


def test_tenant_override_replaces_the_base_urls_tenant() -> None:
    profile = Profile(name="uat", backend="spark", base_url="https://excel.uat.us.coherent.global/acme", tenant="acme")
    other = with_tenant(profile, "beta")
    assert (other.base_url, other.tenant) == ("https://excel.uat.us.coherent.global/beta", "beta")


def test_tenant_override_appends_when_the_url_has_no_tenant() -> None:
    profile = Profile(name="p", backend="spark", base_url="http://127.0.0.1:8080/", tenant="")
    assert with_tenant(profile, "demo").base_url == "http://127.0.0.1:8080/demo"
