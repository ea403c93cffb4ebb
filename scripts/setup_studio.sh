#!/usr/bin/env bash
# Install what `coder studio` and its tests need, idempotently (a re-run does nothing):
#   - label-studio 1.23.2 in its own venv, .venv-labelstudio (it pins Django, pandas, numpy);
#   - Debian's chromium for the browser test (Playwright drives it; never `playwright install`).
# Run after scripts/setup.sh. Usage: bash scripts/setup_studio.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
LS_VERSION=1.23.2
venv=.venv-labelstudio
have() {
  "$venv/bin/python" - "$LS_VERSION" 2>/dev/null <<'PYEOF'
import importlib.metadata as m
import sys

sys.exit(m.version("label-studio") != sys.argv[1])
PYEOF
}
if ! have; then
  [ -x "$venv/bin/python" ] || "$PY" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet "label-studio==$LS_VERSION"
  echo "label-studio $LS_VERSION installed in $venv"
fi
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Debian's chromium is missing; install it as root: apt-get install -y chromium" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q chromium
  echo "chromium installed"
fi
if [ -x .venv/bin/python ] && ! .venv/bin/python -c "import playwright" 2>/dev/null; then
  echo "Playwright's Python package is missing from .venv: run bash scripts/setup.sh" >&2
  exit 1
fi
