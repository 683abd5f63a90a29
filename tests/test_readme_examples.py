"""Every ```sh block of the README and of docs/*.md runs as pasted: in an empty directory, on a fresh demo workspace.

Each block runs as one bash script (so `job=$(…)` carries over to the next line) in a new
temporary directory with its own SPARK_TUI_HOME; a block must create what it uses. Each command
must exit 0, or with a code its trailing comment names (`# … exit 2`, `# exit 0, or 2 when …`).
A block is not run when the line before its opening fence is an HTML comment
`<!-- manual: REASON -->` (invisible on the rendered page), for the few blocks that need a real
tenant, a server that runs until Ctrl-C, or install into the reader's environment.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MANUAL = re.compile(r"^<!--\s*manual:\s*\S.*-->$")
EXIT = re.compile(r"\bexit (\d+(?:(?:\s*,\s*|\s+)or\s+\d+)*)")
BLOCK_TIMEOUT_S = 300


@dataclass(frozen=True)
class Command:
    page: str  # README.md or docs/….md
    line: int  # 1-based line of the page where the command starts
    text: str
    codes: tuple[int, ...]


def split_comment(line: str) -> tuple[str, str]:
    """(command, comment): a `#` that starts a word outside quotes starts the comment, as in sh."""
    quote, escaped = None, False
    for i, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1:].strip()
    return line.rstrip(), ""


def sh_blocks(text: str, page: str = "README.md") -> list[tuple[int, list[str]]]:
    """(line of the opening fence, lines) of every ```sh block not marked manual by the line before it."""
    blocks, current, start, manual, previous = [], None, 0, False, ""
    for number, line in enumerate(text.splitlines(), 1):
        if current is None and line.strip() == "```sh":
            current, start, manual = [], number, bool(MANUAL.match(previous.strip()))
        elif current is not None and line.strip() == "```":
            if not manual:
                blocks.append((start, current))
            current = None
        elif current is not None:
            current.append(line)
        previous = line
    assert current is None, f"{page}: the ```sh block opened on line {start} is never closed"
    return blocks


HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")


def commands(start: int, lines: list[str], page: str = "README.md") -> list[Command]:
    """The commands of a block (continuation lines joined, a here-document kept whole with the command
    that opens it), with the exit codes their comments allow."""
    found: list[Command] = []
    pending, first = "", 0
    heredoc: str | None = None  # the terminator of the here-document being read
    for offset, raw in enumerate(lines, start + 1):
        if heredoc is not None:
            found[-1] = Command(page, found[-1].line, found[-1].text + "\n" + raw, found[-1].codes)
            heredoc = None if raw.strip() == heredoc else heredoc
            continue
        command, comment = split_comment(raw)
        if not pending:
            first = offset
        if command.endswith("\\"):
            pending += command[:-1].strip() + " "
            continue
        command, pending = pending + command.strip(), ""
        if command:
            codes = EXIT.search(comment)
            found.append(Command(page, first, command, tuple(int(c) for c in re.findall(r"\d+", codes.group(1))) if codes else (0,)))
            if (opened := HEREDOC.search(command)) is not None:
                heredoc = opened.group(2)
    assert heredoc is None, f"{page}: the here-document of line {found[-1].line} is never closed"
    return found


def script(block: list[Command]) -> str:
    """Bash that runs each command and stops at the first unexpected exit code, naming its line."""
    lines = ["set -o pipefail"]
    for c in block:
        expected = " ".join(map(str, c.codes))
        lines += [
            c.text,
            f'rc=$?; case " {expected} " in *" $rc "*) ;; *) '
            f'echo "{c.page} line {c.line}: exit $rc, expected {expected.replace(" ", " or ")}" >&2; exit 99;; esac',
        ]
    return "\n".join(lines) + "\n"


def _page_name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


RUNNABLE = [
    (f"{_page_name(path)}:{start}", cmds)
    for path in PAGES
    for start, lines in sh_blocks(path.read_text(encoding="utf-8"), _page_name(path))
    if (cmds := commands(start, lines, _page_name(path)))
]


