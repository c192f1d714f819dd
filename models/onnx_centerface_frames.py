"""Wraps the (symbolic-dims) CenterFace model for whole frames on a GPU: decoded frames go in as
they are and only the best heatmap cells come back.

    frames     uint8 [N,H,W,3]  RGB frames as decoded (any size)
    size       int64 [2]        the model input's height and width (multiples of 32)
 ->
    cells      int64 [N,K]      per item the K best heatmap cells, best first (index row × W/4
                                + column), K = min(2048, cells of a map)
    values     float [N,15,K]   at those cells: heat, scale (2), offset (2), landmarks (10)

The caller keeps the cells above its threshold (sorted: it stops at the first below). 2,048
cells is far more than the faces of a crowded 1080p scene cover above any useful threshold; the
caller says so when the last one still passes. (A first version returned exactly the cells above
a threshold with NonZero: on the H200 that node took 13 ms of a 22 ms run of five 1080p frames.)

Inside: cast to float, NCHW, resized to `size` (linear with antialiasing, as the CPU path's
fast_image_resize bilinear convolution), CenterFace, then the best cells. (Half precision was
tried: on the H200 the convolutions of five 1080p frames take 2.5 ms either way — kernel
launches, not arithmetic, at this size — and each shape's first run took 2 s longer.) What
the CPU path did per frame before the model (resizing 1080p, converting it to planar floats,
~100 MB per 4 frames through pageable memory) and after it (copying 15 maps of 130,560 cells
per 1080p frame back) stays on the GPU: 6 MB in per frame, a few cells out. vision's
`models::centerface` decodes the cells as it decodes the dense maps; a test there checks both
give the same faces on real frames.

Usage: python onnx_centerface_frames.py CENTERFACE_DYNAMIC.onnx OUT.onnx
"""

import sys

import onnx
from onnx import TensorProto, helper, version_converter

HEAT, SCALE, OFFSET, LANDMARKS = "537", "538", "539", "540"


def main() -> int:
    src, dst = sys.argv[1], sys.argv[2]
    # Resize with antialiasing needs opset 18; CenterFace's ops (Conv, ConvTranspose, Relu, Add,
    # BatchNormalization, Sigmoid) are the same there
    model = version_converter.convert_version(onnx.load(src), 18)
    graph = model.graph
    (body_input,) = [i.name for i in graph.input]
    const = lambda name, dtype, dims, vals: helper.make_tensor(name, dtype, dims, vals)  # noqa: E731
    graph.initializer.extend([
        const("first", TensorProto.INT64, [1], [0]),
        const("second", TensorProto.INT64, [1], [1]),
        const("most_cells", TensorProto.INT64, [1], [2048]),
        const("flat_maps_shape", TensorProto.INT64, [3], [0, 15, -1]),
        const("flat_heat_shape", TensorProto.INT64, [2], [0, -1]),
        # [N,1,K] -> [N,15,K]: the shape times (1, 15, 1)
        const("maps_multiplier", TensorProto.INT64, [3], [1, 15, 1]),
        const("three", TensorProto.INT64, [1], [3]),
    ])
    pre = [
        helper.make_node("Cast", ["frames"], ["frames_f"], to=TensorProto.FLOAT),
        helper.make_node("Transpose", ["frames_f"], ["frames_nchw"], perm=[0, 3, 1, 2]),
        helper.make_node("Shape", ["frames"], ["frames_shape"]),
        helper.make_node("Gather", ["frames_shape", "first"], ["n"]),
        helper.make_node("Concat", ["n", "three", "size"], ["sizes"], axis=0),
        helper.make_node(
            "Resize", ["frames_nchw", "", "", "sizes"], [body_input],
            mode="linear", antialias=1, coordinate_transformation_mode="half_pixel",
        ),
    ]
    post = [
        helper.make_node("Concat", [HEAT, SCALE, OFFSET, LANDMARKS], ["maps"], axis=1),
        helper.make_node("Reshape", ["maps", "flat_maps_shape"], ["maps_flat"]),
        helper.make_node("Reshape", [HEAT, "flat_heat_shape"], ["heat_flat"]),
        helper.make_node("Shape", ["heat_flat"], ["heat_flat_shape"]),
        helper.make_node("Gather", ["heat_flat_shape", "second"], ["cells_per_map"]),
        helper.make_node("Min", ["cells_per_map", "most_cells"], ["k"]),
        helper.make_node("TopK", ["heat_flat", "k"], ["best_heat", "cells"], axis=-1, largest=1, sorted=1),
        helper.make_node("Unsqueeze", ["cells", "second"], ["cells_1"]),
        helper.make_node("Shape", ["cells_1"], ["cells_1_shape"]),
        helper.make_node("Mul", ["cells_1_shape", "maps_multiplier"], ["cells_15_shape"]),
        helper.make_node("Expand", ["cells_1", "cells_15_shape"], ["cells_15"]),
        helper.make_node("GatherElements", ["maps_flat", "cells_15"], ["values"], axis=2),
    ]
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(pre + nodes + post)
    del graph.input[:]
    graph.input.extend([
        helper.make_tensor_value_info("frames", TensorProto.UINT8, ["N", "H", "W", 3]),
        helper.make_tensor_value_info("size", TensorProto.INT64, [2]),
    ])
    del graph.output[:]
    graph.output.extend([
        helper.make_tensor_value_info("cells", TensorProto.INT64, ["N", "K"]),
        helper.make_tensor_value_info("values", TensorProto.FLOAT, ["N", 15, "K"]),
    ])
    del graph.value_info[:]
    # BatchNormalization's training counters: initializers no node reads
    used = {name for node in graph.node for name in node.input}
    kept = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    return 0


if __name__ == "__main__":
    sys.exit(main())
