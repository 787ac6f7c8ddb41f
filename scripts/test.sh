#!/usr/bin/env bash
# Runs every check and test of Teleconsult, installing what is missing first:
#   1. formatting and lints (rustfmt; clippy -D warnings on the host and on wasm32)
#   2. host tests: core rules and the server (real SQLite files, real HTTP stack, one instance),
#      then the server's tests again in the scale-out configuration: a real PostgreSQL and a real
#      Redis, both throwaway servers on loopback
#   3. browser tests: components in headless Chromium (wasm-bindgen-test)
#   4. the API contract: schemathesis, every check, against the real server's own OpenAPI
#   5. fuzzing: each cargo-fuzz target of the core's decoders and rules for 10 s
#   6. end-to-end tests: the release build served by the real server, driven by Playwright
set -euo pipefail
cd "$(dirname "$0")/.."
RESULTS=$(mktemp)
SERVICES=$(mktemp -d)
chmod 755 "$SERVICES" # PostgreSQL runs as its own user when the tests run as root
cleanup() {
  [ -f "$SERVICES/pg/postmaster.pid" ] && scripts/postgres.sh stop "$SERVICES/pg" || true
  [ -f "$SERVICES/redis.pid" ] && kill "$(cat "$SERVICES/redis.pid")" 2>/dev/null || true
  rm -rf "$RESULTS" "$SERVICES"
}
trap cleanup EXIT
scripts/setup.sh --browser --livekit --contract --fuzz --scale
source scripts/env.sh
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; STEP_START=$SECONDS; }
done_step() { printf '    (%ss)\n' "$((SECONDS - STEP_START))"; }

step "format"
cargo fmt --all --check
done_step

step "clippy (host: core, server)"
cargo clippy -p teleconsult-core -p teleconsult-server --all-targets -- -D warnings
done_step

step "clippy (wasm32: web app, core)"
cargo clippy -p teleconsult-web -p teleconsult-core --target wasm32-unknown-unknown --all-targets -- -D warnings
done_step

step "host tests (core, server)"
cargo test -p teleconsult-core -p teleconsult-server 2>&1 | tee -a "$RESULTS"
done_step

step "host tests (server on PostgreSQL and Redis: the same tests, each on a fresh database and Redis prefix)"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PG_URL=$(scripts/postgres.sh start "$SERVICES/pg" "$(free_port)")
REDIS_PORT=$(free_port)
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
  --daemonize yes --pidfile "$SERVICES/redis.pid" --logfile "$SERVICES/redis.log"
for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
TELECONSULT_TEST_POSTGRES="$PG_URL" TELECONSULT_TEST_REDIS="redis://127.0.0.1:$REDIS_PORT" \
  cargo test -p teleconsult-server 2>&1 | tee -a "$RESULTS"
scripts/postgres.sh stop "$SERVICES/pg"
kill "$(cat "$SERVICES/redis.pid")"; rm -f "$SERVICES/redis.pid"
done_step

step "browser tests (wasm-bindgen-test in headless Chromium)"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
cargo test -p teleconsult-web --target wasm32-unknown-unknown 2>&1 | tee -a "$RESULTS"
done_step

step "release build of the app: main app and consultation page (scripts/build-web.sh, wasm-opt 132)"
scripts/build-web.sh
done_step

step "server binary for the end-to-end tests"
cargo build -p teleconsult-server
done_step

step "API contract (schemathesis --checks all, as a patient and as a doctor)"
TELECONSULT_SERVER_BIN="$PWD/target/debug/teleconsult-server" tests/schemathesis/run.sh 2>&1 | tee -a "$RESULTS"
done_step

step "fuzzing (cargo-fuzz, 10 s per target)"
scripts/fuzz.sh 10 2>&1 | tee -a "$RESULTS"
done_step

step "end-to-end tests (Playwright, Debian's Chromium, release build, real server)"
export TELECONSULT_SERVER_BIN="$PWD/target/debug/teleconsult-server"
export TELECONSULT_TEST_DIST="$PWD/dist"
node --test --test-concurrency=1 tests/e2e/ 2>&1 | tee -a "$RESULTS"
done_step

# One closing line for all layers: cargo's "test result:" lines and node's "# pass"/"# fail".
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     /^# pass /  { p += $3 }
     /^# fail /  { f += $3 }
     END { printf "total: %d passed, %d failed\n", p, f }' "$RESULTS"
