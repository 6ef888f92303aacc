#!/usr/bin/env bash
# compare.sh — run each server in turn, pinned to one CPU, drive the same
# routes with wrk pinned to another CPU, and print route x server req/s and p99
# with ratios against the baseline server. Loopback (127.0.0.1) only; every
# load run is bounded by DURATION.
#
# Usage:
#   ./compare.sh                                  # servers from servers.conf
#   ./compare.sh --server 'NAME|PORT|COMMAND' ... # these servers instead
#   ./compare.sh --servers-file FILE
#   ./compare.sh --only ref-axum,secure_api       # a subset of the file's servers
#
# Environment (defaults in brackets):
#   DURATION [10]      seconds of measured load per route and run
#   WARMUP [2]         seconds of unrecorded load per route before measuring
#   RUNS [1]           measured runs per route each time a server is up
#   ROUNDS [1]         times the whole server list is run (A B C A B C ...),
#                      restarting each server, so slow drift of the machine
#                      hits every server alike; the table shows the median
#                      over ROUNDS x RUNS
#   THREADS [2]        wrk threads
#   CONNECTIONS [64]   wrk connections
#   SERVER_CPU [0]     CPU the server is pinned to
#   LOAD_CPU [1]       CPU wrk is pinned to
#   BASELINE [ref-axum]  server the ratios are against
#   ROUTES [health users_me admin_stats items_get items_post]
#   JWT_SECRET         secret given to every server [a fixed bench-only value]
#   CHECK [1]          run check.sh against each server before loading it
#   SERVER_STDOUT [/dev/null]  where server stdout (JSON logs) goes; a file
#                      here grows by ~100 bytes per log line
#   STARTUP_TIMEOUT [60] seconds to wait for GET /health after start
#   RESULTS_DIR [results/<UTC timestamp>]
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE"
if [ ! -w "$HERE" ]; then
  echo "$(basename "$0"): $HERE is not writable (results/ is written here)" >&2
  exit 2
fi

DURATION=${DURATION:-10}; WARMUP=${WARMUP:-2}; RUNS=${RUNS:-1}; ROUNDS=${ROUNDS:-1}
THREADS=${THREADS:-2}; CONNECTIONS=${CONNECTIONS:-64}
SERVER_CPU=${SERVER_CPU:-0}; LOAD_CPU=${LOAD_CPU:-1}
BASELINE=${BASELINE:-ref-axum}
ROUTES=${ROUTES:-"health users_me admin_stats items_get items_post"}
export JWT_SECRET=${JWT_SECRET:-bench-only-secret-0123456789abcdef-0123456789}
CHECK=${CHECK:-1}
SERVER_STDOUT=${SERVER_STDOUT:-/dev/null}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-60}
PY=${PYTHON:-python3}

servers=(); servers_file=servers.conf; only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --server) servers+=("$2"); shift 2 ;;
    --servers-file) servers_file=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ ${#servers[@]} -eq 0 ]; then
  while IFS= read -r line; do
    [[ -z "${line//[[:space:]]/}" || "$line" =~ ^[[:space:]]*# ]] && continue
    name=${line%%|*}
    if [ -n "$only" ] && [[ ",$only," != *",$name,"* ]]; then continue; fi
    servers+=("$line")
  done < "$servers_file"
fi
[ ${#servers[@]} -gt 0 ] || { echo "compare.sh: no servers" >&2; exit 2; }

for tool in wrk taskset curl "$PY"; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool not found (apt-get install -y wrk util-linux curl)" >&2; exit 2; }
done
[ "$DURATION" -ge 1 ] && [ "$DURATION" -le 120 ] || { echo "DURATION must be 1..120" >&2; exit 2; }
[ "$RUNS" -ge 1 ] && [ "$RUNS" -le 10 ] || { echo "RUNS must be 1..10" >&2; exit 2; }
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 10 ] || { echo "ROUNDS must be 1..10" >&2; exit 2; }

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RES=${RESULTS_DIR:-results/$STAMP}
mkdir -p "$RES/raw"
ln -sfn "$(basename "$RES")" results/latest 2>/dev/null || true
SUMMARY=$RES/summary.jsonl; : > "$SUMMARY"

log() { echo "[compare $(date +%H:%M:%S)] $*" >&2; }

# route table: name -> method path token-role body
POST_BODY='{"name":"Gadget","email":"alice@example.com","tags":["blue","new"]}'
route_spec() {
  case "$1" in
    health)      echo "GET /health - 200" ;;
    users_me)    echo "GET /users/me alice 200" ;;
    admin_stats) echo "GET /admin/stats admin 200" ;;
    items_get)   echo "GET /items/1 alice 200" ;;
    items_post)  echo "POST /items alice 201" ;;
    *) echo "compare.sh: unknown route $1" >&2; return 1 ;;
  esac
}

# the /proc/stat lines of the two CPUs in use, joined with ';' (busy and steal %)
cpu_lines() { grep -E "^cpu($SERVER_CPU|$LOAD_CPU) " /proc/stat | paste -sd ';'; }
# CPU seconds (user+sys, all threads) the process has used so far
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
CLK_TCK=$(getconf CLK_TCK)

