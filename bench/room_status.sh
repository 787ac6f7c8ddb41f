#!/usr/bin/env bash
# Benchmark: room-status polling throughput and latency of the reference server.
#
# 50 concurrent clients on loopback, each with a valid access token, each asking for 5
# appointments per request (GET /api/rooms/status?appointment_ids=a,b,c,d,e), for DURATION
# seconds, with wrk (Debian's package). Two runs: full answers (200), and the polling case where
# the client sends back the ETag it got (304). Prints wrk's figures; asserts nothing.
#
#   bench/room_status.sh            # 15 s per run
#   DURATION=30 bench/room_status.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-15}"
PORT="${PORT:-18181}"

if ! command -v wrk >/dev/null || ! command -v jq >/dev/null; then
  echo "installing wrk and jq from Debian's packages"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk jq
fi
cargo build --release -p teleconsult-server

work=$(mktemp -d)
target/release/teleconsult-server --demo --addr "127.0.0.1:$PORT" --data-dir "$work/data" \
  --dist-dir "$work/no-dist" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

login() {
  curl -sf -X POST "http://127.0.0.1:$PORT/api/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$2\"}" | jq -r .access_token
}
doctor=$(login doctor@example.com doctor-demo)
patient=$(login patient@example.com patient-demo)
ids="1,2,3,4,5" # five appointments both the doctor and Adib are party to
url="http://127.0.0.1:$PORT/api/rooms/status?appointment_ids=$ids"
etag=$(curl -sfI "$url" -H "authorization: Bearer $doctor" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')

# Connections alternate between the doctor's and the patient's token.
cat >"$work/tokens.lua" <<LUA
local tokens = { "$doctor", "$patient" }
local etag = os.getenv("BENCH_ETAG")
local n = 0
request = function()
  n = n + 1
  local headers = { ["Authorization"] = "Bearer " .. tokens[(n % 2) + 1] }
  if etag and etag ~= "" then headers["If-None-Match"] = etag end
  return wrk.format("GET", nil, headers)
end
LUA

echo "== 200 answers: 50 connections, 2 wrk threads, ${DURATION}s, 5 appointments per request"
wrk -t2 -c50 -d"${DURATION}s" --latency -s "$work/tokens.lua" "$url" | tee "$work/wrk-200.log"
echo
echo "== 304 answers (If-None-Match: $etag): same load"
BENCH_ETAG="$etag" wrk -t2 -c50 -d"${DURATION}s" --latency -s "$work/tokens.lua" "$url" | tee "$work/wrk-304.log"
echo
echo "note: wrk and the server share this machine's $(nproc) cores."
# One machine-readable line per run for bench/report.sh.
for kind in 200 304; do
  awk -v kind="$kind" '/Requests\/sec/ { rps = $2 } /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
    END { printf "bench-result room_status_%s requests_per_s=%s p50=%s p99=%s\n", kind, rps, p50, p99 }' \
    "$work/wrk-$kind.log"
done
