#!/usr/bin/env bash
# Load benchmark of KEDA's external scaler (gRPC GetMetrics, as KEDA polls it) next to the HTTP
# stateful API of the same server, in the same run:
#
#   bench/keda_bench.sh [seconds per run, default 10] [connections, default 4] [rounds, default 3]
#
# One `autoscale serve --keda-port` process serves a classical policy from a .spec file (the
# reads below do not run the policy; the POST does, a classical one is the cheapest). Per round,
# in turn so that load from elsewhere on a shared machine falls on all alike:
#   - gRPC GetMetrics for one service: build/release/autoscale_keda_load, one HTTP/2 connection
#     per client thread, one call in flight on each (as wrk keeps one request in flight);
#   - GET /v1/services/{id} (wrk): the HTTP read of the same decision;
#   - POST /v1/services/{id}/metrics (wrk, as bench/serve_bench.sh: one service per thread,
#     minutes in order): the stateful route, which also applies a minute and decides.
# The summary gives each target's median round and the median per-round ratios gRPC / HTTP.
#
# Needs a release build (cmake --build --preset release builds autoscale_keda_load too) and wrk
# (apt-get install wrk). Everything listens on 127.0.0.1 and is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
CONNS=${2:-4}
ROUNDS=${3:-3}
BIN=build/release/autoscale
LOAD=build/release/autoscale_keda_load
command -v wrk >/dev/null || { echo "keda_bench: needs wrk (apt-get install wrk)" >&2; exit 2; }
for b in "$BIN" "$LOAD"; do
  [ -x "$b" ] || { echo "keda_bench: build first: cmake --preset release && cmake --build --preset release ($b)" >&2; exit 2; }
done

BENCH_NAME=keda-bench
source bench/lib.sh

printf '# a classical policy as `run` deploys it\nhpa:target=0.7,tolerance=0.05\n' > "$WORK/deployed.spec"
PORT=$(free_port)
KEDA_PORT=$(free_port)
"$BIN" serve --model "$WORK/deployed.spec" --port "$PORT" --keda-port "$KEDA_PORT" --threads "${SERVE_THREADS:-2}" \
  --no-fsync --log-level info 2>>"$WORK/serve.log" &
PIDS+=($!)
SERVE_PID=$!
wait_http "http://127.0.0.1:$PORT/ping"
for m in 0 1 2; do  # the service KEDA's ScaledObject names, with a decision
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/v1/services/bench/metrics" -H 'Content-Type: application/json' \
    -d "{\"timestamp\": $((1700000040 + 60 * m)), \"load\": 9000, \"failed\": 0, \"active\": 40, \"warming\": 0}"
done

cpu_ticks() { for p in "$@"; do cut -d' ' -f14,15 "/proc/$p/stat"; done | awk '{s += $1 + $2} END {print s}'; }
TICK=$(getconf CLK_TCK)
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

us() { awk -v t="$1" 'BEGIN { f = 1; if (t ~ /us$/) { sub(/us$/, "", t) } else if (t ~ /ms$/) { sub(/ms$/, "", t); f = 1e3 } else if (t ~ /s$/) { sub(/s$/, "", t); f = 1e6 }; printf "%.0f", t * f }'; }
row() {  # key name rps p50 p90 p99 failed before after
  local cpu
  cpu=$(awk -v d=$(($9 - $8)) -v tick="$TICK" -v rps="$3" -v secs="$SECS" 'BEGIN {printf "%.1f", d / tick * 1e6 / (rps * secs)}')
  printf '%-34s %10s %9s %9s %9s %7s %10s\n' "$2" "$3" "$4" "$5" "$6" "$7" "$cpu"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$cpu" >> "$WORK/rows.tsv"
}
run_wrk() {  # key name url threads conns [script]
  local key=$1 name=$2 url=$3 t=$4 c=$5 script=${6:-} out before after
  before=$(cpu_ticks "$SERVE_PID")
  out=$(wrk -t"$t" -c"$c" -d"${SECS}s" --latency ${script:+-s "$script"} "$url" -- "$ROUND")
  after=$(cpu_ticks "$SERVE_PID")
  local rps p50 p90 p99 non2xx sockerr
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(us "$(awk '$1=="50%" {print $2}' <<<"$out")")
  p90=$(us "$(awk '$1=="90%" {print $2}' <<<"$out")")
  p99=$(us "$(awk '$1=="99%" {print $2}' <<<"$out")")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  sockerr=$(awk '/Socket errors/ {s=0; for (i=1;i<=NF;i++) if ($i ~ /^[0-9]+,?$/) s+=$i; print s}' <<<"$out")
  row "$key" "$name" "$rps" "$p50" "$p90" "$p99" $(( ${non2xx:-0} + ${sockerr:-0} )) "$before" "$after"
}
run_grpc() {
  local before after out
  before=$(cpu_ticks "$SERVE_PID")
  out=$("$LOAD" "127.0.0.1:$KEDA_PORT" bench "$SECS" "$CONNS")
  after=$(cpu_ticks "$SERVE_PID")
  # shellcheck disable=SC2086
  row grpc "gRPC GetMetrics (KEDA poll)" $out "$before" "$after"
}

echo "KEDA gRPC scaler vs the HTTP stateful API, one server, $(nproc) cores: ${SECS}s per run, $CONNS connections, $ROUNDS rounds, $(date -u +%FT%TZ)"
printf '%-34s %10s %9s %9s %9s %7s %10s\n' "target" "req/s" "p50 us" "p90 us" "p99 us" "failed" "cpu us/req"
for ROUND in $(seq 1 "$ROUNDS"); do
  run_grpc
  run_wrk get "GET /v1/services/{id}" "http://127.0.0.1:$PORT/v1/services/bench" 1 "$CONNS"
  run_wrk post "POST .../metrics (memory)" "http://127.0.0.1:$PORT/" 2 2 "$WORK/stateful.lua"
done
python3 - "$WORK/rows.tsv" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
by = {}
for key, name, rps, p50, p90, p99, failed, cpu in rows:
    by.setdefault(key, []).append((float(rps), float(p50), float(p90), float(p99), int(failed), name, float(cpu)))
print("\nmedian over rounds (failed: total):")
print(f"{'target':34s} {'req/s':>10s} {'p50 us':>9s} {'p90 us':>9s} {'p99 us':>9s} {'failed':>7s} {'cpu us/req':>10s}")
for key, r in by.items():
    print(f"{r[0][5]:34s} {statistics.median(x[0] for x in r):10.0f} {statistics.median(x[1] for x in r):9.0f} "
          f"{statistics.median(x[2] for x in r):9.0f} {statistics.median(x[3] for x in r):9.0f} {sum(x[4] for x in r):7d} "
          f"{statistics.median(x[6] for x in r):10.1f}")
for other in ("get", "post"):
    t = [g[0] / h[0] for g, h in zip(by["grpc"], by[other])]
    p = [g[3] / h[3] for g, h in zip(by["grpc"], by[other])]
    print(f"gRPC / {by[other][0][5]}: throughput {statistics.median(t):.2f} (rounds " + ", ".join(f"{x:.2f}" for x in t) +
          f"), p99 {statistics.median(p):.2f}")
PY
grep -q '"status":5' "$WORK/serve.log" && echo "the server logged 5xx answers" || true
