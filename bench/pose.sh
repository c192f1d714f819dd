#!/usr/bin/env bash
# Pose pipeline benchmark: frames/s of decode, pose, pose + track on vtest.avi (768x576, 795
# frames, 2-8 pedestrians), and of the tracker alone at 20 people. Reproducible from nothing:
# installs what is missing, fetches the models and the clip, builds in release.
# Usage: bench/pose.sh [VIDEO]   Results: paste into bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
bench_prepare movenet-multipose vtest.avi
video=${1:-$RECOGNIZER_DATA_CACHE/vtest.avi}
echo "machine: $(machine)"
echo "video: $video"
RUST_LOG=warn "$bin" bench pose "$video"
RUST_LOG=warn "$bin" bench pose "$video" --input-size 256 | grep -v "decode only\|tracker alone" | sed 's/$/   [input 256]/'
