#!/usr/bin/env bash
# Fall and fight events on the real labelled footage of ../shared/data (README there), with the
# default settings: per clip, events found, the first fall event's start against the labelled
# fall onset, and false events; per set, the targets of issue #16. The clips are split once and for
# all into a tuning part and a validation part (never special-case a clip):
#   falls: Subjects 1 and 2 tune, Subject 4 validates; fights: *001-050 tune, *051-100 validate.
# Usage: bench/analyze.sh [OUT] [FIGHT_CLIPS_PER_CLASS (default 100)] [POSE_INPUT_SIZE (default 512)]
# Poses are kept in OUT: a second run with the same OUT only re-runs the events (--from 2).
set -euo pipefail
cd "$(dirname "$0")/.."
data=${RECOGNIZER_SHARED_DATA:-../shared/data}
if [ ! -d "$data/falls-gmdcsa24" ] || [ ! -d "$data/fights-scf" ]; then
  echo "bench/analyze.sh: the labelled footage is missing ($data/falls-gmdcsa24, $data/fights-scf);" \
       "set RECOGNIZER_SHARED_DATA to the folder that holds them" >&2
  exit 2
fi
. bench/common.sh
bench_prepare movenet-multipose
out=${1:-$RECOGNIZER_CACHE/bench-analyze}
per_class=${2:-100}
size=${3:-512}
mkdir -p "$out"
export RUST_LOG=warn
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
run_set() {  # NAME FILE...
  local name=$1; shift
  local from=1
  [ -f "$out/$name/.done" ] && from=2
  "$bin" run analyze --from "$from" --pose-input-size "$size" -o "$out/$name" "$@" | tee "$out/$name.log"
  touch "$out/$name/.done"
}
for subject in "Subject 1" "Subject 2" "Subject 4"; do
  for kind in Fall ADL; do
    mapfile -t clips < <(ls "$data/falls-gmdcsa24/$subject/$kind/"*.mp4)
    n=$(echo "$subject-$kind" | tr ' ' '_')
    mkdir -p "$out/$n"
    run_set "$n" "${clips[@]}"
  done
done
for kind in fight noFight; do
  mapfile -t clips < <(ls "$data/fights-scf/$kind/"*.mp4 | head -n "$per_class")
  mkdir -p "$out/$kind"
  run_set "$kind" "${clips[@]}"
done
python3 bench/analyze_eval.py "$data" "$out"
