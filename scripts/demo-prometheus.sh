#!/usr/bin/env bash
# A local Prometheus holding a trace CSV's traffic, to try `autoscale trace` on (the README's
# walk-through; docs/formats.md shows a session). The CSV's requests per minute become the counter
# http_requests_total{job="shop"}, sampled every 15 s and moved by whole weeks to start near
# FIRST_DAY (so weekdays stay weekdays), backfilled with promtool into DIR/data and served on
# 127.0.0.1:PORT with its own data directory, until `kill $(cat DIR/prometheus.pid)`.
#
#   scripts/demo-prometheus.sh TRACE.csv DIR PORT [FIRST_DAY=2024-06-01]
#
# Needs Debian's prometheus package (promtool, prometheus) and python3.
set -euo pipefail
if [[ $# -lt 3 || $# -gt 4 ]]; then
  echo "usage: $0 TRACE.csv DIR PORT [FIRST_DAY=2024-06-01]" >&2
  exit 2
fi
trace=$1 dir=$2 port=$3 first_day=${4:-2024-06-01}
for tool in promtool prometheus python3; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is not installed (apt-get install prometheus python3)" >&2; exit 1; }
done
[[ -r $trace ]] || { echo "$0: cannot read $trace" >&2; exit 1; }
if [[ -e $dir/data ]]; then echo "$0: $dir/data exists; remove it or pick another DIR" >&2; exit 1; fi
mkdir -p "$dir"

python3 - "$trace" "$first_day" >"$dir/requests.om" <<'EOF'
import csv, datetime, sys
path, first_day = sys.argv[1], datetime.date.fromisoformat(sys.argv[2])
rows = []
with open(path, newline="") as f:
    for row in csv.DictReader(line for line in f if not line.startswith("#")):
        rows.append((datetime.datetime.fromisoformat(row["timestamp"]), float(row["requests"])))
if not rows:
    sys.exit(f"{path}: no rows")
weeks = round((first_day - rows[0][0].astimezone(datetime.timezone.utc).date()).days / 7)
shift = datetime.timedelta(weeks=weeks)
print("# TYPE http_requests_total counter")
total = 0.0
for when, count in rows:
    start = int((when + shift).timestamp())
    for k in range(1, 5):  # the minute's requests spread over four 15 s scrapes
        total += count / 4
        print(f'http_requests_total{{job="shop"}} {total:.2f} {start + 15 * k}')
print("# EOF")
first, last = rows[0][0] + shift, rows[-1][0] + shift
utc = datetime.timezone.utc
print(f"series from {first.astimezone(utc):%Y-%m-%dT%H:%M:%SZ} to {last.astimezone(utc):%Y-%m-%dT%H:%M:%SZ}", file=sys.stderr)
EOF
promtool tsdb create-blocks-from openmetrics "$dir/requests.om" "$dir/data" >"$dir/promtool.log" 2>&1 ||
  { cat "$dir/promtool.log" >&2; exit 1; }
printf 'global:\n  scrape_interval: 15s\nscrape_configs: []\n' >"$dir/prometheus.yml"
# Loopback only; a long retention keeps the backfilled (old) blocks from being deleted at once.
prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
  --storage.tsdb.retention.time=100y --web.listen-address="127.0.0.1:$port" >"$dir/prometheus.log" 2>&1 &
echo $! >"$dir/prometheus.pid"
for _ in $(seq 100); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
       "http://127.0.0.1:$port/-/ready" 2>/dev/null; then
    echo "prometheus on http://127.0.0.1:$port (pid $(cat "$dir/prometheus.pid"), log $dir/prometheus.log)"
    exit 0
  fi
  kill -0 "$(cat "$dir/prometheus.pid")" 2>/dev/null || { cat "$dir/prometheus.log" >&2; exit 1; }
  sleep 0.2
done
echo "$0: prometheus did not become ready; see $dir/prometheus.log" >&2
exit 1
