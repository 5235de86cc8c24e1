#!/usr/bin/env bash
# Load benchmark of `autoscale serve` against nginx serving a static 200 on the same machine, in
# the same run, with the same wrk settings: nginx is the practical ceiling for HTTP on this box.
#
#   bench/serve_bench.sh [seconds per run, default 10] [connections, default 4] [rounds, default 3]
#
# The targets run in turn, round after round, so that load from elsewhere on a shared machine
# falls on all of them alike; the summary gives each target's median round and the median of the
# per-round ratios. nginx gets the same POST request as /invocations (its answer is a fixed body).
#
# Needs a release build (cmake --preset release && cmake --build --preset release) and, from
# Debian: apt-get install wrk nginx-light. Everything listens on 127.0.0.1 only and is stopped at
# the end. Prints one row per target: requests/s, latency percentiles, failed requests, the
# server's CPU time per request, and the ratio of /invocations to nginx.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
CONNS=${2:-4}
ROUNDS=${3:-3}
BIN=build/release/autoscale
for tool in wrk nginx; do
  command -v "$tool" >/dev/null || { echo "serve_bench: needs $tool (apt-get install wrk nginx-light)" >&2; exit 2; }
done
[ -x "$BIN" ] || { echo "serve_bench: build first: cmake --preset release && cmake --build --preset release" >&2; exit 2; }

BENCH_NAME=serve-bench
source bench/lib.sh

# A model as `autoscale train --preset seed` writes it (its default network; 25-float observations).
"$BIN" train --preset seed --steps 20000 --threads 1 --out "$WORK/model" >/dev/null 2>&1
MODEL="$WORK/model/model"

# nginx: a static 200 with a JSON body of the size /invocations answers.
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx"
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { default_type application/json; return 200 '{"predictions":[{"add":0,"choice":[0,3],"remove":3}],"model":{"checksum":"fnv1a64:0123456789abcdef","name":"default"}}\n'; }
  }
}
CONF
nginx -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
NGINX_PID=$!
PIDS+=($NGINX_PID)

start_server() {  # $1 = port, rest = extra flags
  local port=$1; shift
  "$BIN" serve --model "$MODEL" --port "$port" --threads "${SERVE_THREADS:-2}" "$@" 2>>"$WORK/serve.log" &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$port/ping"
}
SERVE_PORT=$(free_port)
start_server "$SERVE_PORT" --log-level info
SERVE_PID=${PIDS[-1]}
MEM_PORT=$(free_port)
start_server "$MEM_PORT" --log-level info
MEM_PID=${PIDS[-1]}
DISK_PORT=$(free_port)
start_server "$DISK_PORT" --log-level info --state-dir "$WORK/state"
DISK_PID=${PIDS[-1]}
wait_http "http://127.0.0.1:$NGINX_PORT/"
NGINX_PIDS="$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')"

# CPU time (user + system, clock ticks) of processes, all their threads included: the server's
# cost per request, which load from elsewhere on the machine changes far less than throughput.
cpu_ticks() { for p in "$@"; do cut -d' ' -f14,15 "/proc/$p/stat"; done | awk '{s += $1 + $2} END {print s}'; }
TICK=$(getconf CLK_TCK)

OBS='[0.09,0.1,1,0.2,0.09,0.1,0,0.2,0.08,0.09,0,0.2,0.05,0.05,0,0.13,0.01,0.01,0,0.03,0,0,0.1,0,0.2]'
cat > "$WORK/invocations.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"observation": $OBS}'
LUA
# One service per wrk thread (one connection each), its minutes in order, so no request is a
# conflict: the stateful route runs with -t = -c.
cat > "$WORK/stateful.lua" <<'LUA'
local n = 0
function setup(thread) n = n + 1; thread:set("id", n) end
function init(args) minute = 0; path = "/v1/services/bench-" .. args[1] .. "-" .. id .. "/metrics" end
function request()
  minute = minute + 1
  local body = string.format('{"timestamp": %d, "load": %d, "failed": 0, "active": 40, "warming": %d}',
                             1700000040 + 60 * minute, 9000 + (minute % 1440) * 5, minute % 3)
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end
LUA

