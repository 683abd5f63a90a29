"""Profiles and settings: `config.toml` (TOML), the built-in `demo` profile, `CSPARK_*` variables.

Secrets come inline, from an environment variable (`*_env`) or from a 0600 file (`*_file`); they
are resolved here, never printed (`mask`), and a config file holding one must itself be 0600.
A bad file raises one ConfigError listing every problem, each naming the file, the key and the fix.
"""

from __future__ import annotations

import getpass
import os
import re
import stat
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, TypeVar
from urllib.parse import urlparse

from spark_tui import paths
from spark_tui.atomic_file import atomic_write
from spark_tui.spark.errors import Code, ConfigError
from spark_tui.spark.uri import InvalidReference, validate_name

T = TypeVar("T")
DEMO_PROFILE = "demo"
ENV_PROFILE = "spark"
SUPERVISOR_GROUP = "supervisor:pf"
BACKENDS = ("embedded", "spark", "runner")
SECRETS = ("token", "api_key", "client_secret")
PROFILE_KEYS = {
    "embedded": {"backend", "workspace", "tenant", "user", "groups"},
    "spark": {"backend", "base_url", "tenant", "user", "groups", "client_id", "token_url", "timeout_s"}
    | {f"{s}{suffix}" for s in SECRETS for suffix in ("", "_env", "_file")},
    "runner": {"backend", "url", "token", "token_env", "token_file"},
}
SERVE_SECRETS = ("token", "api_key", "client_secret")
SERVE_USER_KEYS = {"name", "groups", "tenants", "client_id"} | {f"{s}{suffix}" for s in SERVE_SECRETS for suffix in ("", "_env", "_file")}
TOP_KEYS = {"default_profile", "theme", "profiles", "serve", "keymap"}


def mask(secret: str | None) -> str | None:
    """A secret shown safely: its first 4 characters then `…` (only `…` when it is short)."""
    if secret is None:
        return None
    return f"{secret[:4]}…" if len(secret) > 8 else "…"


def default_user() -> str:
    """`<login>@localhost`: the login from $USER and its kin, else the account the process runs as
    (a cron job or a container has no $USER; its receipts should still name who ran it)."""
    try:
        login = getpass.getuser()
    except (OSError, KeyError):  # no login variable and a uid without a passwd entry
        login = f"uid-{os.getuid()}"
    return f"{login}@localhost"


@dataclass(frozen=True)
class Profile:
    """One backend to talk to, with identity and (already resolved) secrets.

    `backend = "runner"` is a Hybrid Runner: only a promotion target (`base_url` holds its URL,
    `token` its optional bearer token); it has no catalog to browse or export from.
    """

    name: str
    backend: str = "embedded"
    workspace: Path | None = None
    tenant: str = "demo"
    user: str = field(default_factory=default_user)
    groups: tuple[str, ...] = (SUPERVISOR_GROUP,)
    base_url: str | None = None
    token: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    token_url: str | None = None
    timeout_s: float = 60.0  # longest wait for one HTTP request to a Spark tenant (`timeout_s` in the profile)
    problem: str | None = None  # why the profile cannot be used yet (e.g. an unset *_env variable)

    def masked(self) -> dict[str, Any]:
        """Every field for display, secrets masked."""
        shown = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "problem"}
        for key in SECRETS:
            shown[key] = mask(shown[key])
        shown["workspace"] = str(self.workspace) if self.workspace else None
        shown["groups"] = list(self.groups)
        return shown


@dataclass(frozen=True)
class ServeUser:
    """A user `spark-tui serve` accepts: by bearer token, API key, or an access token issued for
    OAuth2 client credentials (client_id + client_secret)."""

    name: str
    groups: tuple[str, ...] = ()
    token: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    problem: str | None = None  # why this user cannot be served (e.g. an unset *_env); only `serve` cares
    tenants: tuple[str, ...] | None = None  # the tenants this user may use; None = every tenant


