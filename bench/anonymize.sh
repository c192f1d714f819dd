#!/usr/bin/env bash
# Anonymization benchmark against deface (PyPI), the reference open-source tool, on the same real
# clips on this machine: frames/s of each and the ratio, per-frame coverage (bench/anonymize_coverage.py),
# and a plain `ffmpeg -c:v libx264 -preset veryfast` transcode of each clip as the floor.
# Reproducible from nothing: installs deface in a venv, fetches clips and models, builds release.
# Usage: bench/anonymize.sh [CLIP ...]   (default: the five clips below). Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
anonymize_prepare "$@"
deface_prepare
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.1f}')"; }
fps() { python3 -c "print(f'{$1 / ($3 - $2):.1f}')"; }

echo "machine: $(machine); deface 1.5.0 + onnxruntime 1.31.1 (CPU)"
echo
echo "| clip | frames | ffmpeg x264 veryfast s | deface s (fps) | ours s (fps) | ours / deface | ours / ffmpeg time | deface faces | of those uncovered by ours | our masks deface lacks |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for clip in "${clips[@]}"; do
  in="$RECOGNIZER_DATA_CACHE/$clip"
  frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$in")
  t0=$(now); ffmpeg -v error -y -i "$in" -c:v libx264 -preset veryfast "$work/plain.mp4"; t1=$(now)
  "$venv/bin/deface" "$in" -o "$work/deface.mp4" >/dev/null 2>&1; t2=$(now)
  "$bin" run anonymize "$in" -o "$work/ours.mp4" --log "$work/ours.jsonl" >/dev/null; t3=$(now)
  cov=$("$venv/bin/python" bench/anonymize_coverage.py "$in" "$work/ours.jsonl" 1.5)
  read -r faces unc only < <(python3 -c "import json,sys; c=json.loads(sys.argv[1]); print(c['deface_faces'], c['deface_faces_we_leave_uncovered'], c['our_masks_deface_lacks'])" "$cov")
  echo "| $clip | $frames | $(secs $t0 $t1) | $(secs $t1 $t2) ($(fps $frames $t1 $t2)) | $(secs $t2 $t3) ($(fps $frames $t2 $t3)) | $(python3 -c "print(f'{($t2-$t1)/($t3-$t2):.2f}x')") | $(python3 -c "print(f'{($t3-$t2)/($t1-$t0):.2f}x')") | $faces | $unc | $only |"
  echo "$clip coverage: $cov" >&2
done
