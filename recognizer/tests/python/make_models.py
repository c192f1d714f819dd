"""Small ONNX models whose output is a known function of their input, for the skeleton classifier
tests: each "probe" returns chosen elements of its input tensor, so a test can check that every
layout, channel, normalisation and frame lands exactly where the model reads it.

usage: make_models.py OUTDIR   (writes the models and OUTDIR/probes.json)
"""
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
# ONNX Runtime 1.31 reads IR versions up to 13; onnx 1.19+ writes newer ones by default
IR_VERSION = 8


def save(model, path):
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    onnx.save(model, path)


def probe(path, shape, points):
    """output[0, i] = input[points[i]] (points in the input's own axis order)."""
    flat = [int(np.ravel_multi_index(p, shape)) for p in points]
    size = int(np.prod(shape[1:]))
    x = helper.make_tensor_value_info("skeleton", TensorProto.FLOAT, ["batch", *shape[1:]])
    y = helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", len(points)])
    nodes = [
        helper.make_node("Flatten", ["skeleton"], ["flat"], axis=1),
        helper.make_node("Gather", ["flat", "indices"], ["scores"], axis=1),
    ]
    indices = numpy_helper.from_array(np.array(flat, dtype=np.int64), "indices")
    graph = helper.make_graph(nodes, "probe", [x], [y], [indices])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)]), path)
    assert max(flat) < size
    return {"file": Path(path).name, "shape": shape, "points": points}


def constant(path, shape, probabilities):
    """Whatever the window: these class probabilities (the input still flows through the graph)."""
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", *shape[1:]])
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", len(probabilities)])
    nodes = [
        helper.make_node("Flatten", ["input"], ["flat"], axis=1),
        helper.make_node("ReduceSum", ["flat", "axes"], ["sum"], keepdims=1),
        helper.make_node("Mul", ["sum", "zero"], ["nothing"]),
        helper.make_node("Add", ["nothing", "probabilities"], ["output"]),
    ]
    init = [
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axes"),
        numpy_helper.from_array(np.array([0.0], dtype=np.float32), "zero"),
        numpy_helper.from_array(np.array([probabilities], dtype=np.float32), "probabilities"),
    ]
    graph = helper.make_graph(nodes, "constant", [x], [y], init)
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)]), path)


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    probes = {
        # MMAction2 layout [N, M, T, V, C], C = x, y, score; points (n, m, t, v, c)
        "nmtvc": probe(out / "probe_nmtvc.onnx", [1, 2, 8, 17, 3],
                       [[0, 0, 7, 0, 0], [0, 1, 0, 16, 1], [0, 0, 3, 9, 2], [0, 1, 7, 5, 0], [0, 0, 0, 11, 1]]),
        # PaddleVideo / PP-Human layout [N, C, T, V, M], C = x, y; points (n, c, t, v, m)
        "nctvm": probe(out / "probe_nctvm.onnx", [1, 2, 8, 17, 1],
                       [[0, 0, 7, 0, 0], [0, 1, 0, 16, 0], [0, 1, 3, 9, 0], [0, 0, 6, 5, 0]]),
        # rank 4: disagrees with any contract
        "rank4": probe(out / "probe_rank4.onnx", [1, 8, 17, 3], [[0, 7, 0, 0], [0, 0, 1, 1]]),
    }
    constant(out / "constant_fall.onnx", [1, 1, 30, 17, 3], [0.1, 0.9])
    (out / "probes.json").write_text(json.dumps(probes, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
