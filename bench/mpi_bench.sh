#!/usr/bin/env bash
# Data-parallel training on this machine: training steps/s at R = 1 and 2 MPI ranks, and the cost
# of one gradient reduction across ranks, as ratios against R = 1 measured in the same run.
#
#   bench/mpi_bench.sh [steps per training, default 409600] [rounds, default 3]
#
# Every training is `autoscale train --scenario seed --shards 16` at the default preset (16 envs,
# 256-step rollouts, 4 epochs of 4 minibatches, 64-64 networks) without validation or checkpoints,
# so it measures rollout + update + communication. Configurations run in turn, round after round,
# so that load from elsewhere on a shared machine falls on all of them alike; the summary gives each
# one's median round and the median of the per-round ratios to R = 1 (all cores, one rank):
#   unsharded  `train` without --shards (the single-process trainer), all cores
#   R=1        mpirun -np 1, threads = cores
#   R=1/1core  mpirun -np 1, one thread (what each rank of R=2 has)
#   R=2        mpirun -np 2, threads = cores / 2 each
# Then autoscale_mpi_bench (bench/mpi/allreduce_bench.cpp) times one reduction of the default
# model's gradient at R = 1 and 2: the deterministic one the trainer uses (MPI_MAX + int64 fixed
# point MPI_SUM) and a plain float MPI_Allreduce, and the share of an R=1 update's wall time the
# deterministic ones (16 per update) would take. Projections from these: docs/distributed.md.
#
# Needs a release build with MPI (cmake --preset release && cmake --build --preset release
# --target autoscale autoscale_mpi_bench) and mpirun (openmpi-bin).
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${1:-409600}
ROUNDS=${2:-3}
BIN=build/release/autoscale
MB=build/release/autoscale_mpi_bench
command -v mpirun >/dev/null || { echo "mpi_bench: needs mpirun (apt-get install openmpi-bin)" >&2; exit 2; }
for b in "$BIN" "$MB"; do
  [ -x "$b" ] || { echo "mpi_bench: build first: cmake --build --preset release --target autoscale autoscale_mpi_bench" >&2; exit 2; }
done
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_mpi_yield_when_idle=1
BENCH_NAME=mpi_bench
# shellcheck source=bench/lib.sh
. bench/lib.sh
CORES=$(nproc)
HALF=$(( CORES / 2 > 0 ? CORES / 2 : 1 ))
cat > "$WORK/bench.toml" <<'TOML'
[ppo]
preset = "default"
validation_episodes = 0
checkpoint_every_steps = 1000000000
TOML
train=(train --scenario seed --config "$WORK/bench.toml" --steps "$STEPS")
# steps/s of one training: the CLI's last line, "trained N steps in S s (X steps/s); ...".
sps() { "$@" 2>/dev/null | sed -n 's/^trained .* (\([0-9.]*\) steps\/s).*/\1/p'; }
names=(unsharded R=1 R=1/1core R=2)
run_one() {
  case $1 in
    unsharded) sps "$BIN" "${train[@]}" --threads "$CORES" --out "$WORK/u" ;;
    R=1) sps mpirun -np 1 --oversubscribe "$BIN" "${train[@]}" --shards 16 --threads "$CORES" --out "$WORK/r1" ;;
    R=1/1core) sps mpirun -np 1 --oversubscribe "$BIN" "${train[@]}" --shards 16 --threads 1 --out "$WORK/r1c" ;;
    R=2) sps mpirun -np 2 --oversubscribe "$BIN" "${train[@]}" --shards 16 --threads "$HALF" --out "$WORK/r2" ;;
  esac
}
declare -A results ratios
for round in $(seq 1 "$ROUNDS"); do
  for n in "${names[@]}"; do results[$n]+="$(run_one "$n") "; done
done
median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo "# training ${STEPS} steps of seed, --shards 16, default preset; $CORES cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-10s  %10s  %s\n" config "steps/s" "ratio to R=1 (median of per-round ratios)"
read -r -a base <<< "${results[R=1]}"
for n in "${names[@]}"; do
  read -r -a v <<< "${results[$n]}"
  r=""
  for i in "${!v[@]}"; do r+="$(awk -v a="${v[$i]}" -v b="${base[$i]}" 'BEGIN {printf "%.3f", a / b}') "; done
  printf "%-10s  %10.0f  %s\n" "$n" "$(echo "${results[$n]}" | median)" "$(echo "$r" | median)"
done

echo "# one reduction of the default model's gradient (best of 5 batches of 2000)"
r1=$(mpirun -np 1 --oversubscribe "$MB" 2000)
r2=$(mpirun -np 2 --oversubscribe "$MB" 2000)
echo "$r1"
echo "$r2" | tail -n +2
# An R=1 update: 16 * 256 steps at R=1's median steps/s; its 16 minibatches each reduce once.
update_us=$(awk -v s="$(echo "${results[R=1]}" | median)" 'BEGIN {printf "%.0f", 16 * 256 / s * 1e6}')
det2=$(echo "$r2" | awk '$1 == "deterministic_int64" {print $4}')
det1=$(echo "$r1" | awk '$1 == "deterministic_int64" {print $4}')
flt2=$(echo "$r2" | awk '$1 == "plain_float" {print $4}')
awk -v u="$update_us" -v d1="$det1" -v d2="$det2" -v f2="$flt2" 'BEGIN {
  printf "R=1 update (16 x 256 steps): %d us; 16 deterministic reductions at R=2: %.0f us = %.3f of it (at R=1: %.3f)\n", u, 16 * d2, 16 * d2 / u, 16 * d1 / u
  printf "deterministic / plain float reduction at R=2: %.2f\n", d2 / f2
}'
