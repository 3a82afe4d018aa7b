#!/bin/sh
# run_fuzz.sh FUZZER_BINARY FUZZ_SOURCE_DIR [CORPUS DICT] — runs a fuzzer (default: the safetensors one, corpus/
# and safetensors.dict) for a bounded time on a copy of the seed corpus (new inputs go to a temp dir, never into the source tree). Exit 77 = no fuzzer built (skip).
if [ -z "$3" ]; then fuzzer=${RIPEN_FUZZER:-$1}; else fuzzer=$1; fi
src=$2
corpus=${3:-corpus}
dict=${4:-safetensors.dict}
seconds=${RIPEN_FUZZ_SECONDS:-60}
if [ ! -x "$fuzzer" ]; then
  echo "no fuzzer binary at $fuzzer (configure with clang and -DRIPEN_FUZZ=ON, or set RIPEN_FUZZER); skipping"
  exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/ripen-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
cp "$src/$corpus"/* "$work/corpus/"
dict_flag=""
[ -f "$src/$dict" ] && dict_flag="-dict=$src/$dict"
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 $dict_flag \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus"
rc=$?
if [ $rc -ne 0 ]; then
  mkdir -p "${RIPEN_FUZZ_FINDINGS:-/tmp/ripen-fuzz-findings}"
  cp "$work"/artifacts/* "${RIPEN_FUZZ_FINDINGS:-/tmp/ripen-fuzz-findings}/" 2>/dev/null
  echo "fuzzer found a problem (rc $rc); reproducers copied to ${RIPEN_FUZZ_FINDINGS:-/tmp/ripen-fuzz-findings}"
fi
exit $rc
