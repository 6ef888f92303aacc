#!/usr/bin/env bash
# run.sh — the whole comparison in one run: build the showcase (release) and
# ref-axum, set up ref-fastapi's venv when missing, then requests per second
# (compare.sh, wrk) and instructions per request (instr.sh, callgrind) for the
# same servers, and print both tables.
#
# Usage: benches/compare/run.sh
# Environment: SERVERS [secure_api,ref-axum,ref-fastapi] (names in
#   servers.conf), SKIP_BUILD [0], and every knob of compare.sh (DURATION,
#   ROUNDS, ...) and instr.sh (COUNT, WARM, ...).
# Loopback only; every load run is bounded (DURATION seconds, COUNT requests).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SERVERS=${SERVERS:-secure_api,ref-axum,ref-fastapi}
log() { echo "[run $(date +%H:%M:%S)] $*" >&2; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "cargo build --release --example secure_api (repository root)"
  (cd "$ROOT" && cargo build --release --example secure_api)
  log "cargo build --release -p ref-axum (benches/compare, its own workspace)"
  (cd "$HERE" && cargo build --release -p ref-axum)
fi
if [[ ",$SERVERS," == *",ref-fastapi,"* ]] && [ ! -x "$HERE/ref-fastapi/venv/bin/uvicorn" ]; then
  log "setting up ref-fastapi/venv from ref-fastapi/requirements.txt"
  python3 -m venv "$HERE/ref-fastapi/venv"
  "$HERE/ref-fastapi/venv/bin/pip" install -q -r "$HERE/ref-fastapi/requirements.txt"
fi

cd "$HERE"
RES=results/run-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RES"
{
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "rustc: $(rustc --version)"
  echo "wrk: $(wrk -v 2>&1 | head -1)"
  echo "valgrind: $(valgrind --version)"
  if [ -x ref-fastapi/venv/bin/python ]; then
    echo "python: $(ref-fastapi/venv/bin/python --version 2>&1)"
    ref-fastapi/venv/bin/python -m pip freeze 2>/dev/null \
      | grep -iE '^(fastapi|starlette|pydantic|pydantic_core|uvicorn|uvloop|httptools|pyjwt)==' | sed 's/^/  /'
  fi
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) CPUs"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$RES/versions.txt"

log "requests per second: ./compare.sh --only $SERVERS"
RESULTS_DIR=$RES/compare ./compare.sh --only "$SERVERS"
log "instructions per request: ./instr.sh --only $SERVERS"
RESULTS_DIR=$RES/instr ./instr.sh --only "$SERVERS" | tee "$RES/instr/table.md"

echo
echo "## requests per second (compare.sh)"; cat "$RES/compare/table.md"
echo
echo "## instructions per request (instr.sh)"; cat "$RES/instr/table.md"
log "everything in benches/compare/$RES"
