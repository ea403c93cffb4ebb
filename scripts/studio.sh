#!/usr/bin/env bash
# Start, stop or check a project's Label Studio (on 127.0.0.1, data in PROJECT_DIR/.studio):
#   bash scripts/studio.sh up PROJECT_DIR [--port 8080]
#   bash scripts/studio.sh status PROJECT_DIR
#   bash scripts/studio.sh down PROJECT_DIR
# `up` installs label-studio into .venv-labelstudio first when it is missing. The admin's
# password and API token come from CODER_STUDIO_* variables or PROJECT_DIR/.studio/config.json
# (mode 0600) and are never printed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -x "$root/.venv/bin/coder" ] || bash "$root/scripts/setup.sh"
exec "$root/.venv/bin/coder" studio "$@"
