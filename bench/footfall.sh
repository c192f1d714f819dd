#!/usr/bin/env bash
# Footfall on a 720p camera at 15 fps, end to end on this CPU (decode → pose → track → count),
# per frame, for pose input sizes and "pose every k-th frame"; and what each setting does to the
# counts, against native input on every frame. The 720p clip is vtest.avi (the campus crossing,
# 768x576 10 fps) scaled to 960x720, padded to 1280x720 and resampled to 15 fps (frames repeated):
# the only real crowd footage here; its people are 90-165 px tall at 720p.
# Usage: bench/footfall.sh [SIZES] [EVERY]   e.g. bench/footfall.sh "0 640 512" "1 2 3"
# Results: paste into bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
bench_prepare movenet-multipose vtest.avi
export RUST_LOG=warn
sizes=${1:-0 640 512 384}
every=${2:-1 2 3}
clip="$RECOGNIZER_CACHE/bench-footfall/vtest-720p15.mp4"
mkdir -p "$(dirname "$clip")"
if [ ! -s "$clip" ]; then
  ffmpeg -v error -y -i "$RECOGNIZER_DATA_CACHE/vtest.avi" \
    -vf "scale=960:720,pad=1280:720:160:0,fps=15" -c:v libx264 -preset veryfast -crf 18 -bf 0 "$clip"
fi
# the zone and line of the by-eye check on vtest (the lower-left lawn, a vertical line through
# the middle), moved into the padded 720p frame: x' = (160 + 960 x) / 1280
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/zones.json" <<'JSON'
[{"name": "lawn", "points": [[0.1625, 0.55], [0.5, 0.55], [0.5, 0.95], [0.1625, 0.95]]}]
JSON
cat > "$work/lines.json" <<'JSON'
[{"name": "middle", "a": [0.5, 0.2], "b": [0.5, 1.0]}]
JSON
echo "machine: $(machine)"
echo "clip: $clip"
for size in $sizes; do
  for k in $every; do
    echo "--- input $size, pose every $k"
    "$bin" bench footfall "$clip" --input-size "$size" --every "$k" \
      --zones "$work/zones.json" --lines "$work/lines.json" | tail -n +2
  done
done
