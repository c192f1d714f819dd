"""Wraps the (symbolic-dims) CenterFace model for whole frames on a GPU: decoded frames go in as
they are and only the heatmap cells above the threshold come back.

    frames     uint8 [N,H,W,3]  RGB frames as decoded (any size)
    size       int64 [2]        the model input's height and width (multiples of 32)
    threshold  float []         heatmap threshold
 ->
    cells      int64 [K,3]      (item, row, column) of every heatmap cell scoring above threshold
    values     float [K,15]     at those cells: heat, scale (2), offset (2), landmarks (10)

Inside: cast to float, NCHW, resized to `size` (linear with antialiasing, as the CPU path's
fast_image_resize bilinear convolution), CenterFace in half precision (its weights and
activations in float16: the GPU's tensor cores; the maps come back as float32), then the cells
above the threshold. What
the CPU path did per frame before the model (resizing 1080p, converting it to planar floats,
~100 MB per 4 frames through pageable memory) and after it (copying 15 maps of 130,560 cells
per 1080p frame back) stays on the GPU: 6 MB in per frame, a few cells out. vision's
`models::centerface` decodes the cells as it decodes the dense maps; a test there checks both
give the same faces on real frames.

Usage: python onnx_centerface_frames.py CENTERFACE_DYNAMIC.onnx OUT.onnx
"""

import sys

import onnx
from onnx import TensorProto, helper, numpy_helper, version_converter

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
        const("three", TensorProto.INT64, [1], [3]),
        const("item_row_col", TensorProto.INT64, [3], [0, 2, 3]),
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
        helper.make_node("Transpose", ["maps"], ["maps_nhwc"], perm=[0, 2, 3, 1]),
        helper.make_node("Greater", [HEAT, "threshold"], ["above"]),
        helper.make_node("NonZero", ["above"], ["where"]),
        helper.make_node("Transpose", ["where"], ["where_t"], perm=[1, 0]),
        helper.make_node("Gather", ["where_t", "item_row_col"], ["cells"], axis=1),
        helper.make_node("GatherND", ["maps_nhwc", "cells"], ["values"]),
    ]
    # CenterFace in float16: its weights converted, its input cast down, its four maps cast up
    # under their old names (so `post` reads them unchanged)
    for init in graph.initializer:
        if init.data_type == TensorProto.FLOAT:
            init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).astype("float16"), init.name))
    nodes = list(graph.node)
    for node in nodes:
        node.input[:] = [body_input + "_half" if i == body_input else i for i in node.input]
        node.output[:] = [o + "_half" if o in (HEAT, SCALE, OFFSET, LANDMARKS) else o for o in node.output]
        for i, name in enumerate(node.input):
            if name in (HEAT, SCALE, OFFSET, LANDMARKS):
                node.input[i] = name + "_half"
    down = [helper.make_node("Cast", [body_input], [body_input + "_half"], to=TensorProto.FLOAT16)]
    up = [helper.make_node("Cast", [m + "_half"], [m], to=TensorProto.FLOAT) for m in (HEAT, SCALE, OFFSET, LANDMARKS)]
    del graph.node[:]
    graph.node.extend(pre + down + nodes + up + post)
    del graph.input[:]
    graph.input.extend([
        helper.make_tensor_value_info("frames", TensorProto.UINT8, ["N", "H", "W", 3]),
        helper.make_tensor_value_info("size", TensorProto.INT64, [2]),
        helper.make_tensor_value_info("threshold", TensorProto.FLOAT, []),
    ])
    del graph.output[:]
    graph.output.extend([
        helper.make_tensor_value_info("cells", TensorProto.INT64, ["K", 3]),
        helper.make_tensor_value_info("values", TensorProto.FLOAT, ["K", 15]),
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
