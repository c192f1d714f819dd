#!/usr/bin/env python3
"""Summarises bench/gpu/run.sh's `streams` step: for each run (provider, streams at once), how
many streams kept up (≥ 95 % of the camera's frames analysed) and the latency spread over all
streams (p50 of the p50s, worst p99). Usage: streams_summary.py OUT_DIR"""

import glob
import json
import os
import re
import statistics
import sys


def main() -> int:
    out = sys.argv[1]
    rows = []
    for path in glob.glob(os.path.join(out, "streams-*-*.json")):
        m = re.search(r"streams-(\w+)-(\d+)\.json$", path)
        if not m:
            continue
        provider, n = m.group(1), int(m.group(2))
        with open(path) as f:
            health = [h for h in json.load(f) if h]
        if not health:
            rows.append((provider, n, 0, 0, None, None, None, None))
            continue
        kept = sum(1 for h in health if h["input_fps"] > 0 and h["processed_fps"] >= 0.95 * h["input_fps"])
        p50 = [h["latency_p50_ms"] for h in health if h.get("latency_p50_ms") is not None]
        p99 = [h["latency_p99_ms"] for h in health if h.get("latency_p99_ms") is not None]
        analysed = sum(h["processed_fps"] for h in health)
        rows.append((provider, n, len(health), kept, analysed,
                     statistics.median(p50) if p50 else None, max(p99) if p99 else None,
                     sum(h["dropped"] for h in health)))
    print("provider  streams  reported  kept up  analysed fps (sum)  p50 ms (median)  p99 ms (worst)  dropped")
    fmt = lambda v: "–" if v is None else f"{v:.0f}"
    for provider, n, reported, kept, analysed, p50, p99, dropped in sorted(rows):
        print(f"{provider:>8}  {n:>7}  {reported:>8}  {kept:>7}  {fmt(analysed):>18}  {fmt(p50):>15}  {fmt(p99):>14}  {fmt(dropped):>7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
