#!/usr/bin/env bash
# Set up and run the whole suite: ruff (lint + import order), mypy on the pure modules, pytest -W error
# (unit, integration, web, browser). Installs Debian's chromium for the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[test]'
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest -W error -q -p no:cacheprovider "$@"