@dataclass
class AppConfig:
    path: Path
    default_profile: str
    profiles: dict[str, Profile]
    serve_users: list[ServeUser] = field(default_factory=list)
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)  # binding id → keys, e.g. "main.export" = "ctrl+e"

    def profile(self, name: str | None = None) -> Profile:
        """The named (or default) profile; ConfigError naming it and the available ones."""
        key = name or self.default_profile
        found = self.profiles.get(key)
        if found is None:
            from_env = (
                f"; the '{ENV_PROFILE}' profile comes from the environment: set CSPARK_BASE_URL and "
                "CSPARK_BEARER_TOKEN, CSPARK_API_KEY or CSPARK_CLIENT_ID + CSPARK_CLIENT_SECRET"
                if key == ENV_PROFILE else ""
            )
            raise ConfigError(
                f"unknown profile '{key}'; available profiles: {', '.join(sorted(self.profiles))} "
                f"(define more in {self.path}){from_env}",
                code=Code.PROFILE_NOT_FOUND,
            )
        if found.problem:
            raise ConfigError(f"profile '{key}' cannot be used: {found.problem}", code=Code.PROFILE_UNUSABLE)
        return found

    def save_theme(self, name: str) -> None:
        """Write the top-level `theme` key into the config file, keeping everything else (0600)."""
        import json
        import tomllib

        text = self.path.read_text(encoding="utf-8") if self.path.exists() else ""
        lines = text.splitlines()
        assignment = f"theme = {json.dumps(name)}"
        end = next((i for i, line in enumerate(lines) if line.lstrip().startswith("[")), len(lines))
        index = next((i for i in range(end) if re.match(r"\s*theme\s*=", lines[i])), None)
        if index is None:
            lines.insert(0, assignment)
        else:
            lines[index] = assignment
        new_text = "\n".join(lines) + "\n"
        try:
            if tomllib.loads(new_text).get("theme") != name:
                raise ValueError
        except (tomllib.TOMLDecodeError, ValueError):
            raise ConfigError(f"{self.path}: could not set 'theme'; edit the file and set theme = {json.dumps(name)}") from None
        _write_private(self.path, new_text)
        self.theme = name


def load_config(path: Path | None = None) -> AppConfig:
    """Read the config file (default `paths.config_file()`); no file means the built-in profiles."""
    explicit = path is not None
    file = Path(path).expanduser() if explicit else paths.config_file()
    data: dict[str, Any] = {}
    if file.exists():
        data = _read_toml(file)
    elif explicit:
        raise ConfigError(f"config file {file} not found; check the --config path")
    return _parse(file, data)


# --- parsing ----------------------------------------------------------------------------------


def _read_toml(file: Path) -> dict[str, Any]:
    import tomllib  # here: a start without a config file does not compile its parser's expressions (~2 ms)

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {file}: {exc}; check that it is a readable UTF-8 file") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: invalid TOML: {exc}; fix the syntax there") from None


