#!/usr/bin/env bash
# Run scripts/bench_agreement.py with irrCAC timed in the same run.
# irrCAC 0.4.4 pins pandas<3 and scipy 1.12, which clash with coder's own environment, so the
# benchmark runs in a small venv of its own (.venv-irrcac: numpy, pandas 2, irrCAC, krippendorff)
# with coder's source on PYTHONPATH (coder.agreement needs numpy only).
# Usage: bash scripts/bench_agreement.sh [--out FILE.json]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-irrcac/bin/python ]; then
  python3 -m venv .venv-irrcac
  .venv-irrcac/bin/python -m pip install --quiet irrCAC krippendorff threadpoolctl
fi
PYTHONPATH=. exec .venv-irrcac/bin/python scripts/bench_agreement.py "$@"