def test_the_readme_has_runnable_examples() -> None:
    assert any(name.startswith("README.md:") for name, _ in RUNNABLE), "README.md has no runnable ```sh block"


def test_no_test_marker_shows_in_a_page() -> None:
    """Markers for this test are HTML comments, never shell comments that a reader would see."""
    for path in PAGES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert "# manual:" not in line, f"{_page_name(path)} line {number}: use <!-- manual: REASON --> before the block"


@pytest.mark.parametrize("block", [cmds for _, cmds in RUNNABLE], ids=[name for name, _ in RUNNABLE])
def test_readme_block_runs_as_pasted(block: list[Command], tmp_path: Path) -> None:
    cwd = tmp_path / "empty"
    cwd.mkdir()
    bin_dir = str(Path(sys.executable).parent)  # this environment's `spark-tui` and `python3`
    env = {**os.environ, "SPARK_TUI_HOME": str(tmp_path / "home"), "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    result = subprocess.run(["bash", "-c", script(block)], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=BLOCK_TIMEOUT_S)
    assert result.returncode == 0, f"{result.stderr[-4000:]}\n--- stdout ---\n{result.stdout[-2000:]}"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("spark-tui --batch --jobs", ("spark-tui --batch --jobs", "")),
        ("spark-tui --batch --cancel \"$job\"   # exit 0, or 2 when it ended", ('spark-tui --batch --cancel "$job"', "exit 0, or 2 when it ended")),
        ("python3 -c 'a # b' \"c # d\" # note", ("python3 -c 'a # b' \"c # d\"", "note")),
        ("echo a#b \\# \"x\\\" # y\"", ("echo a#b \\# \"x\\\" # y\"", "")),
    ],
)
def test_split_comment_follows_shell_quoting(line: str, expected: tuple[str, str]) -> None:
    assert split_comment(line) == expected


def test_commands_join_continuations_and_read_exit_codes() -> None:
    block = [
        "mkdir -p out",
        "spark-tui --batch --folder x \\",
        "          -o out          # exit 2",
        "spark-tui --batch --cancel J   # exit 0, or 2 when the job has already ended",
    ]
    assert commands(10, block) == [
        Command("README.md", 11, "mkdir -p out", (0,)),
        Command("README.md", 12, "spark-tui --batch --folder x -o out", (2,)),
        Command("README.md", 14, "spark-tui --batch --cancel J", (0, 2)),
    ]


def test_a_here_document_stays_with_its_command(tmp_path: Path) -> None:
    block = ["cat > f.toml <<'EOF'", "[a]", "b = 1  # a TOML comment", "EOF", "grep -q 'b = 1' f.toml"]
    found = commands(3, block)
    assert [c.text for c in found] == ["cat > f.toml <<'EOF'\n[a]\nb = 1  # a TOML comment\nEOF", "grep -q 'b = 1' f.toml"]
    result = subprocess.run(["bash", "-c", script(found)], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "f.toml").read_text() == "[a]\nb = 1  # a TOML comment\n"


def test_a_block_after_a_manual_comment_is_not_run() -> None:
    text = "\n".join(["<!-- manual: needs a Spark tenant -->", "```sh", "spark-tui --batch --profile spark --jobs", "```",
                      "", "```sh", "true", "```"])
    assert sh_blocks(text) == [(6, ["true"])]


def test_script_stops_at_the_first_unexpected_exit_code(tmp_path: Path) -> None:
    block = [Command("README.md", 3, "true", (0,)), Command("README.md", 4, "exit_two() { return 2; }; exit_two", (2,)),
             Command("README.md", 5, "false", (0,)), Command("README.md", 6, "touch never-reached", (0,))]
    result = subprocess.run(["bash", "-c", script(block)], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert result.returncode == 99 and "README.md line 5: exit 1, expected 0" in result.stderr
    assert not (tmp_path / "never-reached").exists()
