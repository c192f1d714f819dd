"""Same answers on CPU and GPU? Compares two runs of the same clip, frame by frame (stdlib only).

  compare.py masks CPU.masks.jsonl GPU.masks.jsonl   anonymize mask logs
  compare.py tracks CPU/tracks.mot.txt GPU/tracks.mot.txt   annotate tracks (MOTChallenge)

Boxes of one run are matched to the other's by IoU (greedy, best first, IoU >= 0.5). Prints JSON:
boxes in each, matched share of each, mean and largest corner deviation of matched boxes
(pixels), the share of each run's boxes mostly (> 50 %) inside a box of the other, and for tracks the share of matched boxes whose track id maps to the same id as the
majority of that id's matches (identity agreement).
"""
import collections, json, sys


def iou(a, b):
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def masks(path):
    frames = []
    for line in open(path):
        rec = json.loads(line)
        frames.append([(m["bbox"], m.get("track", 0)) for m in rec["masks"]])
    return frames


def tracks(path):
    by_frame = collections.defaultdict(list)
    for line in open(path):
        f, tid, x, y, w, h = [float(v) for v in line.split(",")[:6]]
        by_frame[int(f)].append(([x, y, x + w, y + h], int(tid)))
    n = max(by_frame) if by_frame else 0
    return [by_frame.get(i, []) for i in range(1, n + 1)]


def inside(x, y):
    w = min(x[2], y[2]) - max(x[0], y[0])
    h = min(x[3], y[3]) - max(x[1], y[1])
    area = max((x[2] - x[0]) * (x[3] - x[1]), 1e-6)
    return max(w, 0) * max(h, 0) / area


def covered(a, b):
    n = sum(len(f) for f in a)
    held = sum(1 for fa, fb in zip(a, b) for x in fa if any(inside(x[0], y[0]) > 0.5 for y in fb))
    return round(held / n, 4) if n else None


def compare(a, b):
    matched, dev, pairs = 0, [], []
    na = sum(len(f) for f in a)
    nb = sum(len(f) for f in b)
    for fa, fb in zip(a, b):
        cand = sorted(((iou(x[0], y[0]), i, j) for i, x in enumerate(fa) for j, y in enumerate(fb)), reverse=True)
        used_a, used_b = set(), set()
        for v, i, j in cand:
            if v < 0.5:
                break
            if i in used_a or j in used_b:
                continue
            used_a.add(i); used_b.add(j)
            matched += 1
            dev.append(max(abs(p - q) for p, q in zip(fa[i][0], fb[j][0])))
            pairs.append((fa[i][1], fb[j][1]))
    votes = collections.defaultdict(collections.Counter)
    for ia, ib in pairs:
        votes[ia][ib] += 1
    same_id = sum(c.most_common(1)[0][1] for c in votes.values())
    return {
        "frames": [len(a), len(b)],
        "boxes": [na, nb],
        "matched_share_of_first": round(matched / na, 4) if na else None,
        "matched_share_of_second": round(matched / nb, 4) if nb else None,
        "mean_corner_deviation_px": round(sum(dev) / len(dev), 2) if dev else None,
        "max_corner_deviation_px": round(max(dev), 2) if dev else None,
        "first_mostly_inside_second": covered(a, b),
        "second_mostly_inside_first": covered(b, a),
        "identity_agreement": round(same_id / len(pairs), 4) if pairs else None,
    }


if __name__ == "__main__":
    kind, first, second = sys.argv[1:4]
    load = masks if kind == "masks" else tracks
    print(json.dumps(compare(load(first), load(second))))
