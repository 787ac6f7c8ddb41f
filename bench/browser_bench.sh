#!/usr/bin/env bash
# Shared by the browser benchmarks: installs what they need (scripts/setup.sh with the given
# flags, e.g. --livekit), builds the release app and the server once, then runs the benchmark
# script SCRIPT.mjs with node. Usage: bench/browser_bench.sh SCRIPT.mjs [setup flags…]
set -euo pipefail
cd "$(dirname "$0")/.."
script="$1"
shift
scripts/setup.sh --browser "$@"
source scripts/env.sh
scripts/build-web.sh
cargo build -p teleconsult-server
TELECONSULT_SERVER_BIN="$PWD/target/debug/teleconsult-server" exec node "$script"
