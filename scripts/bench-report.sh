#!/usr/bin/env bash
# Size and open time of the report the issue sizes it for: a 100-episode, 10-policy evaluation of
# the seed scenario (10,001 minutes per episode) with 3 kept episodes, a training curve, the
# scenario picture. Trains a short PPO run for the learned policies unless MODEL_DIR names one.
#   scripts/bench-report.sh [WORK_DIR]     (default build/bench-report)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-build/bench-report}
cli=build/release/autoscale
mkdir -p "$work"
model=${MODEL_DIR:-$work/train}
if [ ! -f "$model/best" ]; then
  echo "bench-report: training a short PPO run into $model" >&2
  "$cli" train --scenario seed --seed 0 --steps 400000 --out "$model" --threads 2 >/dev/null
fi
policies="ppo:$model/best,ppo:$model/model"
for p in predictive headroom hpa target-tracking step simple; do policies+=",@baselines/seed/$p.spec"; done
policies+=",oracle-load,oracle"
echo "bench-report: evaluating 10 policies x 100 episodes, keeping 3 episodes of minute traces" >&2
"$cli" evaluate --scenario seed --seed 5000000 --episodes 100 --threads 2 --policies "$policies" \
  --json "$work/eval.json" --trace-out "$work/traces.csv" --keep-traces 3 >/dev/null
start=$(date +%s%N)
"$cli" report --eval "$work/eval.json" --traces "$work/traces.csv" --train "$model" --out "$work/report.html" 2>/dev/null
end=$(date +%s%N)
echo "report written in $(( (end - start) / 1000000 )) ms: $work/report.html ($(stat -c %s "$work/report.html") bytes; minute traces $(stat -c %s "$work/traces.csv") bytes)"
node web/report/bench/open-time.mjs "$work/report.html" --runs 5
