"""`--batch --show-config`: the config file, profile, backend, workspace, tenant and identity a command
would use, where each came from, secrets masked."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from spark_tui.cli import main


def show(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--batch", "--show-config", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_built_in_defaults_without_a_config_file(spark_tui_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = show(["--json"], capsys)
    assert code == 0
    shown = json.loads(out)
    assert shown == {
        "config_file": str(spark_tui_home / "config.toml"), "config_file_exists": False,
        "config_file_from": "SPARK_TUI_HOME", "profile": "demo", "profile_from": "built-in default",
        "profile_defined_in": "built-in", "backend": "embedded",
        "workspace": str(spark_tui_home / "data" / "workspaces" / "default"), "workspace_exists": False,
        "base_url": None, "tenant": "demo", "secrets": {}, "problem": None,
        "identity": {"user": shown["identity"]["user"], "groups": ["supervisor:pf"], "source": "profile", "error": None},
    }
    assert shown["identity"]["user"].endswith("@localhost")
    assert not (spark_tui_home / "data").exists()  # showing the config creates no workspace


def test_config_file_profile_and_overrides_are_named_with_their_origin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        'default_profile = "dev"\n'
        f'[profiles.dev]\nworkspace = "{tmp_path / "dev-ws"}"\ntenant = "acme"\nuser = "dev@example.com"\n'
        f'[profiles.uat]\nworkspace = "{tmp_path / "uat-ws"}"\ntenant = "acme"\n'
    )
    (tmp_path / "uat-ws").mkdir()
    code, out, _ = show(["--config", str(config)], capsys)
    assert code == 0
    lines = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in out.splitlines())
    assert lines["config file"] == f"{config} (exists; from --config)"
    assert lines["profile"] == "dev (chosen by default_profile; defined in config file)"
    assert lines["workspace"] == f"{tmp_path / 'dev-ws'} (not created yet)"
    assert lines["tenant"] == "acme"
    assert lines["identity"] == "dev@example.com, groups supervisor:pf (from profile)"
    code, out, _ = show(["--config", str(config), "--profile", "uat", "--tenant", "beta", "--json"], capsys)
    shown = json.loads(out)
    assert (shown["profile"], shown["profile_from"], shown["workspace"], shown["workspace_exists"], shown["tenant"]) == (
        "uat", "--profile", str(tmp_path / "uat-ws"), True, "beta")


def test_secrets_are_masked_and_an_unreachable_backend_is_said(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CSPARK_BASE_URL", "http://127.0.0.1:9/acme")  # port 9 (discard): connection refused
    monkeypatch.setenv("CSPARK_API_KEY", "secret-api-key-value")
    code, out, err = show(["--profile", "spark"], capsys)
    assert code == 0 and err == ""
    assert "secret-api-key-value" not in out
    assert "api_key      secr… (masked)" in out
    assert "profile      spark (chosen by --profile; defined in environment (CSPARK_*))" in out
    assert "base URL     http://127.0.0.1:9/acme" in out
    assert "identity     could not be reached: cannot reach Spark at http://127.0.0.1:9/acme" in out


def test_an_unusable_profile_is_shown_with_why_exit_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CSPARK_BASE_URL", "https://excel.test.coherent.global/acme")
    code, out, _ = show(["--profile", "spark"], capsys)
    assert code == 2
    assert "problem      this profile cannot be used: CSPARK_BASE_URL is set but no credentials" in out


def test_an_unknown_profile_is_the_usual_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = show(["--profile", "nope"], capsys)
    assert code == 2 and "unknown profile 'nope'; available profiles: demo" in err


def test_show_config_takes_no_export_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--batch", "--show-config", "--folder", "a"]) == 2
    assert "--folder cannot be combined with --show-config" in capsys.readouterr().err
