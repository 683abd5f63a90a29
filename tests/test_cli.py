"""The command line: parsing, one-line usage errors (exit 2), dispatch to the TUI, serve and --batch."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

from spark_tui import __version__
from spark_tui.cli import main
from spark_tui.spark.exit_codes import ExitCode


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"spark-tui {__version__}"


BATCH_FLAGS = (
    "--json", "--folder", "--service", "--version-id", "--file-filter", "--version-filter", "--source-system",
    "--correlation-id", "--file-name", "--output-dir", "--deadline", "--dry-run", "--no-wait", "--status", "--cancel",
    "--jobs", "--list-folders", "--list-services", "--list-versions", "--import-package", "--if-present",
    "--map", "--upgrade", "--import-status", "--imports", "--create-folder", "--load-package", "--inspect",
    "--promote-to", "--mapping-file", "--create-folders", "--plan", "--push-runner",
)
README = Path(__file__).resolve().parents[1] / "README.md"


def help_of(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


def flag_help(out: str, flag: str) -> str:
    """The help text of `flag`: after two spaces on its line, and on the deeper-indented lines under it."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"\s+(-\w [A-Z]+, )?{flag}\b", line))
    text = re.split(r"\s{2,}", lines[start].strip(), maxsplit=1)[1:]
    for line in lines[start + 1:]:
        if not line.startswith(" " * 8) or line.lstrip().startswith("-"):
            break
        text.append(line.strip())
    return " ".join(text)


def test_help_is_an_overview_that_points_to_the_batch_and_serve_help(capsys: pytest.CaptureFixture[str]) -> None:
    out = help_of(["--help"], capsys)
    for flag in ("--profile", "--config", "--workspace", "--tenant", "--batch", "serve"):
        assert flag in out, flag
    assert "import" in out and "promote" in out
    assert not [flag for flag in BATCH_FLAGS if flag in out]
    assert "spark-tui --batch --help" in out and "spark-tui serve --help" in out


def test_batch_help_groups_every_batch_option_with_help_and_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    out = help_of(["--batch", "--help"], capsys)
    assert out != help_of(["--help"], capsys)
    assert out.startswith("usage: spark-tui --batch")
    for group in ("profile and backend:", "export (--batch; the default operation):", "other operations (--batch; one at a time):",
                  "import (--batch --import-package FILE;", "promotion (--batch;"):
        assert group in out
    for flag in ("--profile", "--config", "--workspace", "--tenant", *BATCH_FLAGS):
        assert flag in out and flag_help(out, flag), f"{flag} has no help"
    assert "exit codes:" in out and "130  interrupted (Ctrl-C)" in out


def test_serve_options_have_help(capsys: pytest.CaptureFixture[str]) -> None:
    out = help_of(["serve", "--help"], capsys)
    for flag in ("--host", "--port", "--workspace", "--profile", "--config", "--access-log"):
        assert flag_help(out, flag), f"serve {flag} has no help"


def test_serve_help_says_what_it_serves_and_where_the_users_format_is(capsys: pytest.CaptureFixture[str]) -> None:
    out = help_of(["serve", "--help"], capsys)
    for what in ("export", "import", "folders", "browse", "whoami", "/openapi.json", "[[serve.users]]", "docs/serve.md"):
        assert what in out, what
    assert (Path(__file__).resolve().parents[1] / "docs" / "serve.md").is_file()


def readme_exit_codes() -> list[tuple[int, str]]:
    """The rows of the README's exit-code table, without Markdown's backticks."""
    rows = re.findall(r"^\| *(\d+) *\| *(.+?) *\|$", README.read_text(encoding="utf-8"), re.MULTILINE)
    return [(int(code), meaning.replace("`", "")) for code, meaning in rows]


def test_the_readme_exit_code_table_is_the_exit_code_enum() -> None:
    assert readme_exit_codes() == [(code.value, code.meaning) for code in ExitCode]


