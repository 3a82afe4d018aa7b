#!/bin/sh
# Peak RSS while loading a random full-size SD 1.5 single-file checkpoint (fp16 file, A1111/LDM layout).
# usage: tests/models/bench_load_rss.sh BUILD_DIR [FILE]   (the file is made once, ~2.1 GB, default /tmp)
set -e
build=${1:-build/release}
file=${2:-/tmp/ripen-sd15-random-ldm-fp16.safetensors}
bin=$build/tests/models/bench_load_rss
cmake --build "$build" --target bench_load_rss
[ -f "$file" ] || "$bin" make "$file"
# Drop nothing from the page cache (not ours to drop); each load runs in its own process.
"$bin" load "$file" fp16
"$bin" load "$file" bf16
"$bin" load "$file" fp32
