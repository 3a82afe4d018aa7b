#!/usr/bin/env bash
# Queues a plan on Slurm: an array of SHARDS render tasks (one GPU each), then the merge into LIBRARY once every
# task succeeded.
#   packaging/farm/submit.sh PLAN.json SHARDS OUT_DIR LIBRARY [ripen-cli batch flags, e.g. --model /models/x]
# Re-running it after a failure resumes every shard (finished jobs are skipped) and merges again.
set -euo pipefail

if [ $# -lt 4 ]; then
  echo "usage: $0 PLAN.json SHARDS OUT_DIR LIBRARY [batch flags]" >&2
  exit 2
fi
plan=$(realpath "$1")
shards=$2
out=$(realpath -m "$3")
library=$(realpath -m "$4")
shift 4
here=$(dirname "$(realpath "$0")")
case $shards in
  '' | *[!0-9]*) echo "SHARDS must be a number, got '$shards'" >&2; exit 2 ;;
esac

# Fails here, before anything is queued, when a model or preset of the plan is unknown.
"${RIPEN_CLI:-ripen-cli}" batch --plan "$plan" --write-plan /dev/null "$@" >/dev/null

array=$(sbatch --parsable --array="0-$((shards - 1))" "$here/render.sbatch" "$plan" "$out" "$@")
merge=$(sbatch --parsable --dependency="afterok:${array%%;*}" "$here/merge.sbatch" "$out" "$library")
echo "render array job $array ($shards tasks), merge job $merge into $library"