class _Reader:
    """Typed access to one TOML table with errors naming the file and the dotted key."""

    def __init__(self, file: Path, prefix: str, table: Any, allowed: set[str]) -> None:
        self.file, self.prefix = file, prefix
        if not isinstance(table, dict):
            raise self.error("", f"must be a table, e.g. [{prefix}]")
        self.table = table
        if unknown := [key for key in table if key not in allowed]:
            raise self.error(unknown[0], f"unknown key{' (and ' + ', '.join(repr(k) for k in unknown[1:]) + ')' if unknown[1:] else ''}; "
                             f"use one of: {', '.join(sorted(allowed))}")

    def error(self, key: str, problem: str) -> ConfigError:
        dotted = f"{self.prefix}.{key}" if key and self.prefix else key or self.prefix
        return ConfigError(f"{self.file}: '{dotted}' {problem}")

    def str(self, key: str, default: str | None = None) -> str | None:
        value = self.table.get(key, default)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            shown = "a secret" if any(key.startswith(s) for s in SECRETS) else repr(value)
            raise self.error(key, f"must be a non-empty string (got {shown}); write {key} = \"...\"")
        return value

    def seconds(self, key: str, default: float) -> float:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 3600:
            raise self.error(key, f"must be a number of seconds between 0 and 3600 (got {value!r}); write {key} = 15")
        return float(value)

    def groups(self, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.table.get("groups")
        if value is None:
            return default
        if not isinstance(value, list) or not all(isinstance(g, str) and g for g in value):
            raise self.error("groups", f"must be a list of strings (got {value!r}); write groups = [\"supervisor:pf\"]")
        return tuple(value)

    def tenants(self) -> tuple[str, ...] | None:
        """`tenants = [...]`: valid tenant names, or None when the key is absent (every tenant)."""
        value = self.table.get("tenants")
        if value is None:
            return None
        if not isinstance(value, list) or not value or not all(isinstance(t, str) for t in value):
            raise self.error("tenants", f"must be a non-empty list of tenant names (got {value!r}); write tenants = [\"acme\"]")
        for tenant in value:
            try:
                validate_name("tenant", tenant)
            except InvalidReference as exc:
                raise self.error("tenants", f"holds an {exc}") from None
        return tuple(value)

    def secret(self, name: str, base_dir: Path) -> tuple[str | None, str | None]:
        """(value, problem) from `name`, `name_env` or `name_file` (at most one of them)."""
        given = [k for k in (name, f"{name}_env", f"{name}_file") if k in self.table]
        if len(given) > 1:
            raise self.error(given[1], f"conflicts with '{given[0]}'; set only one of {', '.join(given)}")
        if not given:
            return None, None
        key = given[0]
        value = self.str(key)
        assert value is not None
        if key == name:
            return value, None
        if key.endswith("_env"):
            env_value = os.environ.get(value, "").strip()
            if not env_value:
                return None, f"environment variable {value} ({self.prefix}.{key}) is not set; export it"
            return env_value, None
        secret_file = _resolve_path(value, base_dir)
        try:
            mode = secret_file.stat().st_mode
            if os.name != "nt" and mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise ConfigError(
                    f"{self.file}: '{self.prefix}.{key}': secret file {secret_file} is readable by others; "
                    f"run chmod 600 {secret_file}"
                )
            content = secret_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            return None, f"cannot read secret file {secret_file} ({self.prefix}.{key}): {exc.__class__.__name__}"
        if not content:
            return None, f"secret file {secret_file} ({self.prefix}.{key}) is empty"
        return content, None


def _resolve_path(value: str, base_dir: Path) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base_dir / p


def _parse(file: Path, data: dict[str, Any]) -> AppConfig:
    """The config of `data`; every problem of the file in one ConfigError (one line each)."""
    problems = _Problems()
    problems.of(lambda: _Reader(file, "", data, TOP_KEYS))  # unknown top-level keys
    top = _Reader(file, "", {k: v for k, v in data.items() if k in TOP_KEYS}, TOP_KEYS)
    if _holds_inline_secret(data):
        problems.of(lambda: _require_private(file))
    profiles: dict[str, Profile] = {DEMO_PROFILE: Profile(name=DEMO_PROFILE)}
    table = data.get("profiles", {})
    if not isinstance(table, dict):
        problems.add(top.error("profiles", "must be a table of profiles, e.g. [profiles.demo]"))
        table = {}
    for name, spec in table.items():
        if (profile := problems.of(lambda: _profile(file, name, spec))) is not None:
            profiles[name] = profile
    if (env := _env_profile()) is not None:
        profiles[env.name] = env
    default = problems.of(lambda: top.str("default_profile", DEMO_PROFILE)) or DEMO_PROFILE
    if default not in profiles and not any(name == default for name in table):
        problems.add(top.error(
            "default_profile", f"names profile '{default}' which is not defined; use one of: {', '.join(sorted(profiles))}"
        ))
    serve_users = problems.of(lambda: _serve_users(file, data.get("serve", {}), problems)) or []
    theme = problems.of(lambda: top.str("theme"))
    keymap = problems.of(lambda: _keymap(top, data.get("keymap", {}))) or {}
    problems.raise_any()
    return AppConfig(path=file, default_profile=default, profiles=profiles, serve_users=serve_users, theme=theme,
                     keymap=keymap)


class _Problems:
    """The ConfigErrors of a file, collected so that all are reported at once."""

    def __init__(self) -> None:
        self.errors: list[ConfigError] = []

    def add(self, error: ConfigError) -> None:
        self.errors.append(error)

    def of(self, read: Callable[[], T]) -> T | None:
        """`read()`, or None with its ConfigError kept."""
        try:
            return read()
        except ConfigError as exc:
            self.add(exc)
            return None

    def raise_any(self) -> None:
        ConfigError.raise_all(self.errors)


def _keymap(top: _Reader, table: Any) -> dict[str, str]:
    """`[keymap]`: binding id = "key[,key…]" (the ids are listed by F1 Help and in docs/tui.md)."""
    if not isinstance(table, dict):
        raise top.error("keymap", 'must be a table of binding ids to keys, e.g. [keymap] then "main.export" = "ctrl+e"')
    keys = _Reader(top.file, "keymap", table, set(table))
    return {binding_id: keys.str(binding_id) or "" for binding_id in table}


def _holds_inline_secret(data: dict[str, Any]) -> bool:
    tables = list((data.get("profiles") or {}).values()) if isinstance(data.get("profiles"), dict) else []
    serve = data.get("serve")
    if isinstance(serve, dict) and isinstance(serve.get("users"), list):
        tables += serve["users"]
    return any(isinstance(t, dict) and any(k in t for k in SECRETS) for t in tables)


def _require_private(file: Path) -> None:
    if os.name != "nt" and file.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"{file} holds secrets but is readable by others; run chmod 600 {file}")


