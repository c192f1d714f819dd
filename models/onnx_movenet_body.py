"""Cuts a converted MoveNet MultiPose ONNX model at its six convolutional heads and frees the batch
axis: the result takes int32 [N,H,W,3] and returns the raw heads, each [N,C,H/4,W/4]:

    center (1), keypoint_heatmap (17), keypoint_regression (34), keypoint_offset (34),
    box_scale (2), box_offset (2)                     (logits; no sigmoid applied)

The full model's decoding after the heads (top 6 centres, keypoints, boxes) is written for one
image (reshapes to [6, 1], squeezes of axis 0), so that graph cannot run a batch; the
convolutional body can, and onnx_movenet_decode.py then appends the same decoding for a whole
batch (movenet-multipose-batch). Checked by the vision test that compares both on real frames.

Usage: python onnx_movenet_body.py FULL.onnx OUT.onnx
"""

import sys

import onnx
from onnx import helper, utils

HEADS = [
    ("center", "center_0"),
    ("keypoint_heatmap", "kpt_heatmap_0"),
    ("keypoint_regression", "kpt_regress_0"),
    ("keypoint_offset", "kpt_offset_0"),
    ("box_scale", "box_scale_0"),
    ("box_offset", "box_offset_0"),
]


def head_output(graph, scope):
    """The output of the head's last convolution (its bias add, before any activation)."""
    found = [
        n.output[0]
        for n in graph.node
        if n.op_type == "Conv" and f"/{scope}/conv2d_" in n.name and "BiasAdd" in n.name
    ]
    if len(found) != 1:
        raise SystemExit(f"onnx_movenet_body: expected one final convolution in {scope}, found {found}")
    return found[0]


def main() -> int:
    src, dst = sys.argv[1], sys.argv[2]
    model = onnx.load(src)
    outputs = [head_output(model.graph, scope) for _, scope in HEADS]
    body = utils.Extractor(model).extract_model([model.graph.input[0].name], outputs)
    # friendly names for the heads
    for (name, _), tensor in zip(HEADS, outputs):
        body.graph.node.append(helper.make_node("Identity", [tensor], [name]))
    old = {o.name: o for o in body.graph.output}
    del body.graph.output[:]
    for (name, _), tensor in zip(HEADS, outputs):
        info = onnx.ValueInfoProto()
        info.CopyFrom(old[tensor])
        info.name = name
        body.graph.output.append(info)
    # a free batch axis
    body.graph.input[0].type.tensor_type.shape.dim[0].ClearField("dim_value")
    body.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "N"
    for o in body.graph.output:
        dim = o.type.tensor_type.shape.dim[0]
        dim.ClearField("dim_value")
        dim.dim_param = "N"
    onnx.checker.check_model(body)
    onnx.save(body, dst)
    return 0


if __name__ == "__main__":
    sys.exit(main())
