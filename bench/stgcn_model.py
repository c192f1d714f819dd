"""An ST-GCN-shaped ONNX classifier with random weights, for timing only (no accuracy): the
layer plan of MMAction2's STGCN backbone (10 blocks, 64-64-64-64-128-128-128-256-256-256 channels,
temporal stride 2 at blocks 5 and 8, 3-partition COCO-17 graph, 9x1 temporal convolutions,
residuals) and its GCN head, with MMAction2's export layout [N, M, T, V, C]. A "compact" variant
(4 blocks of 32-64 channels) shows what a small model costs.

usage: stgcn_model.py OUT.onnx [--frames 100] [--persons 2] [--compact]
Writes OUT.onnx and OUT.json (its contract).
"""
import argparse
import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

V = 17
COCO_EDGES = [(15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12), (5, 6), (5, 7),
              (6, 8), (7, 9), (8, 10), (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6)]


def adjacency():
    """Spatial partitions: self, inward, outward (normalised), as in ST-GCN."""
    a = np.zeros((3, V, V), dtype=np.float32)
    a[0] = np.eye(V)
    for i, j in COCO_EDGES:
        a[1, j, i] = 1
        a[2, i, j] = 1
    for k in (1, 2):
        d = a[k].sum(0)
        d[d == 0] = 1
        a[k] = a[k] / d
    return a


class Graph:
    def __init__(self):
        self.nodes, self.init, self.n = [], [], 0
        self.rng = np.random.default_rng(0)

    def name(self, base):
        self.n += 1
        return f"{base}_{self.n}"

    def const(self, array, base="w"):
        n = self.name(base)
        self.init.append(numpy_helper.from_array(np.asarray(array), n))
        return n

    def op(self, kind, inputs, **attrs):
        out = self.name(kind.lower())
        self.nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def conv(self, x, cin, cout, k=(1, 1), stride=(1, 1)):
        w = self.const(self.rng.normal(0, (2 / (cin * k[0] * k[1])) ** 0.5, (cout, cin, *k)).astype(np.float32))
        b = self.const(np.zeros(cout, np.float32), "b")
        pads = [k[0] // 2, k[1] // 2, k[0] // 2, k[1] // 2]
        return self.op("Conv", [x, w, b], kernel_shape=list(k), strides=list(stride), pads=pads)


def block(g, x, cin, cout, stride, a):
    # spatial graph convolution: 1x1 conv to 3 partitions, multiply by A, sum
    y = g.conv(x, cin, 3 * cout)
    y = g.op("Reshape", [y, g.const(np.array([0, 3, cout, -1, V], np.int64), "shape")])
    y = g.op("MatMul", [y, a])
    y = g.op("ReduceSum", [y, g.const(np.array([1], np.int64), "axes")], keepdims=0)
    y = g.op("Relu", [y])
    # temporal convolution 9x1
    y = g.conv(y, cout, cout, (9, 1), (stride, 1))
    res = x if (cin == cout and stride == 1) else g.conv(x, cin, cout, (1, 1), (stride, 1))
    return g.op("Relu", [g.op("Add", [y, res])])


def build(frames, persons, compact, classes=2):
    g = Graph()
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", persons, frames, V, 3])
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", classes])
    a = g.const(adjacency().reshape(1, 3, 1, V, V), "A")
    h = g.op("Transpose", ["input"], perm=[0, 1, 4, 2, 3])          # N M C T V
    h = g.op("Reshape", [h, g.const(np.array([-1, 3, frames, V], np.int64), "shape")])  # NM C T V
    plan = ([(3, 32, 1), (32, 32, 1), (32, 64, 2), (64, 64, 1)] if compact else
            [(3, 64, 1), (64, 64, 1), (64, 64, 1), (64, 64, 1), (64, 128, 2), (128, 128, 1),
             (128, 128, 1), (128, 256, 2), (256, 256, 1), (256, 256, 1)])
    for cin, cout, stride in plan:
        h = block(g, h, cin, cout, stride, a)
    cout = plan[-1][1]
    h = g.op("GlobalAveragePool", [h])                               # NM C 1 1
    h = g.op("Reshape", [h, g.const(np.array([-1, persons, cout], np.int64), "shape")])
    h = g.op("ReduceMean", [h], axes=[1], keepdims=0)                 # N C
    w = g.const(g.rng.normal(0, 0.05, (cout, classes)).astype(np.float32))
    h = g.op("MatMul", [h, w])
    g.nodes.append(helper.make_node("Softmax", [h], ["output"], axis=1))
    graph = helper.make_graph(g.nodes, "stgcn_like", [x], [y], g.init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--frames", type=int, default=100)
    ap.add_argument("--persons", type=int, default=2)
    ap.add_argument("--compact", action="store_true")
    args = ap.parse_args()
    out = Path(args.out)
    onnx.save(build(args.frames, args.persons, args.compact), out)
    contract = {"layout": "NMTVC", "channels": 3, "frames": args.frames, "persons": args.persons,
                "normalization": "image_centered", "classes": ["other", "event"], "event_class": "event",
                "output": "probabilities"}
    out.with_suffix(".json").write_text(json.dumps(contract))


if __name__ == "__main__":
    main()
