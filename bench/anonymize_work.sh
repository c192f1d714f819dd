#!/usr/bin/env bash
# The work (CPU seconds, and instructions where `perf` is installed) that deface and ours spend on
# the same clips, at default settings. On a shared VM wall-clock times of identical runs differ
# by 10-30 %; CPU seconds differ less and instruction counts by well under 1 %, so this is the
# measure to compare two versions of our code with (bench/anonymize.sh gives frames/s).
# Usage: bench/anonymize_work.sh [CLIP ...]   Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
anonymize_prepare "$@"
deface_prepare
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# Runs a command; its CPU seconds (with its children's) go to the file named first.
runner='import os, subprocess, sys
subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
t = os.times()
open(sys.argv[1], "w").write(f"{t.children_user + t.children_system:.1f}")'
# "CPU seconds, billions of instructions or -" of a command
measure() {
  local run=(python3 -c "$runner" "$work/cpu" "$@") instructions=-
  if command -v perf >/dev/null && perf stat -x, -e instructions -o "$work/perf" true 2>/dev/null; then
    perf stat -x, -e instructions -o "$work/perf" "${run[@]}"
    instructions=$(awk -F, '/instructions/ {printf "%.1f", $1 / 1e9}' "$work/perf")
  else
    "${run[@]}"
  fi
  echo "$(cat "$work/cpu") $instructions"
}

echo "machine: $(machine); deface 1.5.0 + onnxruntime 1.31.1 (CPU); instructions in billions"
echo
echo "| clip | deface CPU s | ours CPU s | deface / ours CPU | deface G instr. | ours G instr. | deface / ours instr. |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for clip in "${clips[@]}"; do
  in="$RECOGNIZER_DATA_CACHE/$clip"
  read -r dcpu dins < <(measure "$venv/bin/deface" "$in" -o "$work/deface.mp4")
  read -r ocpu oins < <(measure "$bin" run anonymize "$in" -o "$work/ours.mp4")
  ratio() { python3 -c "import sys; a, b = sys.argv[1:]; print('-' if '-' in (a, b) else f'{float(a) / float(b):.2f}x')" "$1" "$2"; }
  echo "| $clip | $dcpu | $ocpu | $(ratio "$dcpu" "$ocpu") | $dins | $oins | $(ratio "$dins" "$oins") |"
done
