#!/usr/bin/env bash
# Trains the embedded model (issue 7) end to end with ripen-cli, resumably: run it again after an interruption
# (or with --max-minutes to work in slices) and every stage continues from its last checkpoint.
#
# Prepare the data once on a machine with network access (writes .train/, which git ignores via .git/info/exclude
# or travels as a carried path):
#   ripen-cli train data --out .train/emoji.safetensors
#   ripen-cli train tokenizer --data .train/emoji.safetensors --out .train/tokenizer --vocab 2048
# Then, here or on a GPU machine:
#   packaging/train-embedded.sh --cli build/release/app/ripen-cli --device cuda \
#       --vae-steps 20000 --classifier-steps 6000 --diffusion-steps 60000
set -euo pipefail

CLI=build/release/app/ripen-cli
DATA=.train/emoji.safetensors
TOKENIZER=.train/tokenizer
WORK=.train/runs
OUT=resources/models/ripen-emoji
DEVICE=cpu
SCALE=small
VAE_STEPS=20000
CLS_STEPS=6000
DIFF_STEPS=60000
VAE_BATCH=32
CLS_BATCH=128
DIFF_BATCH=64
MAX_MINUTES=0
EXTRA=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    --cli) CLI=$2; shift 2 ;;
    --data) DATA=$2; shift 2 ;;
    --tokenizer) TOKENIZER=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --device) DEVICE=$2; shift 2 ;;
    --scale) SCALE=$2; shift 2 ;;
    --vae-steps) VAE_STEPS=$2; shift 2 ;;
    --classifier-steps) CLS_STEPS=$2; shift 2 ;;
    --diffusion-steps) DIFF_STEPS=$2; shift 2 ;;
    --vae-batch) VAE_BATCH=$2; shift 2 ;;
    --classifier-batch) CLS_BATCH=$2; shift 2 ;;
    --diffusion-batch) DIFF_BATCH=$2; shift 2 ;;
    --max-minutes) MAX_MINUTES=$2; shift 2 ;;  # per stage invocation; 0 = no limit
    --quiet) EXTRA+=(--quiet); shift ;;
    *) echo "train-embedded.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

[[ -x $CLI ]] || { echo "ripen-cli not found at $CLI (use --cli)" >&2; exit 2; }
[[ -f $DATA ]] || { echo "dataset $DATA missing: run 'ripen-cli train data' and 'train tokenizer' first" >&2; exit 2; }
[[ -f $TOKENIZER/spiece.model ]] || { echo "tokenizer $TOKENIZER missing: run 'ripen-cli train tokenizer' first" >&2; exit 2; }
mkdir -p "$WORK"

step_of() {  # the step a run's checkpoint reached, 0 if none
  local f=$1/checkpoint/state.json
  [[ -f $f ]] && sed -n 's/.*"step": *\([0-9]*\).*/\1/p' "$f" | head -n1 || echo 0
}
common=(--device "$DEVICE" --resume --max-minutes "$MAX_MINUTES" "${EXTRA[@]}")

echo "== vae ($VAE_STEPS steps)"
"$CLI" train vae --data "$DATA" --out "$WORK/vae" --scale "$SCALE" --steps "$VAE_STEPS" --batch "$VAE_BATCH" "${common[@]}"
[[ $(step_of "$WORK/vae") -ge $VAE_STEPS ]] || { echo "vae not finished; run again to continue"; exit 3; }

if [[ ! -f $WORK/latents.safetensors || $WORK/vae/checkpoint/state.json -nt $WORK/latents.safetensors ]]; then
  echo "== latents"
  "$CLI" train latents --data "$DATA" --vae "$WORK/vae" --scale "$SCALE" --device "$DEVICE" --out "$WORK/latents.safetensors"
fi

echo "== classifier ($CLS_STEPS steps)"
"$CLI" train classifier --data "$DATA" --out "$WORK/classifier" --steps "$CLS_STEPS" --batch "$CLS_BATCH" "${common[@]}"
[[ $(step_of "$WORK/classifier") -ge $CLS_STEPS ]] || { echo "classifier not finished; run again to continue"; exit 3; }

echo "== diffusion ($DIFF_STEPS steps)"
"$CLI" train diffusion --data "$DATA" --latents "$WORK/latents.safetensors" --tokenizer "$TOKENIZER" \
  --out "$WORK/diffusion" --scale "$SCALE" --steps "$DIFF_STEPS" --batch "$DIFF_BATCH" "${common[@]}"
[[ $(step_of "$WORK/diffusion") -ge $DIFF_STEPS ]] || { echo "diffusion not finished; run again to continue"; exit 3; }

echo "== export -> $OUT"
"$CLI" train export --vae "$WORK/vae" --diffusion "$WORK/diffusion" --tokenizer "$TOKENIZER" \
  --latents "$WORK/latents.safetensors" --data "$DATA" --scale "$SCALE" --out "$OUT"

# Fast mode's stop predictor belongs to these weights: measure forced stops on them and fit it (~10 min on 2 cores).
echo "== stop predictor -> $OUT/predictor"
"$CLI" train predictor --model "$OUT" --data "$DATA" --count 64 --seeds 4 --stop-at 0.97 --out "$OUT/predictor"
