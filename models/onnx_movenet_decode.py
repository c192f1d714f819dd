"""Adds MoveNet MultiPose's decoding, for a whole batch, to the body cut at its heads
(onnx_movenet_body.py), and takes uint8 frames: the result takes uint8 [N,H,W,3] (RGB, H and W
multiples of 32) and returns the full model's rows for every item, float32 [N,6,56]:

    17 x (y, x, score) relative to the input, then ymin, xmin, ymax, xmax, score

The full model decodes its heads for one image only (reshapes to [6, 1], squeezes of axis 0),
so it cannot run a batch; the body can, but its six heads are ~5.5 MB a frame at input 640x384
(85 of their 90 channels keypoint maps), copied back to the host and decoded there. Here the
decoding runs on the device with the convolutions and only 1.3 KB a frame comes back. The steps
are the full model's (and were those of vision::models::movenet::Heads, the Rust decoder this replaces):
1. centres: sigmoid of the centre head, kept where it equals its 5x5 neighbourhood's maximum,
   the 6 highest (TopK: a person each, highest first);
2. each person's keypoints regressed from its centre; per keypoint the cell inside the person's
   box with the highest sigmoid(heatmap) x exp(-distance^2 / (0.3 min(h, w))) to the regressed
   point (the first such cell; cell 0 when the box holds none), refined by the offset head; a
   keypoint's score is the highest such value any of the 6 people gives that cell;
3. the box from the centre, box offset and box scale; the person's score is the centre's score
   x the mean of the keypoint scores above 0.127.
Checked against the full model on real frames by the vision test
`the_batched_model_finds_the_full_models_people`.

Usage: python onnx_movenet_decode.py BODY.onnx OUT.onnx
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

PEOPLE = 6
KEYPOINTS = 17
# the full model's constants (vision::models::movenet had the same)
PEAK_TOLERANCE = 1.0132789611816406e-6
SPREAD = 0.300048828125
KEYPOINT_THRESHOLD = 0.126953125


class Graph:
    """Nodes appended to a graph, each output named after its step."""

    def __init__(self, graph):
        self.graph = graph

    def const(self, name, value, dtype=np.int64):
        self.graph.initializer.append(numpy_helper.from_array(np.array(value, dtype=dtype), name))
        return name

    def op(self, op_type, inputs, name, **attrs):
        self.graph.node.append(helper.make_node(op_type, inputs, [name], name=f"decode/{name}", **attrs))
        return name

    def ops(self, op_type, inputs, names, **attrs):
        self.graph.node.append(helper.make_node(op_type, inputs, names, name=f"decode/{names[0]}", **attrs))
        return names


def at_centres(g, head, channels, centre_index):
    """`head` [N,C,H,W] at each person's centre: [N,6,C]."""
    flat = g.op("Reshape", [head, g.const(f"{head}_flat_shape", [0, channels, -1])], f"{head}_flat")
    index = g.op("Unsqueeze", [centre_index, g.const(f"{head}_axis1", [1])], f"{head}_index1")
    index = g.op("Expand", [index, g.const(f"{head}_expand", [1, channels, 1])], f"{head}_index")
    values = g.op("GatherElements", [flat, index], f"{head}_at_centres", axis=2)  # [N,C,6]
    return g.op("Transpose", [values], f"{head}_people", perm=[0, 2, 1])


def channel(g, tensor, c, name):
    """Channel `c` of the last axis, kept as an axis of 1."""
    return g.op("Slice", [tensor, g.const(f"{name}_s", [c]), g.const(f"{name}_e", [c + 1]), g.const(f"{name}_a", [-1])], name)


