#!/usr/bin/env bash
# A fleet on a real single-node Slurm (Debian's slurm-wlm and munge), started here on loopback with
# its own config, state and munge key: deploy/slurm/submit-fleet.sh runs a 4-service manifest as a
# job array and the merge job (afterok); submitting again skips every finished task; a cancelled
# task is left unfinished and the next submission completes it.
# Usage: slurm_fleet_test.sh AUTOSCALE_CLI SOURCE_DIR WORK_DIR
set -euo pipefail
cli=$1 src=$2 work=$3
skip() { if [ -n "${CI:-}" ]; then echo "FAIL: $*" >&2; exit 1; fi; echo "SKIP: $*"; exit 0; }
for b in slurmctld slurmd munged sbatch squeue scancel; do command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] || skip "$b is missing (slurm-wlm, munge)"; done
[ "$(id -u)" -eq 0 ] || skip "a single-node Slurm with slurmd needs root here"
PATH=$PATH:/usr/sbin
rm -rf "$work" && mkdir -p "$work"/{state,spool,log,munge/run,fleet}
cd "$work"
pids=()
cleanup() {
  scancel --quiet --full -u root 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f slurmctld.pid ] && kill "$(cat slurmctld.pid)" 2>/dev/null || true
  [ -f slurmd.pid ] && kill "$(cat slurmd.pid)" 2>/dev/null || true
  [ -f munge/munged.pid ] && kill "$(cat munge/munged.pid)" 2>/dev/null || true
}
trap cleanup EXIT

# munge with a key of our own, on a socket of our own.
dd if=/dev/urandom of=munge/munge.key bs=1 count=128 2>/dev/null
chmod 700 munge && chmod 400 munge/munge.key
munged -f --key-file="$work/munge/munge.key" --socket="$work/munge/run/munge.socket" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" --seed-file="$work/munge/seed"

port=$((20000 + ($$ % 20000)))
host=$(hostname)
mem=$(( $(awk '/MemTotal/{print $2}' /proc/meminfo) / 2048 ))
cat > slurm.conf <<CONF
ClusterName=autoscale-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$work/munge/run/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF=$work/slurm.conf
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do sinfo -h -o %t 2>/dev/null | grep -q idle && break; sleep 0.5; done
sinfo -h -o %t | grep -q idle || { tail -20 log/*.log; echo "FAIL: slurm did not come up"; exit 1; }

# Four small services: one week of NASA's trace, tiny budgets.
cat > week.toml <<TOML
name = "nasa-week"
[load]
kind = "trace"
path = "$src/data/traces/nasa_1995_07.csv"
scale_to_p99 = 8800
to = 10080
TOML
printf '[ppo]\npreset = "trace"\nhidden = [8, 8]\n' > small.toml
printf 'service\tscenario\tconfig\tseed\n' > services.tsv
for s in web api search cart; do printf '%s\tweek.toml\tsmall.toml\t-\n' "$s" >> services.tsv; done
export FLEET_MANIFEST=$work/services.tsv FLEET_OUT=$work/fleet AUTOSCALE=$cli
export FLEET_RUN_OPTIONS="--steps 4096 --episodes 3 --tune-budget 2 --tune-episodes 2 --history-minutes 60 --episode-minutes 120"

wait_for_queue() {  # until no job of ours is pending or running
  for _ in $(seq 600); do [ -z "$(squeue -h 2>/dev/null)" ] && return 0; sleep 0.5; done
  echo "FAIL: jobs still queued"; squeue; exit 1
}
fail() { echo "FAIL: $*"; ls -la "$work" "$work/fleet" || true; tail -30 "$work"/*.out 2>/dev/null || true; exit 1; }

"$src/deploy/slurm/submit-fleet.sh"
wait_for_queue
[ -f fleet/fleet.json ] || fail "the merge job wrote no fleet.json"
python3 - "$work/fleet/fleet.json" <<'PY' || fail "fleet.json"
import json, sys
f = json.load(open(sys.argv[1]))
assert f["tasks"] == 4 and f["done"] == 4, f
assert all(s["state"] == "done" and "deployed_vs_baseline" in s["verdict"] for s in f["services"]), f
PY
stamp=$(stat -c %Y fleet/web/evaluation.json)

# Submitted again: every task is skipped.
rm -f autoscale-fleet-*.out
"$src/deploy/slurm/submit-fleet.sh"
wait_for_queue
[ "$(grep -l 'done already' autoscale-fleet-*.out | wc -l)" -eq 4 ] || fail "a finished task ran again"
[ "$(stat -c %Y fleet/web/evaluation.json)" = "$stamp" ] || fail "a skipped task rewrote its results"

# A cancelled task: 'cart' again with a long training run, cancelled while it trains.
rm -rf fleet/cart
FLEET_RUN_OPTIONS="${FLEET_RUN_OPTIONS/--steps 4096/--steps 50000000}" "$src/deploy/slurm/submit-fleet.sh"
for _ in $(seq 240); do [ -f fleet/cart/progress.csv ] && break; sleep 0.5; done
[ -d fleet/cart ] || fail "the cart task never started"
scancel --full -u root
wait_for_queue
[ ! -f fleet/cart/fleet-task.json ] || fail "a cancelled task was marked done"
"$cli" fleet plan --manifest services.tsv --out fleet | grep -q '| 3 | cart | .* | started |' || fail "plan does not show cart as started"
"$src/deploy/slurm/submit-fleet.sh"
wait_for_queue
[ -f fleet/cart/fleet-task.json ] || fail "the resubmitted task did not finish"
"$cli" fleet merge --manifest services.tsv --out fleet | grep -q '4 of 4 tasks done' || fail "merge after the resume"
echo "PASS: a 4-service fleet on a real Slurm: array + afterok merge, resubmission skips, a cancelled task resumes"
