"""Config file, profiles, CSPARK_* variables, secrets (indirection, 0600, masking), theme saving."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest

from spark_tui import paths
from spark_tui.config import AppConfig, Profile, load_config, mask
from spark_tui.spark.errors import ConfigError


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_paths_follow_spark_tui_home(spark_tui_home: Path) -> None:
    assert paths.config_file() == spark_tui_home / "config.toml"
    assert paths.data_dir() == spark_tui_home / "data"
    assert paths.cache_dir() == spark_tui_home / "cache"
    assert paths.default_workspace() == spark_tui_home / "data" / "workspaces" / "default"


def test_paths_use_platformdirs_without_home(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv("SPARK_TUI_HOME")
    assert paths.config_file() == Path(platformdirs.user_config_dir("spark-tui")) / "config.toml"
    assert paths.data_dir() == Path(platformdirs.user_data_dir("spark-tui"))


def test_no_config_gives_the_demo_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "ana")
    config = load_config()
    assert config.default_profile == "demo" and list(config.profiles) == ["demo"]
    demo = config.profile(None)
    assert (demo.backend, demo.tenant, demo.user, demo.groups) == ("embedded", "demo", "ana@localhost", ("supervisor:pf",))
    assert demo.workspace is None  # the factory uses paths.default_workspace()
    assert config.serve_users == [] and config.theme is None


def test_full_config_file(spark_tui_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UAT_TOKEN", "uat-secret-token-123")
    write(spark_tui_home / "config.toml", """
default_profile = "uat"
theme = "nord"

[profiles.local]
backend = "embedded"
workspace = "ws"
tenant = "acme"
user = "me@example.com"
groups = ["ops"]

[profiles.uat]
backend = "spark"
base_url = "https://excel.uat.us.coherent.global/acme/"
token_env = "UAT_TOKEN"

