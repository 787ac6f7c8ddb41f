#!/usr/bin/env bash
# Benchmark: LiveKit call setup time of the app vs a plain-JS livekit-client page, through a real
# livekit-server on 127.0.0.1. Builds what it needs, then runs bench/livekit_call_setup.mjs (which
# stops everything it started, also when it fails). See that file.
set -euo pipefail
exec "$(dirname "$0")/browser_bench.sh" bench/livekit_call_setup.mjs --livekit
