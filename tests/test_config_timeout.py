"""`timeout_s` of a spark profile: the longest wait for one request, passed to the remote backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from spark_tui.backends.factory import open_backend
from spark_tui.config import load_config
from spark_tui.spark.errors import ConfigError

PROFILE = "[profiles.uat]\nbackend = 'spark'\nbase_url = 'https://h.example/acme'\ntoken_env = 'UAT_TOKEN'\n"


def write(home: Path, extra: str) -> None:
    path = home / "config.toml"
    path.write_text(PROFILE + extra, encoding="utf-8")
    path.chmod(0o600)


def test_timeout_is_read_and_used_by_the_remote_backend(spark_tui_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UAT_TOKEN", "t0ken")
    write(spark_tui_home, "timeout_s = 7.5\n")
    profile = load_config().profile("uat")
    assert profile.timeout_s == 7.5
    backend = open_backend(profile)
    assert backend.http.client.timeout.read == 7.5
    backend.close()


@pytest.mark.parametrize("value", ["0", "-3", "'fast'", "true", "99999"])
def test_a_bad_timeout_names_the_key_and_the_fix(spark_tui_home: Path, value: str) -> None:
    write(spark_tui_home, f"timeout_s = {value}\n")
    with pytest.raises(ConfigError, match=r"'profiles\.uat\.timeout_s' must be a number of seconds .* timeout_s = 15"):
        load_config()
