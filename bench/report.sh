#!/usr/bin/env bash
# Runs every benchmark, one after the other, and prints one table of their figures (medians,
# ratios, bytes) for the README: each benchmark prints `bench-result NAME key=value …` lines,
# collected here; the bytes of the first load and of each provider's call page are read from the
# release build in dist/ (what index.html references, as gzip -9 and brotli files written at build
# time). A benchmark that fails is marked so and the others still run; each stops what it started.
#
#   bench/report.sh            # all of them, about 25 minutes on 2 cores
#   BENCHES="signaling_relay room_status" bench/report.sh
set -uo pipefail
cd "$(dirname "$0")/.."
BENCHES="${BENCHES:-signaling_relay room_status scale_out call_setup repeat_calls dashboard_polling livekit_call_setup}"
logs="target/bench-logs"
mkdir -p "$logs"

declare -A status
for b in $BENCHES; do
  echo "== bench/$b.sh (log: $logs/$b.log)"
  start=$SECONDS
  if "bench/$b.sh" >"$logs/$b.log" 2>&1; then status[$b]="ok, $((SECONDS - start)) s"; else status[$b]="FAILED (see $logs/$b.log)"; fi
  echo "   ${status[$b]}"
done

echo
echo "| benchmark | figure | value |"
echo "|---|---|---|"
for b in $BENCHES; do
  if [[ "${status[$b]}" == FAILED* ]]; then echo "| $b | — | ${status[$b]} |"; continue; fi
  grep -h '^bench-result ' "$logs/$b.log" | while read -r _ name rest; do
    for kv in $rest; do echo "| $name | ${kv%%=*} | ${kv#*=} |"; done
  done
done

# Bytes on the wire, from the release build (scripts that built it: the browser benchmarks).
if [ -f dist/index.html ]; then
  node - <<'JS'
const fs = require('fs');
const size = (f, suffix) => (fs.existsSync(`dist/${f}${suffix}`) ? fs.statSync(`dist/${f}${suffix}`).size : 0);
const sum = (files, suffix) => files.reduce((n, f) => n + size(f, suffix), 0);
// What a page fetches: its html and the wasm, JavaScript and CSS it names (not the provider SDKs,
// which load when a call of that provider starts).
const load = (page) => {
  const html = fs.readFileSync(`dist/${page}`, 'utf8');
  return [...new Set([...html.matchAll(/(?:href=|src=|from |import\(|content=)['"]\/?([^'"]+\.(?:wasm|js|css))['"]/g)].map((m) => m[1]))]
    .filter((f) => !/livekit|twilio/.test(f)).concat([page]);
};
const row = (name, files) => console.log(`| first_load_bytes | ${name} | ${sum(files, '')} raw, ${sum(files, '.gz')} gzip, ${sum(files, '.br')} brotli |`);
const main = load('index.html');
const call = fs.existsSync('dist/consultation.html') ? load('consultation.html') : main;
row('sign-in and dashboards', main);
row('P2P call page', call);
const sdk = (re) => fs.readdirSync('dist').filter((f) => re.test(f) && /\.js$/.test(f));
row('LiveKit call page (+ SDK)', call.concat(sdk(/^livekit-client-/)));
row('LiveKit call page, E2EE on', call.concat(sdk(/^livekit-(client|e2ee-worker)-/)));
row('Twilio call page (+ SDK)', call.concat(sdk(/^twilio-video-/)));
JS
fi