[[serve.users]]
name = "alice@example.com"
groups = ["supervisor:pf"]
token = "alice-token"
api_key = "alice-key"
""")
    config = load_config()
    assert config.default_profile == "uat" and config.theme == "nord"
    local = config.profile("local")
    assert local.workspace == spark_tui_home / "ws"  # relative to the config file
    assert (local.tenant, local.user, local.groups) == ("acme", "me@example.com", ("ops",))
    uat = config.profile(None)
    assert (uat.backend, uat.base_url, uat.tenant, uat.token) == (
        "spark", "https://excel.uat.us.coherent.global/acme", "acme", "uat-secret-token-123")
    assert [(u.name, u.groups, u.token, u.api_key) for u in config.serve_users] == [
        ("alice@example.com", ("supervisor:pf",), "alice-token", "alice-key")]
    assert "demo" in config.profiles  # the built-in profile stays available


def test_unknown_profile_lists_the_available_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown profile 'nope'; available profiles: demo"):
        load_config().profile("nope")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("default_profile = \n", r"invalid TOML: .*line 1"),
        ("colour = 'x'\n", r"'colour' unknown key; use one of: default_profile, keymap, profiles, serve, theme"),
        ("[profiles.a]\nbackend = 'ftp'\n", r"'profiles.a.backend' is 'ftp'; use \"embedded\", \"spark\" or \"runner\""),
        ("[profiles.a]\nbackend = 'runner'\n", r"'profiles.a.url' must be the http\(s\) URL of the Hybrid Runner"),
        ("[profiles.a]\nbackend = 'runner'\nurl = 'localhost:3000'\n", r"'profiles.a.url' must be the http\(s\) URL"),
        ("[profiles.a]\nbackend = 'runner'\nurl = 'http://h'\napi_key = 'k'\n", r"'profiles.a.api_key' unknown key; use one of: backend, token"),
        ("[profiles.a]\nworkspce = 'x'\n", r"'profiles.a.workspce' unknown key; use one of: backend, groups"),
        ("[profiles.a]\ngroups = 'ops'\n", r"'profiles.a.groups' must be a list of strings"),
        ("[profiles.a]\ntenant = 3\n", r"'profiles.a.tenant' must be a non-empty string \(got 3\)"),
        ("[profiles.a]\nbackend = 'spark'\nbase_url = 'excel.com/x'\ntoken_env = 'T'\n", r"'profiles.a.base_url' must be an http\(s\) URL"),
        ("[profiles.a]\nbackend = 'spark'\nbase_url = 'https://h/t'\ntoken = 'x'\ntoken_env = 'T'\n", r"'profiles.a.token_env' conflicts with 'token'"),
        ("[profiles.a]\nbackend = 'spark'\nbase_url = 'https://h/t'\nclient_id = 'c'\n", r"client_secret .* go together"),
        ("default_profile = 'prod'\n", r"'default_profile' names profile 'prod' which is not defined"),
        ("[[serve.users]]\ngroups = []\ntoken = 't'\n", r"'serve.users\[0\].name' is missing"),
        ("[[serve.users]]\nname = 'bob'\n", r"is missing for serve user 'bob'"),
        ("profiles = 3\n", r"'profiles' must be a table"),
    ],
)
def test_bad_config_names_file_key_and_fix(spark_tui_home: Path, text: str, expected: str) -> None:
    file = write(spark_tui_home / "config.toml", text)
    with pytest.raises(ConfigError, match=expected) as info:
        load_config()
    assert str(file) in str(info.value)


def test_secret_values_never_appear_in_errors(spark_tui_home: Path) -> None:
    write(spark_tui_home / "config.toml", "[profiles.a]\nbackend = 'spark'\nbase_url = 'https://h/t'\ntoken = ''\n")
    with pytest.raises(ConfigError, match="got a secret"):
        load_config()


def test_explicit_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=f"config file {tmp_path / 'nope.toml'} not found"):
        load_config(tmp_path / "nope.toml")


def test_config_with_inline_secrets_must_be_0600(spark_tui_home: Path) -> None:
    file = write(spark_tui_home / "config.toml", "[[serve.users]]\nname = 'a'\ntoken = 'alice-token'\n", 0o644)
    with pytest.raises(ConfigError, match=f"run chmod 600 {file}") as info:
        load_config()
    assert "alice-token" not in str(info.value)
    file.chmod(0o600)
    assert load_config().serve_users[0].token == "alice-token"


def test_secret_file_must_be_0600(spark_tui_home: Path) -> None:
    secret = write(spark_tui_home / "token.txt", "file-token-value\n", 0o644)
    write(spark_tui_home / "config.toml", "[profiles.a]\nbackend = 'spark'\nbase_url = 'https://h/t'\ntoken_file = 'token.txt'\n", 0o644)
    with pytest.raises(ConfigError, match=f"chmod 600 {secret}"):
        load_config()
    secret.chmod(0o600)
    assert load_config().profile("a").token == "file-token-value"


def test_runner_profile_secret_rules(spark_tui_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = write(spark_tui_home / "config.toml", "[profiles.hr]\nbackend = 'runner'\nurl = 'http://h:3000/'\ntoken = 'runner-inline-token'\n", 0o644)
    with pytest.raises(ConfigError, match=f"run chmod 600 {file}") as info:
        load_config()
    assert "runner-inline-token" not in str(info.value)
    file.chmod(0o600)
    runner = load_config().profile("hr")
    assert (runner.backend, runner.base_url, runner.token) == ("runner", "http://h:3000", "runner-inline-token")
    assert "runner-inline-token" not in repr(runner) and runner.masked()["token"] == "runn…"
    write(file, "[profiles.hr]\nbackend = 'runner'\nurl = 'https://h'\ntoken_env = 'HR_TOKEN_UNSET'\n")
    monkeypatch.delenv("HR_TOKEN_UNSET", raising=False)
    with pytest.raises(ConfigError, match="profile 'hr' cannot be used: environment variable HR_TOKEN_UNSET"):
        load_config().profile("hr")
    write(file, "[profiles.hr]\nbackend = 'runner'\nurl = 'https://h'\n")
    assert load_config().profile("hr").token is None  # a runner without auth


def test_unset_env_secret_only_blocks_that_profile(spark_tui_home: Path) -> None:
    write(spark_tui_home / "config.toml", "[profiles.uat]\nbackend = 'spark'\nbase_url = 'https://h/acme'\napi_key_env = 'NO_SUCH_VAR'\n")
    config = load_config()
    assert config.profile("demo").backend == "embedded"
    with pytest.raises(ConfigError, match=r"profile 'uat' cannot be used: environment variable NO_SUCH_VAR .* is not set"):
        config.profile("uat")


def test_spark_profile_without_credentials_is_unusable(spark_tui_home: Path) -> None:
    write(spark_tui_home / "config.toml", "[profiles.uat]\nbackend = 'spark'\nbase_url = 'https://h/acme'\n")
    with pytest.raises(ConfigError, match="has no credentials"):
        load_config().profile("uat")


def test_cspark_environment_gives_a_spark_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSPARK_BASE_URL", "https://excel.test.coherent.global/acme")
    monkeypatch.setenv("CSPARK_BEARER_TOKEN", "Bearer eyJhbGciOiJSUzI1NiJ9.payload")
    config = load_config()
    spark = config.profile("spark")
    assert (spark.backend, spark.tenant, spark.token) == ("spark", "acme", "eyJhbGciOiJSUzI1NiJ9.payload")
    assert config.default_profile == "demo"


def test_cspark_oauth_and_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSPARK_BASE_URL", "https://excel.test.coherent.global/acme")
    monkeypatch.setenv("CSPARK_CLIENT_ID", "ci-client")
    with pytest.raises(ConfigError, match="CSPARK_CLIENT_ID and CSPARK_CLIENT_SECRET go together"):
        load_config().profile("spark")
    monkeypatch.setenv("CSPARK_CLIENT_SECRET", "ci-secret-value")
    monkeypatch.setenv("CSPARK_API_KEY", "key-1234567890")
    spark = load_config().profile("spark")
    assert (spark.client_id, spark.client_secret, spark.api_key) == ("ci-client", "ci-secret-value", "key-1234567890")


def test_secrets_are_masked_in_display_and_repr() -> None:
    profile = Profile(name="p", backend="spark", base_url="https://h/t", token="supersecrettoken", api_key="short",
                      client_secret="client-secret-xyz")
    shown = profile.masked()
    assert (shown["token"], shown["api_key"], shown["client_secret"]) == ("supe…", "…", "clie…")
    for secret in ("supersecrettoken", "short", "client-secret-xyz"):
        assert secret not in repr(profile) and secret not in str(shown)
    assert mask(None) is None


def test_save_theme_creates_a_private_file(spark_tui_home: Path) -> None:
    config = load_config()
    config.save_theme("gruvbox")
    file = spark_tui_home / "config.toml"
    assert tomllib.loads(file.read_text())["theme"] == "gruvbox"
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert load_config().theme == "gruvbox" and config.theme == "gruvbox"


def test_save_theme_keeps_other_content(spark_tui_home: Path) -> None:
    original = '# my settings\ntheme = "nord"\ndefault_profile = "local"\n\n[profiles.local]\ntenant = "acme"  # keep\n'
    file = write(spark_tui_home / "config.toml", original, 0o644)
    load_config().save_theme('sol"arized')
    text = file.read_text()
    assert text == original.replace('theme = "nord"', 'theme = "sol\\"arized"')
    assert load_config().theme == 'sol"arized'
    assert stat.S_IMODE(file.stat().st_mode) == 0o600


def test_save_theme_inserts_before_tables(spark_tui_home: Path) -> None:
    write(spark_tui_home / "config.toml", "[profiles.local]\ntenant = 'acme'\n")
    config = load_config()
    config.save_theme("nord")
    reloaded = load_config()
    assert reloaded.theme == "nord" and reloaded.profile("local").tenant == "acme"
    assert not list(spark_tui_home.glob(".config-*"))  # no temp file left


def test_appconfig_profile_uses_the_default() -> None:
    config = AppConfig(path=Path("x.toml"), default_profile="b", profiles={"b": Profile(name="b")})
    assert config.profile().name == "b"
    assert os.fspath(config.path) == "x.toml"


def test_serve_user_with_unset_secret_fails_only_serve(spark_tui_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unset *_env of a serve user must not break the TUI or --batch, only `serve`."""
    from spark_tui.cli import main

    monkeypatch.delenv("BOB_TOKEN", raising=False)
    write(spark_tui_home / "config.toml", "[[serve.users]]\nname = 'bob'\ntoken_env = 'BOB_TOKEN'\n")
    config = load_config()
    assert config.profile("demo").name == "demo"
    assert config.serve_users[0].problem and "BOB_TOKEN" in config.serve_users[0].problem
    assert main(["--batch", "--list-folders"]) == 0
    assert main(["serve", "--port", "1"]) == 2


