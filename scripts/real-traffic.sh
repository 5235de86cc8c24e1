#!/usr/bin/env bash
# Reproduces the single-split real-traffic results of docs/experiments.md on the shipped traces
# (data/traces/; the README's current figures come from `autoscale backtest`):
#   1. past -> future on each trace: `autoscale run` tunes every classical policy and trains the
#      learned policy on the earlier 75 % of the trace, and evaluates all of them and the oracles
#      on the later 25 % (NASA July 1995: Jul 1-21 -> Jul 21-28; World Cup 1998: Apr 30-Jun 11 ->
#      Jun 11-24);
#   2. one general model, trained on a mix of services (the NASA trace, the seed model, its weekly
#      variant and its event-driven variant), against the classical policies tuned on the same
#      mix, all evaluated on the World Cup trace, a kind of traffic none of them saw. It uses the
#      scale-free `relative` action, not a residual: a controller tuned on a mix can be the wrong
#      one on the next service (docs/experiments.md, "A general model on traffic it never saw").
# Nothing here reads the future part while tuning or training. Outputs go to $OUT (runs/real).
set -euo pipefail
cd "$(dirname "$0")/.."
B=build/release/autoscale
OUT=${OUT:-runs/real}
THREADS=${THREADS:-2}
[ -x "$B" ] || ./scripts/setup.sh --no-run

for trace in nasa worldcup; do
  echo "=== past -> future: $trace"
  "$B" run --scenario "scenarios/$trace.toml" --out "$OUT/$trace" --threads "$THREADS"
done

echo "=== general model: trained on NASA + seed + seed-weekly + seed-events, evaluated on the World Cup"
G="$OUT/general"
mkdir -p "$G"
MIX=(--scenario scenarios/nasa.toml --scenario seed --scenario seed-weekly --scenario seed-events)
for p in hpa target-tracking step simple predictive headroom; do
  "$B" tune --policy "$p" "${MIX[@]}" --episodes 30 --budget 60 --threads "$THREADS" --out "$G/$p.spec" 2>/dev/null
  echo "    $p: $(sed -n 's/^# mean training profit //p' "$G/$p.spec")  $(tail -n 1 "$G/$p.spec")"
done
"$B" train "${MIX[@]}" --preset general --steps 12000000 --out "$G" --threads "$THREADS"
specs="ppo:$G/best"
for p in hpa target-tracking step simple predictive headroom; do specs="$specs,@$G/$p.spec"; done
"$B" evaluate --scenario scenarios/worldcup.toml --seed 5000000 --episodes 60 --threads "$THREADS" \
  --policies "$specs,oracle-window:minutes=60,oracle-load,oracle" --json "$G/evaluation.json"
