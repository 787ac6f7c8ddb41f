#!/usr/bin/env bash
# Benchmark (issue 16): the same load on one instance and on two instances of one deployment, in
# the same run, on this machine:
#   1. one instance, in-process state (SQLite, no Redis) — the single-clinic setup
#   2. one instance on PostgreSQL + Redis
#   3. two instances on PostgreSQL + Redis: doctors' sockets on one, patients' on the other, so
#      every relayed frame crosses instances through Redis pub/sub
# Each gets the signaling relay load of bench/signaling_relay.sh (ROOMS rooms, a frame per socket
# every 500 ms, SECONDS_ s; p50/p99 of ICE- and offer-sized frames) and then room-status polling
# with wrk (50 connections, DURATION s, 5 appointments per request, full 200 answers) through
# nginx in front (one upstream, or both round robin). Real PostgreSQL, Redis and nginx from
# Debian's packages (scripts/setup.sh --scale), started here on loopback and stopped on exit,
# also on failure. Prints figures and a table; asserts nothing.
#
#   bench/scale_out.sh
#   ROOMS=500 SECONDS_=20 DURATION=15 bench/scale_out.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOMS="${ROOMS:-250}"
SECONDS_="${SECONDS_:-10}"
DURATION="${DURATION:-10}"
SECRET="scale-out-bench-token-secret-0123456789abcdef"

if ! command -v wrk >/dev/null || ! command -v jq >/dev/null; then
  echo "installing wrk and jq from Debian's packages"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk jq
fi
scripts/setup.sh --scale
cargo build --release -p teleconsult-server --bin teleconsult-server --example signaling_relay
ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d)
chmod 755 "$work"
pids=()
nginx_pid=""
cleanup() {
  status=$?
  for pid in "${pids[@]}" $nginx_pid; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true
  [ -f "$work/pg/postmaster.pid" ] && scripts/postgres.sh stop "$work/pg" 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    echo "-- failed ($status); last server log lines:" >&2
    tail -n 15 "$work"/*-[ab].log "$work"/relay.log 2>/dev/null | grep -v -E "entered the room|left the room" >&2 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

PG_URL=$(scripts/postgres.sh start "$work/pg" "$(free_port)")
PG_BASE=${PG_URL%/postgres}
REDIS_PORT=$(free_port)
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
  --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis.log"
for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

# start_instance NAME PORT [server flags…]: a release server in the background.
start_instance() {
  local name=$1 port=$2; shift 2
  TELECONSULT_JWT_SECRET="$SECRET" target/release/teleconsult-server --demo \
    --addr "127.0.0.1:$port" --data-dir "$work/$name" --dist-dir "$work/no-dist" "$@" \
    >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
  echo "instance $name did not start" >&2; cat "$work/$name.log" >&2; exit 1
}

# start_nginx PORT UPSTREAM…: nginx in front, round robin over the upstreams.
start_nginx() {
  local port=$1; shift
  local dir="$work/nginx-$port"; mkdir -p "$dir"; chmod 777 "$dir"
  {
    echo "worker_processes 1; pid $dir/nginx.pid; error_log $dir/error.log warn;"
    echo "events { worker_connections 4096; }"
    echo "http { access_log off; client_body_temp_path $dir/b; proxy_temp_path $dir/p;"
    echo "  fastcgi_temp_path $dir/f; uwsgi_temp_path $dir/u; scgi_temp_path $dir/s;"
    echo "  upstream api { keepalive 64;"
    for u in "$@"; do echo "    server $u;"; done
    echo "  }"
    echo "  server { listen 127.0.0.1:$port; location / { proxy_pass http://api;"
    echo "    proxy_http_version 1.1; proxy_set_header Connection \"\"; } } }"
  } >"$dir/nginx.conf"
  nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' &
  nginx_pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
  echo "nginx did not start" >&2; cat "$dir/error.log" >&2; exit 1
}

stop_all() {
  for pid in "${pids[@]}" $nginx_pid; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  pids=(); nginx_pid=""
}

# room_status LB_PORT: wrk's requests per second (and p99) for full room-status answers.
room_status() {
  local lb=$1
  login() {
    curl -sf -X POST "http://127.0.0.1:$lb/api/auth/login" -H 'content-type: application/json' \
      -d "{\"email\":\"$1\",\"password\":\"$2\"}" | jq -r .access_token
  }
  local doctor patient
  doctor=$(login doctor@example.com doctor-demo)
  patient=$(login patient@example.com patient-demo)
  cat >"$work/tokens.lua" <<LUA
local tokens = { "$doctor", "$patient" }
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. tokens[(n % 2) + 1] })
end
LUA
  wrk -t2 -c50 -d"${DURATION}s" --latency -s "$work/tokens.lua" \
    "http://127.0.0.1:$lb/api/rooms/status?appointment_ids=1,2,3,4,5" | tee "$work/wrk.log"
}

declare -A RESULT
run_config() { # key, label, instances (1 or 2), scale flags…
  local key=$1 label=$2 n=$3; shift 3
  echo
  echo "== $label"
  local a b lb
  a=$(free_port); start_instance "$key-a" "$a" "$@"
  local relay_args=(--addr "127.0.0.1:$a" --server-pid "${pids[0]}")
  local upstreams=("127.0.0.1:$a")
  if [ "$n" = 2 ]; then
    b=$(free_port); start_instance "$key-b" "$b" "$@"
    relay_args+=(--patients-addr "127.0.0.1:$b" --server-pid "${pids[1]}")
    upstreams+=("127.0.0.1:$b")
  fi
  local db_args=(--data-dir "$work/$key-a" --jwt-secret "$SECRET")
  for f in "$@"; do [ "${prev:-}" = "--database-url" ] && db_args+=(--database-url "$f"); prev=$f; done
  prev=""
  target/release/examples/signaling_relay "${relay_args[@]}" "${db_args[@]}" \
    --rooms "$ROOMS" --seconds "$SECONDS_" --period-ms 500 \
    | sed 's/^bench-result signaling_relay/relay-result/' | tee "$work/relay.log"
  lb=$(free_port); start_nginx "$lb" "${upstreams[@]}"
  room_status "$lb"
  local r
  r=$(grep '^relay-result' "$work/relay.log")
  RESULT[$key]="$(sed -E 's/.*ice_p50_ms=([^ ]+) ice_p99_ms=([^ ]+) sdp_p50_ms=([^ ]+) sdp_p99_ms=([^ ]+).*/\1 \2 \3 \4/' <<<"$r") $(awk '/Requests\/sec/ {print $2}' "$work/wrk.log") $(awk '$1 == "99%" {print $2}' "$work/wrk.log")"
  stop_all
}

