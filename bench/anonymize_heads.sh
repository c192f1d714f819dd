#!/usr/bin/env bash
# Pose heads (faces turned away or too small for the face detector) that the default schedule
# leaves uncovered, against our own run with both models on every frame (bench/anonymize_heads.py).
# Usage: bench/anonymize_heads.sh [CLIP ...] (default: the five anonymize clips). Prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
anonymize_prepare "$@"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
echo "machine: $(machine)"
echo
echo "| clip | reference s (both models every frame) | default s | reference pose heads | left uncovered by the default |"
echo "|---|---:|---:|---:|---:|"
for clip in "${clips[@]}"; do
  in="$RECOGNIZER_DATA_CACHE/$clip"
  t0=$(now); "$bin" run anonymize "$in" -o "$work/ref.mp4" --log "$work/ref.jsonl" --detect-every 1 --pose-every 1 >/dev/null
  t1=$(now); "$bin" run anonymize "$in" -o "$work/ours.mp4" --log "$work/ours.jsonl" >/dev/null; t2=$(now)
  read -r heads unc < <(python3 bench/anonymize_heads.py "$work/ref.jsonl" "$work/ours.jsonl" 1.5 |
    python3 -c "import json,sys; c=json.load(sys.stdin); print(c['reference_pose_heads'], c['uncovered'])")
  echo "| $clip | $(python3 -c "print(f'{$t1 - $t0:.1f}')") | $(python3 -c "print(f'{$t2 - $t1:.1f}')") | $heads | $unc |"
done
