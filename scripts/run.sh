#!/usr/bin/env bash
# Runs Teleconsult locally: installs what is missing, builds the app (release) and the server,
# and serves both on http://127.0.0.1:8080 with an embedded SQLite database under ./data.
# Stop it with Ctrl-C. Settings: see the configuration table in README.md (TELECONSULT_* variables).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

printf '\033[1m[run]\033[0m building the app (trunk build --release)\n'
trunk build --release
printf '\033[1m[run]\033[0m building the server\n'
cargo build -p teleconsult-server

export TELECONSULT_DIST_DIR="${TELECONSULT_DIST_DIR:-$PWD/dist}"
export TELECONSULT_DATA_DIR="${TELECONSULT_DATA_DIR:-$PWD/data}"
exec target/debug/teleconsult-server --demo "$@"
