#!/usr/bin/env bash
# Benchmark: 20 join/leave cycles on one page — what the page still holds afterwards (live
# tracks, open peer connections, JS heap, wasm memory). Builds what it needs, then runs
# bench/repeat_calls.mjs. See that file.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
source scripts/env.sh
trunk build --release
cargo build -p teleconsult-server
TELECONSULT_SERVER_BIN="$PWD/target/debug/teleconsult-server" node bench/repeat_calls.mjs
