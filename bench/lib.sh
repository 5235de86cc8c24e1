# Shared by the serving benchmarks (serve_bench.sh, keda_bench.sh): a scratch folder and the
# processes started in it, cleaned up on exit; a free loopback port; waiting for an HTTP endpoint.
# Source it after setting BENCH_NAME (used in messages and the scratch folder's name).
WORK=$(mktemp -d "/tmp/autoscale-${BENCH_NAME}.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 200); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.05; done; echo "$BENCH_NAME: $1 never answered" >&2; exit 1; }
