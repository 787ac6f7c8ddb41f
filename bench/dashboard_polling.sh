#!/usr/bin/env bash
# Benchmark: room-status polling of one dashboard (see bench/dashboard_polling.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
source scripts/env.sh
trunk build --release
cargo build -p teleconsult-server
TELECONSULT_SERVER_BIN="$PWD/target/debug/teleconsult-server" node bench/dashboard_polling.mjs