run_config local "one instance, in-process state (SQLite, no Redis)" 1
psql -q "$PG_URL" -c "CREATE DATABASE one_instance" -c "CREATE DATABASE two_instances"
run_config one "one instance on PostgreSQL + Redis" 1 \
  --database-url "$PG_BASE/one_instance" --redis-url "redis://127.0.0.1:$REDIS_PORT" --redis-prefix one:
run_config two "two instances on PostgreSQL + Redis (every frame crosses instances)" 2 \
  --database-url "$PG_BASE/two_instances" --redis-url "redis://127.0.0.1:$REDIS_PORT" --redis-prefix two:

echo
echo "== scale-out: $ROOMS rooms ($((ROOMS * 2)) sockets) relaying, then room status through nginx ($(nproc) cores shared by everything)"
printf '%-52s %9s %9s %11s %11s %12s %10s\n' configuration "ice p50" "ice p99" "offer p50" "offer p99" "status req/s" "status p99"
for key in local one two; do
  read -r i50 i99 s50 s99 rps p99 <<<"${RESULT[$key]}"
  case $key in
    local) label="1 instance, in-process (SQLite)" ;;
    one) label="1 instance, PostgreSQL + Redis" ;;
    two) label="2 instances, PostgreSQL + Redis" ;;
  esac
  printf '%-52s %7s ms %7s ms %9s ms %9s ms %12s %10s\n' "$label" "$i50" "$i99" "$s50" "$s99" "$rps" "$p99"
  echo "bench-result scale_out_$key ice_p50_ms=$i50 ice_p99_ms=$i99 sdp_p50_ms=$s50 sdp_p99_ms=$s99 status_per_s=$rps status_p99=$p99" >>"$work/results"
done
cat "$work/results"