def test_the_batch_help_legend_is_generated_from_the_exit_code_enum(capsys: pytest.CaptureFixture[str]) -> None:
    legend = help_of(["--batch", "--help"], capsys).split("exit codes:\n", 1)[1]
    assert " ".join(legend.split()) == " ".join(f"{code.value} {code.meaning}" for code in ExitCode)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--batch", "--file-filter", "zip"], "argument --file-filter: invalid choice: 'zip'"),
        (["--batch", "--version-filter", "newest", "--folder", "a"], "invalid choice: 'newest'"),
        (["--batch", "--if-present", "skip"], "invalid choice: 'skip'"),
        (["--bogus"], "unknown option --bogus (see spark-tui --help)"),
        (["--folder", "x"], "--folder needs --batch"),
        (["--json"], "--json needs --batch"),
        (["--jobs"], "--jobs needs --batch"),
        (["--batch", "--jobs", "--folder", "x"], "--folder cannot be combined with --jobs"),
        (["--batch", "--status", "j", "-o", "d"], "-o/--output-dir cannot be combined with --status"),
        (["--batch", "--jobs", "--list-folders"], "argument --list-folders: not allowed with argument --jobs"),
        (["--batch", "--folder", "a", "--dry-run", "--no-wait"], "argument --no-wait: not allowed with argument --dry-run"),
        (["--batch", "--folder", "a", "--if-present", "replace"], "--if-present goes with --import-package or --load-package"),
        (["--batch", "--folder", "a", "--map", "a/b=c/d"], "--map goes with --import-package"),
        (["--batch", "--load-package", "p.zip", "--upgrade", "major"], "--upgrade goes with --import-package"),
        (["--batch", "--import-package", "p.zip", "--folder", "a"], "--folder cannot be combined with --import-package"),
        (["--batch", "--imports", "--no-wait"], "--no-wait cannot be combined with --imports"),
        (["--batch", "--folder", "a", "--deadline", "-3"], "'-3' is not a positive number of seconds"),
        (["serve", "--port", "99999"], "'99999' is not a TCP port"),
        (["--batch", "serve"], "serve does not take --batch"),
        (["nonsense"], "invalid choice: 'nonsense'"),
    ],
)
def test_usage_errors_are_one_line_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = one_line_error(capsys)
    assert err.startswith("spark-tui") and ": error: " in err and message in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--batch", "--fodler", "claims"], "unknown option --fodler; did you mean --folder? (see spark-tui --batch --help)"),
        (["--batch", "--fold", "claims"], "unknown option --fold; did you mean --folder?"),
        (["--batch", "--folder", "a", "--dry", "--json"], "unknown option --dry; did you mean --dry-run?"),
        (["--batch", "--jobs", "--jsn=1"], "unknown option --jsn; did you mean --json?"),
        (["--fodler", "claims"], "unknown option --fodler; did you mean --folder? (see spark-tui --batch --help)"),
        (["--profle", "x"], "unknown option --profle; did you mean --profile? (see spark-tui --help)"),
        (["serve", "--prot", "9000"], "spark-tui serve: error: unknown option --prot; did you mean --port? (see spark-tui serve --help)"),
        (["serve", "--po", "9000"], "unknown option --po"),
        (["--batch", "claims"], "unexpected argument 'claims'; batch options start with -- (see spark-tui --batch --help)"),
        (["--batch", "--status"], "argument --status: expected one argument (see spark-tui --batch --help)"),
        (["--folder", "x"], "--folder needs --batch (see spark-tui --batch --help)"),
    ],
)
def test_typos_are_named_with_the_closest_option_and_no_prefix_is_taken(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = one_line_error(capsys)
    assert message in err and "invalid choice" not in err


def test_values_that_look_like_options_or_subcommands_are_left_to_their_option(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--folder serve` is a folder called serve; `-oDIR` is -o with its value; `--deadline -3` a bad number."""
    monkeypatch.setenv("SPARK_TUI_HOME", "/nonexistent-spark-tui-home")
    assert main(["--batch", "--folder", "serve", "--json", "-o/nonexistent-dir", "--deadline", "-3"]) == 2
    assert "'-3' is not a positive number of seconds" in one_line_error(capsys)


def test_batch_without_anything_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--batch"]) == 2
    assert "nothing to export; give --folder, --service or --version-id" in one_line_error(capsys)


def test_unknown_profile_lists_the_available_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--batch", "--profile", "prod", "--jobs"]) == 2
    assert "unknown profile 'prod'; available profiles: demo" in one_line_error(capsys)


def test_bad_config_file_is_exit_2_without_traceback(spark_tui_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (spark_tui_home / "config.toml").write_text("[profiles.a]\nbackend = 'ftp'\n")
    assert main(["--batch", "--jobs"]) == 2
    err = one_line_error(capsys)
    assert str(spark_tui_home / "config.toml") in err and "profiles.a.backend" in err


def test_missing_config_flag_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(tmp_path / "x.toml"), "--batch", "--jobs"]) == 2
    assert f"config file {tmp_path / 'x.toml'} not found" in one_line_error(capsys)


def test_workspace_flag_with_a_spark_profile(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CSPARK_BASE_URL", "https://excel.test.coherent.global/acme")
    monkeypatch.setenv("CSPARK_API_KEY", "some-api-key-value")
    assert main(["--batch", "--profile", "spark", "--workspace", "/tmp/x", "--jobs"]) == 2
    assert "workspace /tmp/x applies to embedded profiles only" in one_line_error(capsys)


def test_default_runs_the_tui_with_profile_and_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls = []
    fake = types.ModuleType("spark_tui.tui")
    fake.run = lambda config, profile, *, workspace=None, tenant=None: calls.append((profile.name, workspace, tenant)) or 7  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "spark_tui.tui", fake)
    assert main(["--workspace", str(tmp_path), "--tenant", "acme"]) == 7
    assert calls == [("demo", tmp_path, "acme")]


def test_serve_dispatches_with_host_port_and_global_flags(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls = []
    fake = types.ModuleType("spark_tui.server")
    fake.serve = lambda config, profile, *, host, port, workspace=None, access_log, client_proxy, public: calls.append(  # type: ignore[attr-defined]
        (profile.name, host, port, workspace, access_log, client_proxy, public)) or 0
    monkeypatch.setitem(sys.modules, "spark_tui.server", fake)
    assert main(["serve", "--port", "9000", "--workspace", str(tmp_path), "--profile", "demo"]) == 0
    assert main(["--workspace", str(tmp_path), "serve", "--host", "0.0.0.0", "--access-log", "--client-proxy", "8443",
                 "--public-url", "https://spark.example.com"]) == 0
    assert calls == [("demo", "127.0.0.1", 9000, tmp_path, False, None, None),
                     ("demo", "0.0.0.0", 8080, tmp_path, True, 8443, "https://spark.example.com")]