{
  echo "{"
  echo "\"stamp\":\"$STAMP\",\"duration_s\":$DURATION,\"warmup_s\":$WARMUP,\"runs\":$RUNS,\"rounds\":$ROUNDS,"
  echo "\"threads\":$THREADS,\"connections\":$CONNECTIONS,\"server_cpu\":$SERVER_CPU,\"load_cpu\":$LOAD_CPU,"
  echo "\"baseline\":\"$BASELINE\",\"kernel\":\"$(uname -r)\","
  echo "\"cpu\":\"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')\",\"nproc\":$(nproc),"
  echo "\"wrk\":\"$(wrk -v 2>&1 | head -1 | sed 's/"/\\"/g')\""
  echo "}"
} > "$RES/meta.json"
printf '%s\n' "${servers[@]}" > "$RES/servers.txt"

SERVER_PID=""
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM -- "-$SERVER_PID" 2>/dev/null || kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      log "server $SERVER_PID did not stop on TERM; sending KILL"
      kill -KILL -- "-$SERVER_PID" 2>/dev/null || kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT TERM

# mint USER PASS -> access_token via POST /token (retries once on 429)
mint() {
  local port=$1 user=$2 pass=$3 out tries=0
  while [ $tries -lt 3 ]; do
    out=$(curl -sS -m 5 -D "$RES/raw/token-hdr.txt" -X POST "http://127.0.0.1:$port/token" \
            --data-urlencode "grant_type=password" --data-urlencode "username=$user" --data-urlencode "password=$pass") || true
    if grep -q '^HTTP/[0-9.]* 429' "$RES/raw/token-hdr.txt"; then
      local ra; ra=$(grep -i '^retry-after:' "$RES/raw/token-hdr.txt" | tr -dc 0-9); ra=${ra:-60}
      [ "$ra" -gt 65 ] && ra=65
      log "POST /token rate-limited; waiting ${ra}s"; sleep "$ra"; tries=$((tries+1)); continue
    fi
    printf '%s' "$out" | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
assert j["token_type"].lower() == "bearer" and j["expires_in"] == 3600, j
print(j["access_token"])'
    return
  done
  return 1
}

