#!/usr/bin/env bash
# Fuzzes teleconsult-core's pure decoders and rules with cargo-fuzz (libFuzzer): signaling frames,
# config.json, the API's wire types, the join window, the connection-quality rules
# (fuzz/fuzz_targets/). Each target runs for SECONDS (default 30) from its committed seeds
# (fuzz/seeds/<target>) plus what earlier runs found (fuzz/target/corpus, not committed). A panic
# or failed assertion stops with the input saved under fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh          # 30 s per target
#   scripts/fuzz.sh 300      # 5 min per target
#
# Built on the project's stable toolchain (RUSTC_BOOTSTRAP lets cargo-fuzz pass its flags) and
# without a sanitizer (-s none): the code under test is safe Rust, so a panic is what there is
# to find. Prints a cargo-style "test result:" line per target for scripts/test.sh's total.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
SECONDS_EACH="${1:-${FUZZ_SECONDS:-30}}"
export RUSTC_BOOTSTRAP=1
export PATH="$HOME/.cargo/bin:$PATH"

cargo fuzz build -s none -O
failed=0
for target in $(cargo fuzz list); do
  corpus="target/corpus/$target"
  mkdir -p "$corpus"
  seeds=()
  [ -d "seeds/$target" ] && seeds=("seeds/$target")
  log="target/fuzz-$target.log"
  echo "== fuzz $target for ${SECONDS_EACH}s"
  if cargo fuzz run -s none -O "$target" "$corpus" "${seeds[@]}" -- \
      -max_total_time="$SECONDS_EACH" -print_final_stats=1 >"$log" 2>&1; then
    runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log")
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
    echo "test result: ok. 1 passed; 0 failed (fuzz $target: $runs executions in ${SECONDS_EACH}s, $cov, corpus $(ls "$corpus" | wc -l))"
  else
    grep -E "panicked|ERROR|SUMMARY|artifact" "$log" | head -20
    echo "test result: FAILED. 0 passed; 1 failed (fuzz $target; log fuzz/$log)"
    failed=1
  fi
done
exit "$failed"
