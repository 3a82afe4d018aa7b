#!/usr/bin/env bash
# Takes screenshots of the studio's main states under Xvfb, on a throwaway library and settings folder:
#   packaging/screenshots.sh [BUILD_DIR] [OUT_DIR]
# The model is $RIPEN_SHOT_MODEL, else the embedded default when installed, else the tiny oracle model
# ($RIPEN_ORACLE_DIR/tiny-sd15). The pictures are for looking at (and the README), not test oracles.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build/release}"
out="${2:-$root/build/screenshots}"
app="$build/app/gui/ripen"
[ -x "$app" ] || { echo "screenshots: $app not built" >&2; exit 1; }
command -v xvfb-run >/dev/null || { echo "screenshots: xvfb-run missing (apt install xvfb xauth)" >&2; exit 1; }
model="${RIPEN_SHOT_MODEL:-}"
if [ -z "$model" ]; then
  if [ -f "$root/resources/models/ripen-emoji/model_index.json" ]; then model=embedded
  else model="${RIPEN_ORACLE_DIR:-$root/../shared/oracle}/tiny-sd15"; fi
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
shot() {  # name scene [extra args...]
  local name=$1 scene=$2; shift 2
  xvfb-run -a -s "-screen 0 1600x1000x24" "$app" --settings-dir "$work/settings-$name" --library "$work/lib-$name" \
    --model "$model" --scene "$scene" --screenshot "$out/$name.png" "$@"
  echo "screenshots: $out/$name.png"
}
shot main main --theme light
shot main-dark main --theme dark
shot explore explore --theme light
shot compare compare --theme light
shot settings settings --theme light
shot presets presets --theme light
shot img2img img2img --theme light
shot inpaint inpaint --theme light
shot outpaint outpaint --theme light
shot main-de main --theme light --language de
shot main-ja main --theme light --language ja
# Two LoRAs active: the wave-2 oracle's LoRAs for tiny-sd15 (random weights, so the picture is noise by design),
# placed in an A1111-style install the settings point at.
oracle="${RIPEN_ORACLE_DIR:-$root/../shared/oracle}"
if [ -f "$oracle/wave2/lora/tiny-sd15-kohya.safetensors" ]; then
  mkdir -p "$work/a1111/models/Lora/styles"
  ln -s "$oracle/wave2/lora/tiny-sd15-kohya.safetensors" "$work/a1111/models/Lora/styles/ink-wash.safetensors"
  ln -s "$oracle/wave2/lora/tiny-sd15-peft.safetensors" "$work/a1111/models/Lora/fine-detail.safetensors"
  (model="$oracle/tiny-sd15" RIPEN_SHOT_INSTALL="$work/a1111" shot networks networks --theme light)
fi
RIPEN_EMBEDDED_MODEL="$work/none" shot first-run first-run --theme light --model embedded
