#!/usr/bin/env bash
# run.sh — build the showcase (release) and the goose load test, start the
# showcase on a free loopback port with a fixed JWT_SECRET and a raised login
# limit, run goose against it for a bounded time, stop the showcase, and exit
# with goose's status (non-zero when any request got an answer the contract
# does not allow).
#
# Usage: examples/loadtest/run.sh [extra goose options]
# Environment (defaults in brackets):
#   RUN_TIME [10s]        goose --run-time (load after all users started)
#   USERS [20]            goose --users
#   HATCH_RATE [10]       goose --increase-rate (users started per second;
#                         goose's former --hatch-rate)
#   LOGIN_LIMIT [100000]  SECURE_API_LOGIN_LIMIT, login attempts per client
#                         per minute (the attacker's wrong passwords would
#                         otherwise meet the contract's 5 a minute: 429, also
#                         accepted)
#   JWT_SECRET            the showcase's secret [a fixed load-test value]; the
#                         load test mints its tokens with it
#   PORT                  listen port [a free one]
#   SHOWCASE_LOG [examples/loadtest/target/showcase.log]  the showcase's
#                         JSON log lines (access and audit: about 6 to 8 MB
#                         a second of load; overwritten at each run)
#   SHOWCASE_PROFILE [release]  the showcase's build: release (the figures),
#                         or debug (CI's verdict run: the build CI already has)
#   SKIP_BUILD [0]        1: use the binaries already built
# Loopback only (127.0.0.1); every run is bounded by RUN_TIME.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
HERE=examples/loadtest
RUN_TIME=${RUN_TIME:-10s}; USERS=${USERS:-20}; HATCH_RATE=${HATCH_RATE:-10}
LOGIN_LIMIT=${LOGIN_LIMIT:-100000}
export JWT_SECRET=${JWT_SECRET:-loadtest-only-secret-0123456789abcdef-0123}
SHOWCASE_LOG=${SHOWCASE_LOG:-$HERE/target/showcase.log}
log() { echo "[loadtest $(date +%H:%M:%S)] $*" >&2; }

SHOWCASE_PROFILE=${SHOWCASE_PROFILE:-release}
case "$SHOWCASE_PROFILE" in
  release) profile_flag=(--release) ;;
  debug) profile_flag=() ;;
  *) log "SHOWCASE_PROFILE must be release or debug, not $SHOWCASE_PROFILE"; exit 2 ;;
esac

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "building the showcase: cargo build ${profile_flag[*]} --example secure_api"
  cargo build "${profile_flag[@]}" --example secure_api
  log "building the load test: cargo build --release --manifest-path $HERE/Cargo.toml"
  cargo build --release --manifest-path "$HERE/Cargo.toml"
fi
SHOWCASE=target/$SHOWCASE_PROFILE/examples/secure_api
LOADTEST=$HERE/target/release/portcullis-loadtest
for bin in "$SHOWCASE" "$LOADTEST"; do
  [ -x "$bin" ] || { log "$bin is missing (run without SKIP_BUILD=1)"; exit 2; }
done

if [ -z "${PORT:-}" ]; then
  PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi
if curl -s -m 1 -o /dev/null "http://127.0.0.1:$PORT/health"; then
  log "127.0.0.1:$PORT already answers: refusing to load an unknown server"; exit 2
fi

mkdir -p "$(dirname "$SHOWCASE_LOG")"
SECURE_API_ADDR=127.0.0.1:$PORT SECURE_API_LOGIN_LIMIT=$LOGIN_LIMIT \
  "$SHOWCASE" > "$SHOWCASE_LOG" 2>&1 &
SERVER_PID=$!
stop_server() {
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || true
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT TERM

up=0
for _ in $(seq 1 300); do
  kill -0 "$SERVER_PID" 2>/dev/null || break
  [ "$(curl -s -m 1 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health")" = 200 ] && { up=1; break; }
  sleep 0.2
done
if [ $up != 1 ]; then
  log "the showcase did not come up; its log:"; tail -20 "$SHOWCASE_LOG" >&2; exit 1
fi
log "showcase up on 127.0.0.1:$PORT (pid $SERVER_PID); goose: --run-time $RUN_TIME --users $USERS --increase-rate $HATCH_RATE $*"

status=0
"$LOADTEST" --host "http://127.0.0.1:$PORT" --run-time "$RUN_TIME" --users "$USERS" \
  --increase-rate "$HATCH_RATE" "$@" || status=$?
stop_server
trap - EXIT INT TERM
if [ "$status" = 0 ]; then
  log "passed: every answer was one the contract allows"
else
  log "FAILED (exit $status); the showcase's log is in $SHOWCASE_LOG"
fi
exit "$status"
