#!/usr/bin/env bash
# The API contract under schemathesis: every check (`--checks all`), all phases (examples,
# coverage, fuzzing, stateful), against the real server's own GET /api/openapi.json, once signed
# in as a patient and once as a doctor (their operations differ). Bounded: MAX_EXAMPLES per
# operation (default 50), a fixed seed unless ST_SEED is set. Any failure fails this script.
# Installed by `scripts/setup.sh --contract` (pinned schemathesis in target/contract-venv).
# Prints a cargo-style "test result:" line per run for scripts/test.sh's total.
set -euo pipefail
cd "$(dirname "$0")/../.."
SERVER_BIN="${TELECONSULT_SERVER_BIN:-$PWD/target/debug/teleconsult-server}"
PY="$PWD/target/contract-venv/bin/python"
MAX_EXAMPLES="${MAX_EXAMPLES:-50}"
SEED="${ST_SEED:-20261203}"

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$SERVER_BIN" --demo --addr "127.0.0.1:$port" --data-dir "$work/data" --dist-dir "$work/no-dist" \
  >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

login() {
  curl -sf -X POST "$base/api/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$2\"}" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

failed=0
for who in patient doctor; do
  case "$who" in
    patient) token=$(login patient@example.com patient-demo) ;;
    doctor) token=$(login doctor@example.com doctor-demo) ;;
  esac
  echo "== schemathesis as the $who: --checks all, $MAX_EXAMPLES examples per operation, seed $SEED"
  if "$PY" tests/schemathesis/st.py --config-file tests/schemathesis/schemathesis.toml \
      run "$base/api/openapi.json" --checks all -H "Authorization: Bearer $token" \
      --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers 1 --no-color; then
    echo "test result: ok. 1 passed; 0 failed (schemathesis as the $who)"
  else
    echo "test result: FAILED. 0 passed; 1 failed (schemathesis as the $who)"
    failed=1
  fi
done
exit "$failed"
