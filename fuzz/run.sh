#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 5) on stable Rust, with
# cargo-fuzz and no sanitizer (`-s none`; the toolchain has no nightly).
# Prints executions and crashes per target; exits non-zero on a crash.
#   fuzz/run.sh 5        # CI: a few seconds each
#   fuzz/run.sh 3600     # an hour each
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-5}
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
targets=$(cargo fuzz list)
cargo fuzz build -s none -O
status=0
for target in $targets; do
  mkdir -p "corpus/$target"
  log=$(mktemp)
  if cargo fuzz run -s none -O "$target" "corpus/$target" -- \
      -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
    outcome=ok
  else
    outcome=CRASH; status=1
    tail -40 "$log"
  fi
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
  printf '%-22s %6ss  %10s executions  %s\n' "$target" "$seconds" "$runs" "$outcome"
  rm -f "$log"
done
exit $status
