#!/usr/bin/env bash
# Benchmark: P2P call setup time of the app vs a plain-JavaScript baseline, and a call page's
# CPU and JS heap over 60 s. Builds what it needs, then runs bench/call_setup.mjs. See that file.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
source scripts/env.sh
trunk build --release
cargo build -p teleconsult-server
TELECONSULT_SERVER_BIN="$PWD/target/debug/teleconsult-server" node bench/call_setup.mjs
