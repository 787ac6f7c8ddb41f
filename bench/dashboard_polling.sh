#!/usr/bin/env bash
# Benchmark: room-status polling of one dashboard (see bench/dashboard_polling.mjs).
set -euo pipefail
exec "$(dirname "$0")/browser_bench.sh" bench/dashboard_polling.mjs