# run KEY NAME "PIDS" URL THREADS CONNS [script]: prints "name rps p50 p90 p99 failed cpu" and keeps the row
run() {
  local key=$1 name=$2 pids=$3 url=$4 t=$5 c=$6 script=${7:-}
  local out before after
  # shellcheck disable=SC2086
  before=$(cpu_ticks $pids)
  out=$(wrk -t"$t" -c"$c" -d"${SECS}s" --latency ${script:+-s "$script"} "$url" -- "$ROUND")
  # shellcheck disable=SC2086
  after=$(cpu_ticks $pids)
  local rps p50 p90 p99 non2xx sockerr failed
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p90=$(awk '$1=="90%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  sockerr=$(awk '/Socket errors/ {s=0; for (i=1;i<=NF;i++) if ($i ~ /^[0-9]+,?$/) s+=$i; print s}' <<<"$out")
  failed=$(( ${non2xx:-0} + ${sockerr:-0} ))
  [ "$failed" -gt 0 ] && grep -E "Non-2xx|Socket errors" <<<"$out" | sed "s/^/  $name: /" >&2
  local cpu_us
  cpu_us=$(awk -v d=$((after - before)) -v tick="$TICK" -v rps="$rps" -v secs="$SECS" 'BEGIN {printf "%.1f", d / tick * 1e6 / (rps * secs)}')
  printf '%-36s %10s %9s %9s %9s %7s %8s\n' "$name" "$rps" "$p50" "$p90" "$p99" "$failed" "$cpu_us"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "$name" "$rps" "$p50" "$p90" "$p99" "$failed" "$cpu_us" >> "$WORK/rows.tsv"
}

echo "autoscale serve vs nginx on $(nproc) cores: wrk ${SECS}s per run, $CONNS connections, $ROUNDS rounds, $(date -u +%FT%TZ)"
echo "(/invocations: the seed preset's 25-float observation; the stateful route: one service per wrk thread, minutes in order)"
printf '%-36s %10s %9s %9s %9s %7s %8s\n' "target" "req/s" "p50" "p90" "p99" "failed" "cpu us/req"
for ROUND in $(seq 1 "$ROUNDS"); do
  run nginx "nginx static 200 (same POST)" "$NGINX_PIDS" "http://127.0.0.1:$NGINX_PORT/" 1 "$CONNS" "$WORK/invocations.lua"
  run invocations "POST /invocations" "$SERVE_PID" "http://127.0.0.1:$SERVE_PORT/invocations" 1 "$CONNS" "$WORK/invocations.lua"
  run memory "POST .../metrics (memory)" "$MEM_PID" "http://127.0.0.1:$MEM_PORT/" 2 2 "$WORK/stateful.lua"
  run disk "POST .../metrics (--state-dir)" "$DISK_PID" "http://127.0.0.1:$DISK_PORT/" 2 2 "$WORK/stateful.lua"
done
python3 - "$WORK/rows.tsv" <<'PY'
import statistics, sys
def us(t):
    for suffix, f in (("us", 1), ("ms", 1e3), ("s", 1e6)):
        if t.endswith(suffix):
            return float(t[: -len(suffix)]) * f
    return float(t)
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
by = {}
for key, name, rps, p50, p90, p99, failed, cpu in rows:
    by.setdefault(key, []).append((float(rps), us(p50), us(p90), us(p99), int(failed), name, float(cpu)))
print("\nmedian over rounds (failed: total):")
print(f"{'target':36s} {'req/s':>10s} {'p50 us':>9s} {'p90 us':>9s} {'p99 us':>9s} {'failed':>7s} {'cpu us/req':>10s}")
for key, r in by.items():
    print(f"{r[0][5]:36s} {statistics.median(x[0] for x in r):10.0f} {statistics.median(x[1] for x in r):9.0f} "
          f"{statistics.median(x[2] for x in r):9.0f} {statistics.median(x[3] for x in r):9.0f} {sum(x[4] for x in r):7d} "
          f"{statistics.median(x[6] for x in r):10.1f}")
ratios = [i[0] / n[0] for i, n in zip(by["invocations"], by["nginx"])]
print("/invocations / nginx throughput per round: " + ", ".join(f"{x:.2f}" for x in ratios) +
      f"; median {statistics.median(ratios):.2f}")
PY
grep -q '"status":5' "$WORK/serve.log" && echo "the server logged 5xx answers" || true
