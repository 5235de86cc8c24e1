#!/usr/bin/env bash
# Tunes every classical policy with the same search budget on the same training episodes and
# writes baselines/<scenario>/<policy>.spec, which `autoscale run` evaluates PPO against.
# Training seeds 0..EPISODES-1 are disjoint from validation (900000..) and evaluation (5000000..).
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-seed}
budget=${BUDGET:-80}
episodes=${EPISODES:-20}
mkdir -p "baselines/$scenario"
for p in hpa target-tracking step simple predictive headroom; do
  ./build/release/autoscale tune --policy "$p" --scenario "$scenario" --seed 0 --episodes "$episodes" \
    --budget "$budget" --out "baselines/$scenario/$p.spec" | tail -n 2
done
