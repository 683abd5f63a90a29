#!/usr/bin/env bash
# Fail when the git checkout in the current directory holds anything new besides the virtualenv,
# the package's egg-info and __pycache__ directories (run after the tests; used by .ci/run and newcomer.sh).
set -euo pipefail
leftovers="$(git status --ignored --porcelain | grep -vE '^!! (\.venv/|[^ ]+\.egg-info/|([^ ]+/)?__pycache__/)$' || true)"
if [ -n "$leftovers" ]; then
    echo "the checkout $(pwd) changed:" >&2
    echo "$leftovers" >&2
    exit 1
fi
