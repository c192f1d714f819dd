"""Pose heads left uncovered: what the pose model is there for, which deface cannot measure.

The reference is our own run with the face detector and the pose model on every frame
(`--detect-every 1 --pose-every 1`); its masks from the pose model ("source": "pose": heads no face
covered — turned away, too small for the face detector) are what a user would want hidden. A
reference head counts as uncovered by a run when its centre lies outside all of that run's masks
(scaled by the mask scale, as ellipses): pose keypoints of ~10 px heads jitter by a few pixels
from frame to frame, so box overlap would count jitter, not exposure.
Usage: anonymize_heads.py REFERENCE_LOG OUR_LOG OUR_MASK_SCALE  -> one JSON line on stdout
"""
import json
import sys


def inside_ellipse(box, scale, x, y):
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    rx = max((box[2] - box[0]) * scale / 2, 0.5)
    ry = max((box[3] - box[1]) * scale / 2, 0.5)
    return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1.0


def main(reference, ours, scale):
    ref = [json.loads(line) for line in open(reference)]
    run = [json.loads(line) for line in open(ours)]
    heads, uncovered, frames = 0, 0, []
    for i, frame in enumerate(ref):
        masks = [m["bbox"] for m in run[i]["masks"]] if i < len(run) else []
        for m in frame["masks"]:
            if m["source"] != "pose":
                continue
            heads += 1
            b = m["bbox"]
            x, y = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
            if not any(inside_ellipse(o, scale, x, y) for o in masks):
                uncovered += 1
                frames.append(i)
    print(json.dumps({"reference_pose_heads": heads, "uncovered": uncovered, "frames": frames[:20]}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))
