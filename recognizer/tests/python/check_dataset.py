"""Loads an annotate job's MMAction2 / PYSKL pickle and COCO files the way training code does,
and checks them against what the Rust side says they hold (expected.json).

usage: check_dataset.py dataset.pkl expected.json coco.json...
"""
import json
import pickle
import sys

import numpy as np
from pycocotools.coco import COCO

pkl_path, expected_path, *coco_paths = sys.argv[1:]
with open(pkl_path, "rb") as f:
    data = pickle.load(f)
with open(expected_path) as f:
    expected = json.load(f)

assert isinstance(data, dict) and set(data) == {"split", "annotations"}, list(data)
assert data["split"] == expected["split"], (data["split"], expected["split"])
annotations = data["annotations"]
assert [a["frame_dir"] for a in annotations] == [e["frame_dir"] for e in expected["samples"]]
KEYS = {"frame_dir", "label", "img_shape", "original_shape", "total_frames", "keypoint", "keypoint_score"}
for a, e in zip(annotations, expected["samples"]):
    assert set(a) == KEYS, set(a) ^ KEYS
    assert a["label"] == e["label"] and isinstance(a["label"], int)
    assert a["img_shape"] == tuple(e["img_shape"]) == a["original_shape"]
    assert a["total_frames"] == e["total_frames"]
    kp, score = a["keypoint"], a["keypoint_score"]
    for arr in (kp, score):
        assert type(arr) is np.ndarray, type(arr)
        assert arr.dtype == np.float32, arr.dtype
        assert arr.flags.writeable and arr.flags.c_contiguous
    m, t = e["persons"], e["total_frames"]
    assert kp.shape == (m, t, 17, 2), kp.shape
    assert score.shape == (m, t, 17), score.shape
    for (mi, ti, v, c, value) in e["keypoint_points"]:
        assert kp[mi, ti, v, c] == np.float32(value), (e["frame_dir"], mi, ti, v, c, kp[mi, ti, v, c], value)
    for (mi, ti, v, value) in e["score_points"]:
        assert score[mi, ti, v] == np.float32(value)
    assert np.isclose(kp.astype(np.float64).sum(), e["keypoint_sum"], rtol=1e-6), (kp.sum(), e["keypoint_sum"])
    assert np.isclose(score.astype(np.float64).sum(), e["score_sum"], rtol=1e-6)
    # frame-normalised: inside 0..1; missing points are exactly zero with zero score
    assert kp.min() >= 0.0 and kp.max() <= 1.0, (kp.min(), kp.max())
    assert np.all(kp[score == 0] == 0)
    kp *= 1.0  # training code transforms in place

for path, count in zip(coco_paths, expected["coco_annotations"]):
    coco = COCO(path)
    ids = coco.getAnnIds(catIds=coco.getCatIds(catNms=["person"]))
    assert len(ids) == count, (path, len(ids), count)
    ann = coco.loadAnns(ids[:1])[0]
    assert len(ann["keypoints"]) == 51 and "track_id" in ann
    assert coco.loadImgs(ann["image_id"])[0]["width"] > 0
print(f"ok: {len(annotations)} samples, {sum(expected['coco_annotations'])} COCO annotations")