def test_every_problem_of_the_file_is_reported_at_once(spark_tui_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = spark_tui_home / "config.toml"
    file.write_text(
        'colour = "red"\nshade = 1\ndefault_profile = "nope"\n'
        "[profiles.a]\nbackend = 'ftp'\n"
        "[profiles.b]\nwat = 1\n"
        "[profiles.good]\ntenant = 'acme'\n"
        '[[serve.users]]\nname = "x"\n'
        '[[serve.users]]\ngroups = ["g"]\n'
    )
    with pytest.raises(ConfigError) as info:
        load_config()
    assert [e.message for e in info.value.errors] == [
        f"{file}: 'colour' unknown key (and 'shade'); use one of: default_profile, keymap, profiles, serve, theme",
        f"{file}: 'profiles.a.backend' is 'ftp'; use \"embedded\", \"spark\" or \"runner\"",
        f"{file}: 'profiles.b.wat' unknown key; use one of: backend, groups, tenant, user, workspace",
        f"{file}: 'default_profile' names profile 'nope' which is not defined; use one of: demo, good",
        f"{file}: 'serve.users[0].token' is missing for serve user 'x'; set token, token_env, api_key, api_key_env or client_id + client_secret",
        f"{file}: 'serve.users[1].name' is missing; every [[serve.users]] needs name = \"user@example.com\"",
    ]
    assert info.value.exit_code == 2 and info.value.message.endswith("(and 5 more problem(s))")
    from spark_tui.cli import main

    assert main(["--batch", "--jobs"]) == 2
    assert capsys.readouterr().err.splitlines() == [f"error: BAD_CONFIG: {e.message}" for e in info.value.errors]


def test_a_broken_default_profile_is_reported_once(spark_tui_home: Path) -> None:
    (spark_tui_home / "config.toml").write_text('default_profile = "a"\n[profiles.a]\nbackend = "ftp"\n')
    with pytest.raises(ConfigError) as info:
        load_config()
    assert info.value.errors == [] and "'profiles.a.backend' is 'ftp'" in info.value.message


def test_the_default_user_names_the_account_when_no_login_variable_is_set(monkeypatch):
    """Cron jobs and containers have no $USER: the receipt still names who ran it, not a placeholder."""
    import pwd

    from spark_tui.config import default_user

    for var in ("USER", "USERNAME", "LOGNAME", "LNAME"):
        monkeypatch.delenv(var, raising=False)
    assert default_user() == f"{pwd.getpwuid(os.getuid()).pw_name}@localhost"
    monkeypatch.setenv("USER", "alice")
    assert default_user() == "alice@localhost"
