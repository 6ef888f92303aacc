#!/usr/bin/env bash
# rate_limit_instr.sh: the in-memory limiter's instructions per request,
# counted by callgrind (exact and repeatable, unlike time on a shared VM).
#
# Builds benches/rate_limit.rs optimized (`cargo bench --no-run`), then runs
# its RATE_LIMIT_COST mode under `valgrind --tool=callgrind` for each variant
# at two request counts, LOW and HIGH; (Ir at HIGH - Ir at LOW) / (HIGH - LOW)
# is the cost of one request with the start-up (building the router, the
# runtime) taken out. Variants:
#   plain    GET /plain through the real router (SecureRouter, oneshot), no limit
#   limited  GET /limited, the same route with a client-keyed limit declared
#   store    one MemoryStore::check_now on a hot key, no request
# limited - plain is what the limiter adds to a request.
#
# Usage: benches/rate_limit_instr.sh      Environment: LOW [1000], HIGH [6000]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
LOW=${LOW:-1000}; HIGH=${HIGH:-6000}
[ "$HIGH" -gt "$LOW" ] || { echo "HIGH must exceed LOW" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install -y valgrind)" >&2; exit 2; }
BIN=$(cargo bench --bench rate_limit --no-run 2>&1 \
  | sed -n 's/.*Executable .*(\(.*rate_limit-[0-9a-f]*\)).*/\1/p' | tail -1)
[ -x "$BIN" ] || { echo "rate_limit_instr.sh: no bench binary found" >&2; exit 1; }
collected() { # instructions callgrind collected for RATE_LIMIT_COST=$1
  RATE_LIMIT_COST=$1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BIN" 2>&1 \
    | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}
declare -A per
for variant in plain limited store; do
  low=$(collected "$variant:$LOW"); high=$(collected "$variant:$HIGH")
  per[$variant]=$(( (high - low) / (HIGH - LOW) ))
  printf '%-8s %8d instructions per request (%d at %d, %d at %d)\n' \
    "$variant" "${per[$variant]}" "$low" "$LOW" "$high" "$HIGH"
done
printf 'limiter  %8d instructions per request (limited - plain)\n' \
  $(( per[limited] - per[plain] ))
echo "binary: $BIN"
