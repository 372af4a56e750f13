#!/usr/bin/env bash
# Set up and run the app on the embedded demo data at http://127.0.0.1:8050 .
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e .
exec .venv/bin/python app.py "$@"
