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
shot main-de main --theme light --language de
shot main-ja main --theme light --language ja
RIPEN_EMBEDDED_MODEL="$work/none" shot first-run first-run --theme light --model embedded
