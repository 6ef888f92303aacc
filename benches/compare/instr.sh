#!/usr/bin/env bash
# instr.sh — instructions per request (callgrind), the noise-free complement
# to compare.sh's req/s on a noisy VM. For each server and route: start the
# server under `valgrind --tool=callgrind`, send WARM requests, zero the
# counters, send exactly COUNT requests on one keep-alive connection, dump,
# and divide the dump's instruction total (Ir, all threads) by COUNT.
#
# Usage (same server lines as compare.sh; COMMAND must contain `exec `, which
# becomes `exec valgrind ... `):
#   ./instr.sh                                 # ref-axum and ref-axum-min from servers.conf
#   ./instr.sh --only ref-axum,secure_api
#   ./instr.sh --server 'NAME|PORT|COMMAND'
# Environment: COUNT [2000], WARM [300], ROUTES, JWT_SECRET, RESULTS_DIR,
#   SERVER_CPU [0], LOAD_CPU [1], STARTUP_TIMEOUT [120]
# The server inherits the rest of this script's environment, so a setting of
# the server is passed the same way, for instance the showcase with Redis:
#   REDIS_URL=redis://127.0.0.1:16411 ./instr.sh --only secure_api
# Loopback only; request counts are fixed, so every loop is bounded.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE"
if [ ! -w "$HERE" ]; then
  echo "$(basename "$0"): $HERE is not writable (results/ is written here)" >&2
  exit 2
fi
COUNT=${COUNT:-2000}; WARM=${WARM:-300}
SERVER_CPU=${SERVER_CPU:-0}; LOAD_CPU=${LOAD_CPU:-1}; STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-120}
ROUTES=${ROUTES:-"health users_me admin_stats items_post items_get"}
export JWT_SECRET=${JWT_SECRET:-bench-only-secret-0123456789abcdef-0123456789}
PY=${PYTHON:-python3}
[ "$COUNT" -ge 100 ] && [ "$COUNT" -le 100000 ] || { echo "COUNT must be 100..100000" >&2; exit 2; }

servers=(); only="ref-axum,ref-axum-min"; servers_file=servers.conf
while [ $# -gt 0 ]; do
  case "$1" in
    --server) servers+=("$2"); shift 2 ;;
    --only) only=$2; shift 2 ;;
    --servers-file) servers_file=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "instr.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ ${#servers[@]} -eq 0 ]; then
  while IFS= read -r line; do
    [[ -z "${line//[[:space:]]/}" || "$line" =~ ^[[:space:]]*# ]] && continue
    [[ ",$only," == *",${line%%|*},"* ]] && servers+=("$line")
  done < "$servers_file"
fi
command -v valgrind >/dev/null && command -v callgrind_control >/dev/null \
  || { echo "instr.sh: needs valgrind (apt-get install -y valgrind)" >&2; exit 2; }

RES=${RESULTS_DIR:-results/instr-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$RES"
OUT=$RES/instr.tsv
printf 'server\troute\tcount\tIr_total\tIr_per_request\n' > "$OUT"
log() { echo "[instr $(date +%H:%M:%S)] $*" >&2; }

POST_BODY='{"name":"Gadget","email":"alice@example.com","tags":["blue","new"]}'
route_spec() {
  case "$1" in
    health) echo "GET /health - 200" ;; users_me) echo "GET /users/me alice 200" ;;
    admin_stats) echo "GET /admin/stats admin 200" ;; items_get) echo "GET /items/1 alice 200" ;;
    items_post) echo "POST /items alice 201" ;; *) return 1 ;;
  esac
}
mint() {
  curl -sS -m 30 -X POST "http://127.0.0.1:$1/token" --data-urlencode "grant_type=password" --data-urlencode "username=$2" --data-urlencode "password=$3" \
    | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
ir_of() { # total Ir of a callgrind dump ("summary:" or "totals:" line, first event)
  awk '/^(summary|totals):/ {print $2; exit}' "$1"
}

SERVER_PID=""
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill -TERM -- "-$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT TERM

for entry in "${servers[@]}"; do
  name=${entry%%|*}; rest=${entry#*|}; port=${rest%%|*}; cmd=${rest#*|}
  [[ "$cmd" == *"exec "* ]] || { log "$name: COMMAND has no 'exec ': skipped"; continue; }
  if curl -s -m 1 -o /dev/null "http://127.0.0.1:$port/health"; then log "port $port busy"; exit 1; fi
  vg="valgrind --tool=callgrind --callgrind-out-file=$HERE/$RES/callgrind.$name.%p --dump-instr=no --compress-strings=no"
  wrapped=${cmd/exec /exec $vg }
  log "=== $name: $wrapped"
  PORT=$port SECURE_API_ADDR=127.0.0.1:$port TOKIO_WORKER_THREADS=1 \
    setsid taskset -c "$SERVER_CPU" bash -c "$wrapped" > /dev/null 2> "$RES/$name.stderr" &
  SERVER_PID=$!
  up=0
  for _ in $(seq 1 $((STARTUP_TIMEOUT * 5))); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    [ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")" = 200 ] && { up=1; break; }
    sleep 0.2
  done
  [ $up = 1 ] || { log "$name did not come up"; tail -5 "$RES/$name.stderr" >&2; stop_server; exit 1; }
  ta=$(mint "$port" admin admin-pass); tl=$(mint "$port" alice alice-pass)
  for route in $ROUTES; do
    read -r method path role want <<<"$(route_spec "$route")"
    case $role in admin) tok=$ta ;; alice) tok=$tl ;; *) tok="" ;; esac
    body=""; [ "$method" = POST ] && body=$POST_BODY
    taskset -c "$LOAD_CPU" "$PY" instr_client.py "$port" "$method" "$path" "$want" "$WARM" "$tok" "$body"
    callgrind_control -z "$SERVER_PID" > /dev/null
    taskset -c "$LOAD_CPU" "$PY" instr_client.py "$port" "$method" "$path" "$want" "$COUNT" "$tok" "$body"
    before=$(ls "$RES"/callgrind."$name".* 2>/dev/null | wc -l)
    callgrind_control -d "$route" "$SERVER_PID" > /dev/null
    dump=""
    for _ in $(seq 1 50); do
      dump=$(ls -t "$RES"/callgrind."$name".* 2>/dev/null | head -1)
      [ "$(ls "$RES"/callgrind."$name".* 2>/dev/null | wc -l)" -gt "$before" ] && break
      sleep 0.2
    done
    ir=$(ir_of "$dump")
    per=$(( ir / COUNT ))
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$route" "$COUNT" "$ir" "$per" >> "$OUT"
    log "$name $route: $per instructions/request ($ir over $COUNT)"
  done
  stop_server
done
trap - EXIT INT TERM
"$PY" - "$OUT" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
servers = list(dict.fromkeys(r["server"] for r in rows)); routes = list(dict.fromkeys(r["route"] for r in rows))
val = {(r["route"], r["server"]): int(r["Ir_per_request"]) for r in rows}
base = servers[0]
print("| route | " + " | ".join(f"{s} Ir/req" for s in servers) + " | " + " | ".join(f"{s} vs {base}" for s in servers[1:]) + " |")
print("|---|" + "---|" * (2 * len(servers) - 1))
for rt in routes:
    cells = [f"{val.get((rt, s), 0):,}" for s in servers]
    cells += [f"{val[(rt, s)] / val[(rt, base)]:.3f}" if (rt, s) in val and (rt, base) in val else "-" for s in servers[1:]]
    print(f"| {rt} | " + " | ".join(cells) + " |")
EOF
log "raw in $RES"
