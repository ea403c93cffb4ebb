#!/usr/bin/env bash
# The whole test suite: set up .venv, then ruff, mypy and pytest. Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup_studio.sh
.venv/bin/ruff check coder scripts tests
.venv/bin/ruff format --check coder scripts tests
.venv/bin/mypy
set +e
.venv/bin/pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit "$rc"
