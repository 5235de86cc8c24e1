#!/usr/bin/env bash
# Data-parallel training under a real mpirun (Open MPI or MPICH), 1, 2 and 4 ranks on 4 shards of
# a tiny run: the model is byte-identical for every rank count and equal to `--shards 4` without
# mpirun; one rank without --shards is the plain trainer; a rank killed mid-run (SIGKILL after update 3, AUTOSCALE_TEST_KILL_RANK) ends the job
# non-zero and `--resume` with another rank count completes it to the same model bytes; a rank
# count that does not divide the shards is refused with status 1.
# Usage: mpi_train_test.sh AUTOSCALE_CLI SOURCE_DIR WORK_DIR MPIEXEC HAVE_MPI
set -euo pipefail
cli=$1 src=$2 work=$3 mpiexec=$4 have_mpi=$5
skip() { if [ -n "${CI:-}" ] && [ "${CI}" != 0 ]; then echo "FAIL: $*" >&2; exit 1; fi; echo "SKIP: $*"; exit 0; }
[ "$have_mpi" = 1 ] || skip "autoscale was built without MPI (libopenmpi-dev or an MPICH was not found)"
command -v "$mpiexec" >/dev/null || skip "$mpiexec is missing (openmpi-bin)"
# Open MPI refuses root unless told; the test may run as root in a container.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Oversubscription: 4 ranks on 2 cores, each yielding while it waits.
export OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_rmaps_base_oversubscribe=1
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

sed 's/^max_time_steps = .*/max_time_steps = 300/' "$src/scenarios/seed.toml" > short.toml
cat > tiny.toml <<'TOML'
[ppo]
preset = "default"
num_envs = 4
rollout_steps = 64
epochs = 2
minibatches = 2
hidden = [16, 16]
validation_episodes = 2
validation_every_steps = 512
checkpoint_every_steps = 256
TOML
train=(train --scenario short.toml --config tiny.toml --seed 3 --steps 2048 --shards 4 --threads 1)
mpi() { local np=$1; shift; "$mpiexec" -np "$np" --oversubscribe "$@"; }

"$cli" "${train[@]}" --out serial > serial.log 2>&1 || { cat serial.log; fail "--shards 4 without mpirun failed"; }
for np in 1 2 4; do
  mpi "$np" "$cli" "${train[@]}" --out "np$np" > "np$np.log" 2>&1 || { cat "np$np.log"; fail "mpirun -np $np failed"; }
  cmp serial/model "np$np/model" || fail "mpirun -np $np trained another model than --shards 4 alone"
  echo "mpirun -np $np: same model ($(sha256sum < "np$np/model" | cut -c1-16))"
done
[ "$(grep -c '' np4/progress.csv)" -eq 9 ] || fail "progress.csv of -np 4 should have a header and 8 rows (rank 0 alone writes it)"

# One rank without --shards is the plain trainer: its model, not a sharded one.
plain=(train --scenario short.toml --config tiny.toml --seed 3 --steps 2048 --threads 1)
"$cli" "${plain[@]}" --out plain > plain.log 2>&1 || { cat plain.log; fail "plain train failed"; }
mpi 1 "$cli" "${plain[@]}" --out plain1 > plain1.log 2>&1 || { cat plain1.log; fail "mpirun -np 1 without --shards failed"; }
cmp plain/model plain1/model || fail "mpirun -np 1 without --shards trained another model than train"
! cmp -s plain/model serial/model || fail "the sharded and the plain trainer gave the same model (is --shards ignored?)"
echo "mpirun -np 1 without --shards: the plain trainer's model"

# A rank lost after update 3: the job ends non-zero, leaving a checkpoint but no model.
set +e
AUTOSCALE_TEST_KILL_RANK=1:3 mpi 2 "$cli" "${train[@]}" --out broken > broken.log 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] || { cat broken.log; fail "the job with a killed rank exited 0"; }
[ -f broken/checkpoint.json ] || fail "no checkpoint before the kill"
[ ! -f broken/model ] || fail "a model was written by a job that lost a rank"
echo "killed rank 1 of 2: job exited $rc"
mpi 4 "$cli" "${train[@]}" --out broken --resume > resumed.log 2>&1 || { cat resumed.log; fail "--resume with -np 4 failed"; }
cmp serial/model broken/model || fail "resumed with -np 4 after a kill at -np 2: another model than uninterrupted"
# progress.csv: rank 0's rows, the same as uninterrupted but for the wall-clock columns (2 and 3).
diff <(cut -d, -f1,4- serial/progress.csv) <(cut -d, -f1,4- broken/progress.csv) >/dev/null ||
  fail "the resumed run's progress.csv differs from the uninterrupted one's"
echo "resumed with -np 4: same model and progress rows as uninterrupted"
# And down: killed at 4 ranks, resumed as one.
set +e
AUTOSCALE_TEST_KILL_RANK=3:5 mpi 4 "$cli" "${train[@]}" --out broken4 > broken4.log 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "the job with a killed rank 3 exited 0"
mpi 1 "$cli" "${train[@]}" --out broken4 --resume > resumed4.log 2>&1 || { cat resumed4.log; fail "--resume with -np 1 failed"; }
cmp serial/model broken4/model || fail "resumed with -np 1 after a kill at -np 4: another model than uninterrupted"
echo "killed rank 3 of 4 (exit $rc), resumed with -np 1: same model"

# 3 ranks cannot split 4 shards.
set +e
mpi 3 "$cli" "${train[@]}" --out three > three.log 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "-np 3 with 4 shards exited 0"
grep -q "3 ranks cannot split 4 shards evenly" three.log || { cat three.log; fail "-np 3: no clear error"; }
echo "-np 3 on 4 shards: refused (exit $rc)"
echo PASS
