#!/usr/bin/env bash
# Visualize from stored results against its floor, a plain
# `ffmpeg -i IN -c:v libx264 -preset veryfast OUT` of the same clip (decode + encode, no drawing),
# and peak memory against video length (the same clip looped 4 times: memory must stay flat).
# Input: vtest.avi (the campus crossing, 768x576, 10 fps, 795 frames, up to ~15 people) copied to
# H.264 once; its tracks from `run analyze` (pose 512) and its mask log from `run anonymize`,
# both computed once and cached (the looped copies' results are the same results shifted in time).
# Usage: bench/visualize.sh   Results: paste into bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
bench_prepare "movenet-multipose centerface" vtest.avi
export RUST_LOG=warn
cache="$RECOGNIZER_CACHE/bench-visualize"
mkdir -p "$cache"
one="$cache/vtest.mp4" four="$cache/vtest-x4.mp4"
[ -s "$one" ] || ffmpeg -v error -y -i "$RECOGNIZER_DATA_CACHE/vtest.avi" -c:v libx264 -preset veryfast -crf 18 -bf 0 "$one"
[ -s "$four" ] || ffmpeg -v error -y -stream_loop 3 -i "$one" -c copy "$four"
if [ ! -s "$cache/one/vtest.mp4/tracks.jsonl" ]; then
  "$bin" run analyze "$one" -o "$cache/one" --pose-input-size 512 >/dev/null
fi
[ -s "$cache/one/masks.jsonl" ] || "$bin" run anonymize "$one" -o "$cache/anonymized.mp4" --log "$cache/one/masks.jsonl" >/dev/null
# the looped copy's results: each file four times, frames and seconds shifted by one length
python3 - "$cache" <<'PY'
import json, sys, pathlib
cache = pathlib.Path(sys.argv[1])
src, dst = cache / "one" / "vtest.mp4", cache / "four" / "vtest-x4.mp4"
dst.mkdir(parents=True, exist_ok=True)
frames = [json.loads(l) for l in open(src / "tracks.jsonl") if l.strip()]
n, secs = frames[-1]["frame_number"] + 1, (frames[-1]["frame_number"] + 1) / 10.0
with open(dst / "tracks.jsonl", "w") as out:
    for k in range(4):
        for f in frames:
            g = dict(f, frame_number=f["frame_number"] + k * n, timestamp=f["timestamp"] + k * secs)
            out.write(json.dumps(g) + "\n")
masks = [json.loads(l) for l in open(cache / "one" / "masks.jsonl") if l.strip()]
with open(cache / "four" / "masks.jsonl", "w") as out:
    for k in range(4):
        for m in masks:
            out.write(json.dumps(dict(m, frame=m["frame"] + k * n, timestamp=m["timestamp"] + k * secs)) + "\n")
events = json.load(open(src / "events.json"))
json.dump(events, open(dst / "events.json", "w"))
PY
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
measure() { # label, command… → "label  seconds  peak MiB"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null
  read -r secs kib < "$work/time"
  printf '%-44s %7.2f s  %6.0f MiB\n' "$label" "$secs" "$((kib / 1024))"
}
echo "machine: $(machine)"
for clip in "$one" "$four"; do
  frames=$(ffprobe -v error -count_frames -select_streams v -show_entries stream=nb_read_frames -of csv=p=0 "$clip")
  dir="$cache/one"; [ "$clip" = "$four" ] && dir="$cache/four"
  echo "--- $(basename "$clip"): $frames frames 768x576"
  measure "ffmpeg -c:v libx264 -preset veryfast (floor)" ffmpeg -v error -y -i "$clip" -c:v libx264 -preset veryfast "$work/plain.mp4"
  measure "visualize raw (decode + encode only)" "$bin" run visualize "$clip" --from-dir "$dir" -o "$work/raw.mp4" --mode raw
  measure "visualize full, faces from the mask log" "$bin" run visualize "$clip" --from-dir "$dir" -o "$work/full.mp4" --masks "$dir/masks.jsonl"
  measure "visualize debug style, every layer, mask log" "$bin" run visualize "$clip" --from-dir "$dir" -o "$work/debug.mp4" --mode debug --style debug --masks "$dir/masks.jsonl"
  if [ "$clip" = "$one" ]; then
    measure "visualize full, faces found while rendering" "$bin" run visualize "$clip" --from-dir "$dir" -o "$work/faces.mp4"
  fi
done
