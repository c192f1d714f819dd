#!/usr/bin/env bash
# The evaluation report (issue #18) on the labelled footage of ../shared/data at default settings:
# runs bench/analyze.sh (poses kept in OUT, so a second run only re-scores), then scores the
# falls (GMDCSA24 intervals, Falling* → fall) and the fights (by folder) with `recognizer
# evaluate`, one report each, and prints their headline lines.
# Usage: bench/evaluate.sh [OUT] [FIGHT_CLIPS_PER_CLASS (default 100)]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${RECOGNIZER_SHARED_DATA:-../shared/data}
. scripts/env.sh
out=${1:-$RECOGNIZER_CACHE/bench-analyze}
per_class=${2:-100}
bench/analyze.sh "$out" "$per_class" >/dev/null
bin="$CARGO_TARGET_DIR/release/recognizer"
# one folder per set with unique video names (GMDCSA24 numbers its clips per subject), and the
# labels under those names
python3 - "$data" "$out" <<'PY'
import csv, os, re, sys
data, out = sys.argv[1], sys.argv[2]
cell = re.compile(r"([^\[;:]+)\[\s*([\d.]+)\s*(?:to|-)?\s*([\d.]+)\s*\]")
for name in ("eval-falls", "eval-fights"):
    os.makedirs(f"{out}/{name}", exist_ok=True)
falls = ["video,label,start,end"]
for subject in ("Subject 1", "Subject 2", "Subject 4"):
    for kind in ("Fall", "ADL"):
        results = f"{out}/{subject.replace(' ', '_')}-{kind}"
        rows = {r[0].strip(): r[-1] for r in csv.reader(open(f"{data}/falls-gmdcsa24/{subject}/{kind}.csv")) if r}
        for clip in sorted(os.listdir(results)):
            if not os.path.isfile(f"{results}/{clip}/events.json"):
                continue
            unique = f"s{subject[-1]}-{kind.lower()}-{clip}"
            link = f"{out}/eval-falls/{unique}"
            if not os.path.lexists(link):
                os.symlink(os.path.abspath(f"{results}/{clip}"), link)
            for label, start, end in cell.findall(rows.get(clip, "")):
                falls.append(f"{unique},{label.strip()},{start},{end}")
open(f"{out}/falls-labels.csv", "w").write("\n".join(falls) + "\n")
fights = ["video,label,start,end"]
for kind in ("fight", "noFight"):
    for clip in sorted(os.listdir(f"{out}/{kind}")):
        if not os.path.isfile(f"{out}/{kind}/{clip}/events.json"):
            continue
        link = f"{out}/eval-fights/{clip}"
        if not os.path.lexists(link):
            os.symlink(os.path.abspath(f"{out}/{kind}/{clip}"), link)
        if kind == "fight":
            fights.append(f"{clip},fight,,")
open(f"{out}/fights-labels.csv", "w").write("\n".join(fights) + "\n")
PY
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); fight clips per class: $per_class"
"$bin" evaluate "$out/eval-falls" --labels "$out/falls-labels.csv" --services fall -o "$out/report-falls"
"$bin" evaluate "$out/eval-fights" --labels "$out/fights-labels.csv" --services fight -o "$out/report-fights"
