#!/usr/bin/env bash
# Benchmark: 20 join/leave cycles on one page — what the page still holds afterwards (live
# tracks, open peer connections, JS heap, wasm memory). Builds what it needs, then runs
# bench/repeat_calls.mjs. See that file.
set -euo pipefail
exec "$(dirname "$0")/browser_bench.sh" bench/repeat_calls.mjs
