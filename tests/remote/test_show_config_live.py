"""`--show-config` asks the backend who the caller is: against `serve`, the user its token belongs to."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from serve_live import ALICE, TENANT, Served

from spark_tui.cli import main


def test_identity_is_the_one_the_server_answers(served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ALICE_TOKEN", ALICE.token or "")
    config = tmp_path / "c.toml"
    config.write_text(f'[profiles.served]\nbackend = "spark"\nbase_url = "{served.url}/{TENANT}"\ntoken_env = "ALICE_TOKEN"\n')
    assert main(["--config", str(config), "--batch", "--show-config", "--profile", "served", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["identity"] == {"user": ALICE.name, "groups": list(ALICE.groups), "source": "server", "error": None}
    assert shown["secrets"] == {"token": "alic…"} and shown["base_url"] == f"{served.url}/{TENANT}"
