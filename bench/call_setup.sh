#!/usr/bin/env bash
# Benchmark: P2P call setup time of the app vs a plain-JavaScript baseline, and a call page's
# CPU and JS heap over 60 s. Builds what it needs, then runs bench/call_setup.mjs. See that file.
set -euo pipefail
exec "$(dirname "$0")/browser_bench.sh" bench/call_setup.mjs
