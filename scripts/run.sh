#!/usr/bin/env bash
# Runs Teleconsult locally: installs what is missing, builds the app (release) and the server,
# and serves both on http://127.0.0.1:8080 with an embedded SQLite database under ./data.
# Stop it with Ctrl-C. Settings: see the configuration table in README.md (TELECONSULT_* variables).
#
#   scripts/run.sh            peer-to-peer consultations (the default)
#   scripts/run.sh --livekit  consultations through LiveKit: also starts LiveKit's server on
#                             127.0.0.1 (signal port 7880, RTC TCP 7881 and UDP 7882, a dev key)
#                             and the reference server with --provider livekit
# Any other arguments go to the reference server.
set -euo pipefail
cd "$(dirname "$0")/.."
LIVEKIT=0
if [ "${1:-}" = "--livekit" ]; then
  LIVEKIT=1
  shift
fi
if [ "$LIVEKIT" = 1 ]; then scripts/setup.sh --livekit; else scripts/setup.sh; fi
source scripts/env.sh

printf '\033[1m[run]\033[0m building the app (scripts/build-web.sh)\n'
scripts/build-web.sh
printf '\033[1m[run]\033[0m building the server\n'
cargo build -p teleconsult-server

export TELECONSULT_DIST_DIR="${TELECONSULT_DIST_DIR:-$PWD/dist}"
export TELECONSULT_DATA_DIR="${TELECONSULT_DATA_DIR:-$PWD/data}"
if [ "$LIVEKIT" = 0 ]; then
  exec target/debug/teleconsult-server --demo "$@"
fi

# A local LiveKit, loopback only, no external-IP lookup. The key is for this machine only.
LIVEKIT_PORT="${LIVEKIT_PORT:-7880}"
export TELECONSULT_PROVIDER=livekit
export TELECONSULT_LIVEKIT_URL="ws://127.0.0.1:$LIVEKIT_PORT"
export TELECONSULT_LIVEKIT_API_KEY="${TELECONSULT_LIVEKIT_API_KEY:-teleconsult-local}"
if [ -z "${TELECONSULT_LIVEKIT_API_SECRET:-}" ]; then
  mkdir -p "$TELECONSULT_DATA_DIR"
  secret_file="$TELECONSULT_DATA_DIR/livekit-secret"
  [ -s "$secret_file" ] || (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$secret_file")
  TELECONSULT_LIVEKIT_API_SECRET="$(cat "$secret_file")"
fi
export TELECONSULT_LIVEKIT_API_SECRET
# Keyframe requests at most every 200 ms, as README recommends (LiveKit's defaults left a second
# of black screen in some joins).
LIVEKIT_CONFIG="$(printf 'port: %s\nbind_addresses: ["127.0.0.1"]\nrtc:\n  tcp_port: %s\n  udp_port: %s\n  use_external_ip: false\n  pli_throttle:\n    low_quality: 100ms\n    mid_quality: 200ms\n    high_quality: 200ms\nkeys:\n  %s: %s\nlogging:\n  level: warn\n' \
  "$LIVEKIT_PORT" "$((LIVEKIT_PORT + 1))" "$((LIVEKIT_PORT + 2))" \
  "$TELECONSULT_LIVEKIT_API_KEY" "$TELECONSULT_LIVEKIT_API_SECRET")"
export LIVEKIT_CONFIG
printf '\033[1m[run]\033[0m starting livekit-server %s on %s\n' "$LIVEKIT_VERSION" "$TELECONSULT_LIVEKIT_URL"
"$LIVEKIT_SERVER_BIN" --node-ip 127.0.0.1 --bind 127.0.0.1 &
livekit_pid=$!
trap 'kill "$livekit_pid" 2>/dev/null; wait "$livekit_pid" 2>/dev/null' EXIT INT TERM
target/debug/teleconsult-server --demo "$@"
