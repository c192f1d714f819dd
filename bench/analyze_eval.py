#!/usr/bin/env python3
"""Scores `recognizer run analyze` output (bench/analyze.sh) against the labels of ../shared/data.

Falls (GMDCSA24): a fall clip is detected when a fall event overlaps its labelled falling interval
and starts within 1.5 s of the labelled onset; an ADL clip must have no fall event.
Fights (SCF): a fight clip must have a fight event, a no-fight clip none (clip accuracy).
Prints a markdown table per clip and a summary per set and part (tune / validate).
Usage: analyze_eval.py DATA OUT
"""
import csv
import json
import re
import sys
from pathlib import Path

data, out = Path(sys.argv[1]), Path(sys.argv[2])


def fall_intervals(cell):
    """'Falling (BW)[6.9 to 12]; Walking[0 to 3.6]' -> [(6.9, 12.0)] (typos tolerated)."""
    found = []
    for m in re.finditer(r"Fall\w*[^\[]*\[\s*([\d.]+)\s*to\s*([\d.]+)\s*\]", cell, re.I):
        found.append((float(m.group(1)), float(m.group(2))))
    return found


def events(dirname, clip):
    path = out / dirname / clip / "events.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text())


rows, summary = [], {}


def count(key, ok):
    t = summary.setdefault(key, [0, 0])
    t[0] += int(ok)
    t[1] += 1


for subject, part in [("Subject 1", "tune"), ("Subject 2", "tune"), ("Subject 4", "validate")]:
    for kind in ["Fall", "ADL"]:
        labels = {}
        with open(data / "falls-gmdcsa24" / subject / f"{kind}.csv", newline="") as f:
            for row in csv.reader(f):
                if row and row[0].strip().endswith(".mp4"):
                    labels[row[0].strip()] = row[-1]
        dirname = f"{subject}-{kind}".replace(" ", "_")
        for clip in sorted(p.name for p in (data / "falls-gmdcsa24" / subject / kind).glob("*.mp4")):
            ev = events(dirname, clip)
            if ev is None:
                rows.append((f"falls {part}", f"{subject}/{kind}/{clip}", "not run", "", "", ""))
                continue
            falls = [e["event"] for e in ev if e["service"] == "fall"]
            fights = [e["event"] for e in ev if e["service"] == "fight"]
            if kind == "Fall":
                intervals = fall_intervals(labels.get(clip, ""))
                onset = intervals[0][0] if intervals else None
                hit = None
                for e in falls:
                    for a, b in intervals:
                        if e["start_time"] <= b and e["end_time"] >= a and abs(e["start_time"] - a) <= 1.5:
                            hit = e
                            break
                    if hit:
                        break
                ok = hit is not None
                false_events = len(falls) - (1 if hit else 0)
                first = f"{falls[0]['start_time']:.1f}" if falls else "–"
                rows.append((f"falls {part}", f"{subject}/Fall/{clip}", f"{len(falls)} fall, {len(fights)} fight",
                             f"{onset}", first, ("yes" if ok else "no") + (f", {false_events} other" if false_events else "")))
                count(f"falls {part}: fall clips detected", ok)
            else:
                ok = not falls
                first = f"{falls[0]['start_time']:.1f}" if falls else "–"
                rows.append((f"falls {part}", f"{subject}/ADL/{clip}", f"{len(falls)} fall, {len(fights)} fight",
                             "(no fall)", first, "yes" if ok else "no (false fall)"))
                count(f"falls {part}: ADL clips without a fall", ok)

for kind, want in [("fight", True), ("noFight", False)]:
    for path in sorted((data / "fights-scf" / kind).glob("*.mp4")):
        ev = events(kind, path.name)
        if ev is None:
            continue
        number = int(re.sub(r"\D", "", path.stem) or 0)
        part = "tune" if number <= 50 else "validate"
        fights = [e["event"] for e in ev if e["service"] == "fight"]
        ok = bool(fights) == want
        pairs = {tuple(e["tracks"]) for e in fights}
        rows.append((f"fights {part}", f"{kind}/{path.name}", f"{len(fights)} fight",
                     "fight" if want else "no fight", f"{fights[0]['start_time']:.1f}" if fights else "–",
                     ("yes" if ok else "no") + (f" (tracks {sorted(pairs)[0]})" if fights else "")))
        count(f"fights {part}: clip accuracy", ok)
        count(f"fights {part}: {'fight' if want else 'no-fight'} clips right", ok)

print("| set | clip | events | labelled | first event start (s) | right |")
print("|---|---|---|---|---:|---|")
for r in rows:
    print("| " + " | ".join(str(c) for c in r) + " |")
print()
print("| measure | right | of | % |")
print("|---|---:|---:|---:|")
for key in sorted(summary):
    ok, n = summary[key]
    print(f"| {key} | {ok} | {n} | {100 * ok / max(n, 1):.0f} |")
