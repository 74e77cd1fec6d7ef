#!/usr/bin/env bash
# Install what the tests need (a virtualenv, the package with its test extras, Redis,
# PostgreSQL and Chromium from Debian when missing) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$(command -v python3.11 || command -v python3)
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
bash scripts/services.sh
.venv/bin/ruff check --quiet . 
exec .venv/bin/python -m pytest "$@"