def _profile(file: Path, name: str, spec: Any) -> Profile:
    prefix = f"profiles.{name}"
    if not isinstance(spec, dict):
        raise ConfigError(f"{file}: '{prefix}' must be a table; write [{prefix}] followed by its keys")
    backend = spec.get("backend", "embedded")
    if backend not in BACKENDS:
        raise ConfigError(f"{file}: '{prefix}.backend' is {backend!r}; use \"embedded\", \"spark\" or \"runner\"")
    r = _Reader(file, prefix, spec, PROFILE_KEYS[backend])
    common = dict(user=r.str("user", default_user()), groups=r.groups((SUPERVISOR_GROUP,)))
    if backend == "embedded":
        ws = r.str("workspace")
        return Profile(
            name=name, backend=backend, workspace=_resolve_path(ws, file.parent) if ws else None,
            tenant=r.str("tenant", "demo"), **common,
        )
    if backend == "runner":
        return _runner_profile(r, name, file)
    base_url = r.str("base_url")
    if base_url is None or urlparse(base_url).scheme not in ("http", "https"):
        raise r.error("base_url", "must be an http(s) URL of the tenant, e.g. \"https://excel.uat.us.coherent.global/acme\"")
    secrets: dict[str, str | None] = {}
    problems = []
    for key in SECRETS:
        secrets[key], problem = r.secret(key, file.parent)
        problems += [problem] if problem else []
    client_id = r.str("client_id")
    if bool(client_id) != any(k.startswith("client_secret") for k in r.table):
        raise r.error("client_id", "and client_secret (or client_secret_env / client_secret_file) go together; set both")
    if not problems and not (secrets["token"] or secrets["api_key"] or client_id):
        problems.append(f"{prefix} has no credentials; set token_env, token, api_key_env or client_id + client_secret_env")
    return _spark_profile(
        name, base_url, tenant=r.str("tenant"), client_id=client_id, token_url=r.str("token_url"),
        timeout_s=r.seconds("timeout_s", Profile.timeout_s), problem="; ".join(problems) or None, **secrets, **common,
    )


def _runner_profile(r: _Reader, name: str, file: Path) -> Profile:
    """A Hybrid Runner target: `url` (http or https) and an optional token (inline, _env or _file)."""
    url = r.str("url")
    if url is None or urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc:
        raise r.error("url", "must be the http(s) URL of the Hybrid Runner, e.g. \"http://localhost:3000\"")
    token, problem = r.secret("token", file.parent)
    return Profile(name=name, backend="runner", base_url=url.rstrip("/"), tenant="", token=token, problem=problem)


