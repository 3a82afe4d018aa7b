#!/bin/sh
# run_all.sh BUILD_DIR [HOURS] — the long run: every fuzz target of BUILD_DIR (a clang -DRIPEN_FUZZ=ON build) in
# turn, HOURS (default 1) split evenly between them; reproducers go to $RIPEN_FUZZ_FINDINGS. Exit 1 if any failed.
here=$(dirname "$0")
build=${1:?usage: run_all.sh BUILD_DIR [HOURS]}
hours=${2:-1}
set -- safetensors:corpus:safetensors.dict lora:corpus_lora:lora.dict lora_text:corpus_lora_text:none.dict \
  png_text:corpus_png_text:none.dict comfyui:corpus_comfyui:none.dict ldm_yaml:corpus_ldm_yaml:none.dict \
  extra_model_paths:corpus_extra_model_paths:none.dict
seconds=$(awk "BEGIN { print int($hours * 3600 / $#) }")
failed=0
for spec in "$@"; do
  name=${spec%%:*}; rest=${spec#*:}; corpus=${rest%%:*}; dict=${rest#*:}
  echo "== fuzz_$name: ${seconds}s"
  log=$(mktemp)
  RIPEN_FUZZ_SECONDS=$seconds sh "$here/run_fuzz.sh" "$build/tests/fuzz/fuzz_$name" "$here" "$corpus" "$dict" >"$log" 2>&1
  rc=$?
  grep -E 'stat::number_of_executed_units|ERROR|SUMMARY|skipping|reproducers' "$log"
  rm -f "$log"
  [ $rc -ne 0 ] && [ $rc -ne 77 ] && failed=1
done
exit $failed
