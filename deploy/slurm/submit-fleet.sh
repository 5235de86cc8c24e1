#!/bin/bash
# Submits a fleet: a job array with one task per manifest row, then the merge once every task has
# succeeded (afterok). Usage: FLEET_MANIFEST=services.tsv FLEET_OUT=runs/fleet deploy/slurm/submit-fleet.sh
# (FLEET_RUN_OPTIONS passes run's options to every task, e.g. "--steps 4000000").
set -euo pipefail
here=$(dirname "$0")
: "${FLEET_MANIFEST:?set FLEET_MANIFEST to the services.tsv}"
: "${AUTOSCALE:=autoscale}"
export FLEET_MANIFEST FLEET_OUT="${FLEET_OUT:-runs/fleet}" AUTOSCALE FLEET_RUN_OPTIONS="${FLEET_RUN_OPTIONS:-}"
# The manifest's rows, less its header and comments: the array's size.
tasks=$(grep -v -e '^#' -e '^$' "$FLEET_MANIFEST" | tail -n +2 | wc -l)
[ "$tasks" -ge 1 ] || { echo "submit-fleet: $FLEET_MANIFEST lists no service" >&2; exit 1; }
array=$(sbatch --parsable --export=ALL --array=0-$((tasks - 1)) "$here/fleet-task.sbatch")
merge=$(sbatch --parsable --export=ALL --dependency=afterok:"$array" "$here/fleet-merge.sbatch")
echo "fleet: $tasks tasks in array job $array, merge job $merge"
