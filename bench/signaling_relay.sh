#!/usr/bin/env bash
# Benchmark: the signaling hub with 1,000 sockets in 500 rooms on one release server — relay
# latency (p50/p99) of offer- and ICE-sized frames and the server's resident memory per socket.
# The client is crates/server/examples/signaling_relay.rs (see there for the method). Prints
# figures, asserts nothing; stops the server it started, also on failure.
#
#   bench/signaling_relay.sh                     # 500 rooms, 20 s, a frame per socket per 500 ms
#   ROOMS=250 SECONDS_=30 PERIOD_MS=250 bench/signaling_relay.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-18182}"
ROOMS="${ROOMS:-500}"
SECONDS_="${SECONDS_:-20}"
PERIOD_MS="${PERIOD_MS:-500}"

cargo build --release -p teleconsult-server --bin teleconsult-server --example signaling_relay
# Two sockets per room in the client and as many in the server, plus the database's files.
ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d)
server=""
cleanup() {
  status=$?
  if [ "$status" -ne 0 ] && [ -f "$work/server.log" ]; then
    echo "-- failed ($status); the server's last log lines:" >&2; grep -v -E "entered the room|left the room" "$work/server.log" | tail -n 20 >&2
  fi
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
target/release/teleconsult-server --addr "127.0.0.1:$PORT" --data-dir "$work/data" \
  --dist-dir "$work/no-dist" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null || { cat "$work/server.log" >&2; exit 1; }

echo "== signaling relay: $ROOMS rooms ($((ROOMS * 2)) sockets), ${SECONDS_}s, a frame per socket every ${PERIOD_MS} ms"
target/release/examples/signaling_relay --addr "127.0.0.1:$PORT" --data-dir "$work/data" \
  --server-pid "$server" --rooms "$ROOMS" --seconds "$SECONDS_" --period-ms "$PERIOD_MS"
echo "note: the client and the release server share this machine's $(nproc) cores."