def main() -> int:
    src, dst = sys.argv[1], sys.argv[2]
    model = onnx.load(src)
    graph = model.graph
    g = Graph(graph)
    f32 = lambda name, v: g.const(name, v, np.float32)  # noqa: E731

    # uint8 frames in (a quarter of int32's bytes to copy), cast to what the body takes
    old_input = graph.input[0].name
    cast_to = f"{old_input}_int32"
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name == old_input:
                node.input[i] = cast_to
    graph.node.insert(0, helper.make_node("Cast", [old_input], [cast_to], name="decode/frames_int32", to=TensorProto.INT32))
    graph.input[0].type.tensor_type.elem_type = TensorProto.UINT8

    heads = {o.name: o for o in graph.output}
    for name in ("center", "keypoint_heatmap", "keypoint_regression", "keypoint_offset", "box_scale", "box_offset"):
        if name not in heads:
            raise SystemExit(f"onnx_movenet_decode: {src} has no head {name!r} (make it with onnx_movenet_body.py)")

    # the grid: h, w and each cell's row and column, [1,1,HW]
    shape = g.op("Shape", ["center"], "grid_shape")
    h = g.op("Gather", [shape, g.const("two", 2)], "grid_h")
    w = g.op("Gather", [shape, g.const("three", 3)], "grid_w")
    cells = g.op("Range", [g.const("zero", 0), g.op("Mul", [h, w], "grid_cells"), g.const("one", 1)], "cell")
    hf = g.op("Cast", [h], "grid_hf", to=TensorProto.FLOAT)
    wf = g.op("Cast", [w], "grid_wf", to=TensorProto.FLOAT)
    flat3 = g.const("flat3", [1, 1, -1])
    cell_y = g.op("Reshape", [g.op("Cast", [g.op("Div", [cells, w], "cell_y_i")], "cell_y_f", to=TensorProto.FLOAT), flat3], "cell_y")
    cell_x = g.op("Reshape", [g.op("Cast", [g.op("Mod", [cells, w], "cell_x_i")], "cell_x_f", to=TensorProto.FLOAT), flat3], "cell_x")

    # 1. centres: 5x5 peaks of the centre's sigmoid, the 6 highest
    centre = g.op("Sigmoid", ["center"], "centre_score")
    pooled = g.op("MaxPool", [centre], "centre_pooled", kernel_shape=[5, 5], pads=[2, 2, 2, 2], strides=[1, 1])
    below = g.op("Sub", [pooled, centre], "centre_below_peak")
    is_peak = g.op("Less", [below, f32("peak_tolerance", PEAK_TOLERANCE)], "centre_is_peak")
    peaks = g.op("Where", [is_peak, centre, f32("zero_f", 0.0)], "centre_peaks")
    peaks = g.op("Reshape", [peaks, g.const("flat2", [0, -1])], "centre_peaks_flat")
    top_score, top_index = g.ops("TopK", [peaks, g.const("people", [PEOPLE])], ["person_score", "person_cell"], axis=1, largest=1, sorted=1)
    cy = g.op("Cast", [g.op("Div", [top_index, w], "person_y_i")], "person_y_f", to=TensorProto.FLOAT)
    cx = g.op("Cast", [g.op("Mod", [top_index, w], "person_x_i")], "person_x_f", to=TensorProto.FLOAT)
    cy = g.op("Unsqueeze", [cy, g.const("axis2", [2])], "person_y")  # [N,6,1]
    cx = g.op("Unsqueeze", [cx, g.const("axis2b", [2])], "person_x")

    # 2. regressed keypoints [N,6,17] and boxes [N,6,1], grid units
    regression = at_centres(g, "keypoint_regression", 2 * KEYPOINTS, top_index)  # [N,6,34]: y0,x0,y1,x1…
    regression = g.op("Reshape", [regression, g.const("people_kp2", [0, PEOPLE, KEYPOINTS, 2])], "regression_kp")
    reg_y = g.op("Squeeze", [channel(g, regression, 0, "regression_y1"), g.const("axis_last", [-1])], "regression_y")
    reg_x = g.op("Squeeze", [channel(g, regression, 1, "regression_x1"), g.const("axis_last_b", [-1])], "regression_x")
    kp_y = g.op("Add", [cy, reg_y], "regressed_y")
    kp_x = g.op("Add", [cx, reg_x], "regressed_x")
    scale = at_centres(g, "box_scale", 2, top_index)  # [N,6,2]
    scale = g.op("Mul", [g.op("Relu", [scale], "box_scale_pos"), f32("half", 0.5)], "box_half")
    offset = at_centres(g, "box_offset", 2, top_index)
    sy, sx = channel(g, scale, 0, "box_half_y"), channel(g, scale, 1, "box_half_x")
    oy = g.op("Add", [cy, channel(g, offset, 0, "box_offset_y")], "box_centre_y")
    ox = g.op("Add", [cx, channel(g, offset, 1, "box_offset_x")], "box_centre_x")
    zero = f32("zero_b", 0.0)

    def clip(value, upper, name):
        return g.op("Min", [g.op("Max", [value, zero], f"{name}_lo"), upper], name)

    y0 = clip(g.op("Sub", [oy, sy], "box_y0_raw"), hf, "box_y0")  # [N,6,1]
    x0 = clip(g.op("Sub", [ox, sx], "box_x0_raw"), wf, "box_x0")
    y1 = clip(g.op("Add", [oy, sy], "box_y1_raw"), hf, "box_y1")
    x1 = clip(g.op("Add", [ox, sx], "box_x1_raw"), wf, "box_x1")

    # each person's heat per keypoint and cell [N,6,17,HW]
    heat = g.op("Sigmoid", ["keypoint_heatmap"], "heat_sigmoid")
    heat = g.op("Reshape", [heat, g.const("heat_shape", [0, 1, KEYPOINTS, -1])], "heat_flat")  # [N,1,17,HW]
    last = g.const("axis3", [3])
    ry = g.op("Unsqueeze", [kp_y, last], "regressed_y4")  # [N,6,17,1]
    rx = g.op("Unsqueeze", [kp_x, last], "regressed_x4")
    dy = g.op("Sub", [cell_y, ry], "dy")
    dx = g.op("Sub", [cell_x, rx], "dx")
    d2 = g.op("Add", [g.op("Mul", [dx, dx], "dx2"), g.op("Mul", [dy, dy], "dy2")], "d2")
    spread = g.op("Mul", [g.op("Min", [hf, wf], "grid_shorter"), f32("spread", SPREAD)], "spread_cells")
    near = g.op("Exp", [g.op("Div", [g.op("Neg", [d2], "minus_d2"), spread], "d2_spread")], "nearness")
    heat = g.op("Mul", [heat, near], "heat_near")
    box4 = lambda b, n: g.op("Unsqueeze", [b, g.const(f"{n}_axis", [3])], n)  # noqa: E731 [N,6,1,1]
    inside = g.op("And", [
        g.op("And", [g.op("GreaterOrEqual", [cell_y, box4(y0, "y0_4")], "in_y0"), g.op("Less", [cell_y, box4(y1, "y1_4")], "in_y1")], "in_y"),
        g.op("And", [g.op("GreaterOrEqual", [cell_x, box4(x0, "x0_4")], "in_x0"), g.op("Less", [cell_x, box4(x1, "x1_4")], "in_x1")], "in_x"),
    ], "in_box")  # [N,6,1,HW]
    heat = g.op("Where", [inside, heat, f32("zero_h", 0.0)], "heat")

    # the best cell per person and keypoint [N,6,17,1], its score (best over the 6 people)
    best = g.op("ArgMax", [heat], "best_cell", axis=3, keepdims=1, select_last_index=0)
    ky = g.op("Cast", [g.op("Div", [best, w], "best_y_i")], "best_y", to=TensorProto.FLOAT)
    kx = g.op("Cast", [g.op("Mod", [best, w], "best_x_i")], "best_x", to=TensorProto.FLOAT)
    by_person = g.op("Transpose", [best], "best_by_person", perm=[0, 3, 2, 1])  # [N,1,17,6]
    by_person = g.op("Expand", [by_person, g.const("people_axis", [1, PEOPLE, 1, 1])], "best_for_each")  # [N,6i,17,6j]
    others = g.op("GatherElements", [heat, by_person], "heat_of_each", axis=3)
    score = g.op("ReduceMax", [others], "keypoint_score_t", axes=[1], keepdims=0)  # [N,17,6]
    score = g.op("Transpose", [score], "keypoint_score", perm=[0, 2, 1])  # [N,6,17]

    # offsets at the best cells [N,6,17,2]
    offsets = g.op("Reshape", ["keypoint_offset", g.const("offset_shape", [0, KEYPOINTS, 2, -1])], "offset_flat")  # [N,17,2,HW]
    at = g.op("Transpose", [best], "best_by_keypoint", perm=[0, 2, 3, 1])  # [N,17,1,6]
    at = g.op("Expand", [at, g.const("yx_axis", [1, 1, 2, 1])], "best_yx")  # [N,17,2,6]
    offset = g.op("GatherElements", [offsets, at], "offset_at_best", axis=3)
    offset = g.op("Transpose", [offset], "offset_people", perm=[0, 3, 1, 2])  # [N,6,17,2]
    sq = g.const("axis_sq", [-1])
    off_y = g.op("Squeeze", [channel(g, offset, 0, "offset_y1"), sq], "offset_y")
    off_x = g.op("Squeeze", [channel(g, offset, 1, "offset_x1"), sq], "offset_x")
    ky = g.op("Squeeze", [ky, sq], "best_y3")
    kx = g.op("Squeeze", [kx, sq], "best_x3")
    out_y = g.op("Div", [g.op("Add", [ky, off_y], "keypoint_y_cells"), hf], "keypoint_y")
    out_x = g.op("Div", [g.op("Add", [kx, off_x], "keypoint_x_cells"), wf], "keypoint_x")

    # 3. the person's score: centre x mean keypoint score above the threshold
    counted = g.op("Greater", [score, f32("keypoint_threshold", KEYPOINT_THRESHOLD)], "keypoint_counted")
    counted_f = g.op("Cast", [counted], "keypoint_counted_f", to=TensorProto.FLOAT)
    total = g.op("ReduceSum", [g.op("Mul", [score, counted_f], "keypoint_score_counted"), g.const("axis2c", [2])], "score_sum", keepdims=1)
    count = g.op("ReduceSum", [counted_f, g.const("axis2d", [2])], "score_count", keepdims=1)
    mean = g.op("Div", [total, g.op("Max", [count, f32("one_f", 1.0)], "score_count_1")], "score_mean")
    person = g.op("Mul", [g.op("Unsqueeze", [top_score, g.const("axis2e", [2])], "person_score3"), mean], "person")

    # rows [N,6,56]
    triples = [g.op("Unsqueeze", [t, g.const(f"{t}_axis", [3])], f"{t}4") for t in (out_y, out_x, score)]
    keypoints = g.op("Concat", triples, "keypoint_triples", axis=3)  # [N,6,17,3]
    keypoints = g.op("Reshape", [keypoints, g.const("rows_kp", [0, PEOPLE, 3 * KEYPOINTS])], "keypoint_rows")
    one = f32("one_box", 1.0)
    edges = [
        g.op("Min", [g.op("Max", [g.op("Div", [b, d], f"{n}_rel_raw"), zero], f"{n}_rel_lo"), one], f"{n}_rel")
        for b, d, n in ((y0, hf, "y0"), (x0, wf, "x0"), (y1, hf, "y1"), (x1, wf, "x1"))
    ]
    rows = g.op("Concat", [keypoints, *edges, person], "output_0", axis=2)
    assert rows == "output_0"

    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info("output_0", TensorProto.FLOAT, ["N", PEOPLE, 3 * KEYPOINTS + 5]))
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    return 0


if __name__ == "__main__":
    sys.exit(main())