for round in $(seq 1 "$ROUNDS"); do
for entry in "${servers[@]}"; do
  name=${entry%%|*}; rest=${entry#*|}; port=${rest%%|*}; cmd=${rest#*|}
  [[ "$port" =~ ^[0-9]+$ ]] || { log "bad port in '$entry'"; exit 2; }
  log "=== round $round/$ROUNDS: $name on 127.0.0.1:$port (server CPU $SERVER_CPU, load CPU $LOAD_CPU)"
  if curl -s -m 1 -o /dev/null "http://127.0.0.1:$port/health"; then
    log "port $port already answers: refusing to benchmark an unknown server"; exit 1
  fi
  PORT=$port SECURE_API_ADDR=127.0.0.1:$port TOKIO_WORKER_THREADS=1 \
    setsid taskset -c "$SERVER_CPU" bash -c "$cmd" > "$SERVER_STDOUT" 2> "$RES/$name.round$round.stderr" &
  SERVER_PID=$!
  up=0
  for _ in $(seq 1 $((STARTUP_TIMEOUT * 5))); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    if [ "$(curl -s -m 1 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")" = 200 ]; then up=1; break; fi
    sleep 0.2
  done
  if [ $up != 1 ]; then
    log "$name did not come up; stderr:"; tail -20 "$RES/$name.round$round.stderr" >&2; stop_server; exit 1
  fi
  # the process that answers must be ours, and pinned
  affinity=$(taskset -pc "$SERVER_PID" | sed 's/.*: //')
  nthreads=$(ls "/proc/$SERVER_PID/task" | wc -l)
  log "$name up: pid $SERVER_PID, affinity $affinity, $nthreads threads"

  TOKEN_ADMIN=$(mint "$port" admin admin-pass); TOKEN_ALICE=$(mint "$port" alice alice-pass)
  TOKEN_GUEST=$(mint "$port" guest guest-pass)
  check_status=skipped
  if [ "$CHECK" = 1 ]; then
    if TOKEN_ADMIN=$TOKEN_ADMIN TOKEN_ALICE=$TOKEN_ALICE TOKEN_GUEST=$TOKEN_GUEST \
         ./check.sh "http://127.0.0.1:$port" > "$RES/$name.round$round.check.txt" 2>&1; then
      check_status=pass
    else
      check_status=fail
    fi
    log "$name contract checks: $(tail -1 "$RES/$name.round$round.check.txt")"
  fi

  # GET /items/1 must find an item: ref-axum and ref-fastapi seed it, the
  # showcase starts empty, so one POST /items creates it where it is missing.
  if [ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN_ALICE" \
          "http://127.0.0.1:$port/items/1")" = 404 ]; then
    seeded=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN_ALICE" \
               -H 'Content-Type: application/json' --data "$POST_BODY" "http://127.0.0.1:$port/items" || true)
    log "$name: item 1 was missing; POST /items gave $seeded"
  fi

  for route in $ROUTES; do
    read -r method path role want <<<"$(route_spec "$route")"
    case $role in admin) tok=$TOKEN_ADMIN ;; alice) tok=$TOKEN_ALICE ;; guest) tok=$TOKEN_GUEST ;; *) tok="" ;; esac
    body=""; [ "$method" = POST ] && body=$POST_BODY
    # pre-flight: one request must give the expected status
    pre=(curl -s -m 5 -o "$RES/raw/$name.$route.preflight.body" -w '%{http_code}' -X "$method")
    [ -n "$tok" ] && pre+=(-H "Authorization: Bearer $tok")
    [ -n "$body" ] && pre+=(-H 'Content-Type: application/json' --data "$body")
    got=$("${pre[@]}" "http://127.0.0.1:$port$path" || true)
    if [ "$got" != "$want" ]; then log "$name $route pre-flight gave $got, want $want"; fi
    export BENCH_METHOD=$method BENCH_TOKEN=$tok BENCH_BODY=$body
    if [ "$WARMUP" -gt 0 ]; then
      BENCH_OUT=/dev/null taskset -c "$LOAD_CPU" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" \
        -s lua/bench.lua "http://127.0.0.1:$port$path" > /dev/null 2>&1 || true
    fi
    for run in $(seq 1 "$RUNS"); do
      out=$RES/raw/$name.$route.round$round.run$run
      "$PY" procstat.py snap "$out.procs0.json"
      c0=$(cpu_ticks "$SERVER_PID"); t0=$(date +%s.%N); st0=$(cpu_lines)
      BENCH_OUT=$out.json taskset -c "$LOAD_CPU" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" \
        --latency -s lua/bench.lua "http://127.0.0.1:$port$path" > "$out.txt" 2>&1 || true
      c1=$(cpu_ticks "$SERVER_PID"); t1=$(date +%s.%N); st1=$(cpu_lines)
      "$PY" procstat.py snap "$out.procs1.json"
      foreign=$("$PY" procstat.py foreign "$out.procs0.json" "$out.procs1.json" "$SERVER_PID" \
                  "$(echo "$t1 - $t0" | bc -l 2>/dev/null || "$PY" -c "print($t1 - $t0)")")
      rm -f "$out.procs0.json" "$out.procs1.json"
      rss_kb=$(awk '/^VmRSS/{print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)
      if [ ! -s "$out.json" ]; then log "$name $route run $run: wrk wrote no summary (see $out.txt)"; continue; fi
      "$PY" - "$out.json" "$name" "$route" "$run" "$method" "$path" "$want" "$got" "$c0" "$c1" "$t0" "$t1" \
            "$CLK_TCK" "$rss_kb" "$check_status" "$affinity" "$round" "$st0" "$st1" "$foreign" >> "$SUMMARY" <<'EOF'
import json, sys
(f, name, route, run, method, path, want, got, c0, c1, t0, t1, tck, rss, check, aff, rnd, st0, st1, foreign) = sys.argv[1:]
def cpus(block):  # "cpuN user nice system idle iowait irq softirq steal ..." lines
    out = {}
    for line in block.split(";"):
        p = line.split()
        if p:
            v = [int(x) for x in p[1:9]]
            out[p[0]] = (sum(v), v[3] + v[4], v[7])  # total, idle+iowait, steal
    return out
a, b = cpus(st0), cpus(st1)
cpu_stats = {}
for k in a:
    tot = b[k][0] - a[k][0] or 1
    cpu_stats[k] = {"busy_pct": round(100.0 * (tot - (b[k][1] - a[k][1])) / tot, 1),
                    "steal_pct": round(100.0 * (b[k][2] - a[k][2]) / tot, 1)}
j = json.load(open(f))
wall = float(t1) - float(t0)
j.update(server=name, route=route, round=int(rnd), run=int(run), method=method, path=path, want=int(want),
         preflight=int(got) if got.isdigit() else 0,
         rps=j["requests"] / (j["duration_us"] / 1e6),
         server_cpu_pct=100.0 * (float(c1) - float(c0)) / float(tck) / wall if wall > 0 else 0.0,
         server_rss_mb=int(rss) / 1024.0, check=check, affinity=aff, cpus=cpu_stats, **json.loads(foreign))
print(json.dumps(j))
e = sum(j[k] for k in ("errors_status", "errors_connect", "errors_read", "errors_write", "errors_timeout"))
steal = max((c["steal_pct"] for c in cpu_stats.values()), default=0.0)
print(f"[compare] {name:<14} {route:<12} round {rnd} run {run}: {j['rps']:>10.0f} req/s  p50 {j['p50_us']/1000:.2f} ms  "
      f"p99 {j['p99_us']/1000:.2f} ms  server CPU {j['server_cpu_pct']:.0f}%  steal {steal:.1f}%  "
      f"other processes {j['foreign_cpu_pct']:.0f}% {' '.join(j['foreign_top'])}  errors {e}", file=sys.stderr)
EOF
    done
  done
  stop_server
done
done
trap - EXIT INT TERM

"$PY" report.py "$RES" --baseline "$BASELINE" | tee "$RES/table.md"
log "raw results in $RES"
