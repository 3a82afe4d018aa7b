#!/usr/bin/env bash
# kill -9 of `ripen-cli batch` at random moments of an N-image batch, TRIALS times, each into a fresh library.
# After each kill: PRAGMA integrity_check is ok, every row has its image and its latents, and every file without a
# row is one `ripen-cli library check` reports (then `check --repair` leaves the library clean and the batch resumes
# to exactly N rows in the last trial). Prints one line per trial and "K/TRIALS intact"; exits 1 on any failure.
#   batch_kill_trials.sh RIPEN_CLI TRIALS IMAGES WORK_DIR [SEED]
set -euo pipefail
cli=$1 trials=$2 images=$3 work=$4 seed=${5:-1}
command -v sqlite3 >/dev/null || { echo "batch_kill_trials: sqlite3 not installed"; exit 1; }
RANDOM=$seed
batch=(batch --model embedded --prompt "grinning face, google style" --seeds "0-$((images - 1))" --preset fast
       --size 32x32 --quiet)

rm -rf "$work" && mkdir -p "$work"
# Calibrate: the time of a whole batch sets the range the kill moments are drawn from.
t0=$(date +%s%N)
"$cli" "${batch[@]}" --library "$work/calibrate" >/dev/null
full_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "a whole $images-image batch takes ${full_ms} ms; killing within it"

intact=0
for ((t = 1; t <= trials; ++t)); do
  lib="$work/trial-$t"
  delay_ms=$(( (RANDOM * 32768 + RANDOM) % (full_ms > 1 ? full_ms : 1) ))
  "$cli" "${batch[@]}" --library "$lib" >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  if kill -9 "$pid" 2>/dev/null; then when="killed at ${delay_ms} ms"; else when="finished before ${delay_ms} ms"; fi
  wait "$pid" 2>/dev/null || true
  problems=()
  if [[ -f "$lib/library.db" ]]; then
    integrity=$(sqlite3 "$lib/library.db" "PRAGMA integrity_check;")
    [[ "$integrity" == ok ]] || problems+=("integrity_check: $integrity")
    rows=$(sqlite3 "$lib/library.db" "SELECT count(*) FROM generations;")
    while IFS='|' read -r id image latents; do
      [[ -s "$lib/$image" ]] || problems+=("row $id: image $image missing")
      [[ -n "$latents" && -s "$lib/$latents" ]] || problems+=("row $id: latents '${latents}' missing")
    done < <(sqlite3 "$lib/library.db" "SELECT id, image_path, latents_path FROM generations;")
    report=$("$cli" library check --library "$lib" --json || true)
    # Every file on disk is either a row's image or latents, or in the check's report.
    known=$(sqlite3 "$lib/library.db" "SELECT image_path FROM generations UNION SELECT latents_path FROM generations;")
    while IFS= read -r f; do
      rel=${f#"$lib/"}
      grep -qxF "$rel" <<<"$known" && continue
      grep -qF "\"$rel\"" <<<"$report" || grep -qF "$(basename "$rel")" <<<"$report" ||
        problems+=("file $rel: no row and not reported by library check")
    done < <(find "$lib/images" -type f 2>/dev/null)
    "$cli" library check --library "$lib" --repair >/dev/null || problems+=("check --repair failed")
    "$cli" library check --library "$lib" >/dev/null || problems+=("not clean after check --repair")
  else
    rows=0
  fi
  if ((t == trials)); then  # the last trial's batch resumes to the whole plan
    "$cli" "${batch[@]}" --library "$lib" >/dev/null || problems+=("resume failed")
    done_rows=$(sqlite3 "$lib/library.db" "SELECT count(*) FROM generations;")
    [[ "$done_rows" == "$images" ]] || problems+=("resumed batch has $done_rows rows, want $images")
  fi
  if ((${#problems[@]} == 0)); then
    intact=$((intact + 1))
    echo "trial $t: $when with $rows rows: intact"
  else
    echo "trial $t: $when with $rows rows: BROKEN"
    printf '  %s\n' "${problems[@]}"
  fi
done
echo "$intact/$trials intact"
((intact == trials))
