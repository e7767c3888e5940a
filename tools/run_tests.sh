#!/usr/bin/env bash
# The test suite (README, second command; .ci/run calls exactly this). Installs .venv on first
# use. Extra arguments go to pytest, e.g. `bash tools/run_tests.sh -k backbone`;
# PYTEST_WORKERS sets the number of pytest-xdist workers (default 2, the cores here).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tools/setup_env.sh
exec "$ROOT/.venv/bin/python" -m pytest tests -n "${PYTEST_WORKERS:-2}" "$@"