def _spark_profile(name: str, base_url: str, *, tenant: str | None, problem: str | None = None, **values: Any) -> Profile:
    """A `spark` profile; the tenant defaults to the last path segment of the base URL."""
    base_url = base_url.rstrip("/")
    tenant = tenant or urlparse(base_url).path.rstrip("/").rpartition("/")[2]
    if not tenant:
        problem = problem or f"base_url {base_url} names no tenant; add the tenant to the URL or set tenant = \"...\""
    return Profile(name=name, backend="spark", base_url=base_url, tenant=tenant or "", problem=problem, **values)


def _env_profile() -> Profile | None:
    """The `spark` profile from the official SDK's `CSPARK_*` variables, when CSPARK_BASE_URL is set."""
    base_url = os.environ.get("CSPARK_BASE_URL", "").strip()
    if not base_url:
        return None
    token = os.environ.get("CSPARK_BEARER_TOKEN", "").strip()
    token = re.sub(r"^bearer\s+", "", token, flags=re.IGNORECASE) or None
    api_key = os.environ.get("CSPARK_API_KEY", "").strip() or None
    client_id = os.environ.get("CSPARK_CLIENT_ID", "").strip() or None
    client_secret = os.environ.get("CSPARK_CLIENT_SECRET", "").strip() or None
    problem = None
    if urlparse(base_url).scheme not in ("http", "https"):
        problem = f"CSPARK_BASE_URL {base_url!r} is not an http(s) URL; set it to e.g. https://excel.uat.us.coherent.global/acme"
    elif bool(client_id) != bool(client_secret):
        problem = "CSPARK_CLIENT_ID and CSPARK_CLIENT_SECRET go together; set both"
    elif not (token or api_key or client_id):
        problem = "CSPARK_BASE_URL is set but no credentials; set CSPARK_BEARER_TOKEN, CSPARK_API_KEY or CSPARK_CLIENT_ID + CSPARK_CLIENT_SECRET"
    return _spark_profile(
        ENV_PROFILE, base_url, tenant=None, problem=problem, token=token, api_key=api_key,
        client_id=client_id, client_secret=client_secret, user=default_user(), groups=(),
    )


def _serve_users(file: Path, serve: Any, problems: _Problems) -> list[ServeUser]:
    r = _Reader(file, "serve", serve, {"users"})
    users = r.table.get("users", [])
    if not isinstance(users, list):
        raise r.error("users", "must be an array of tables: [[serve.users]]")
    found = [problems.of(lambda: _serve_user(file, i, spec)) for i, spec in enumerate(users)]
    return [u for u in found if u is not None]


def _serve_user(file: Path, i: int, spec: Any) -> ServeUser:
    u = _Reader(file, f"serve.users[{i}]", spec, SERVE_USER_KEYS)
    name = u.str("name")
    if name is None:
        raise u.error("name", "is missing; every [[serve.users]] needs name = \"user@example.com\"")
    resolved = {}
    problems = []
    for key in SERVE_SECRETS:
        resolved[key], problem = u.secret(key, file.parent)
        if problem:
            problems.append(f"{file}: serve user '{name}': {problem}")
    client_id = u.str("client_id")
    if bool(client_id) != any(k.startswith("client_secret") for k in u.table):
        raise u.error("client_id", f"and client_secret (or client_secret_env / client_secret_file) go together for serve user '{name}'; set both")
    if problems:  # an unset variable matters to `serve` only, not to the TUI or --batch
        return ServeUser(name=name, groups=u.groups(()), tenants=u.tenants(), problem="; ".join(problems))
    if not (resolved["token"] or resolved["api_key"] or client_id):
        raise u.error("token", f"is missing for serve user '{name}'; set token, token_env, api_key, api_key_env or client_id + client_secret")
    return ServeUser(name=name, groups=u.groups(()), tenants=u.tenants(), client_id=client_id, **resolved)


def _write_private(path: Path, text: str) -> None:
    """Write atomically with mode 0600 (the file may hold secrets)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text, mode=0o600)
