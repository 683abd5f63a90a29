#!/usr/bin/env bash
# A newcomer's path, in a temporary directory: a fresh clone of this repository (its committed HEAD),
# a fresh virtualenv, the README's install commands, every README example (tests/test_readme_examples.py),
# then `git status --ignored` in the clone must show nothing but the virtualenv and caches.
# Run by .ci/run after the test suite; about a minute or two (mostly pip).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/spark-tui-newcomer.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export SPARK_TUI_HOME="$work/home"  # the newcomer's user data stays in the temporary directory

git clone --quiet "$repo" "$work/spark-tui"
cd "$work/spark-tui"
python3 -m venv .venv
. .venv/bin/activate
python -m pip install --quiet --upgrade pip

# README "Install and run", command 1 (its TUI is interactive: --version proves the entry point),
# then command 2's install
pip install --quiet -e . && spark-tui --version
pip install --quiet -e '.[test]'
spark-tui --help >/dev/null && spark-tui --batch --help >/dev/null

# every sh block of the README, as pasted, each in an empty directory on a fresh demo workspace
pytest -q tests/test_readme_examples.py

# nothing left behind in the checkout but the virtualenv and caches
bash tests/check_clean_checkout.sh
echo "newcomer path OK: clone, install, README examples, clean checkout"
