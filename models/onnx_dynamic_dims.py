"""Make an ONNX model's batch and spatial dims symbolic ([B,C,H,W]).

CenterFace ships with a fixed input [10,3,32,32] that ONNX Runtime enforces. This rewrites the
input and output shapes to symbolic B/H/W (channels kept) and removes initializers listed as
graph inputs (old exporters did that; ORT then treats them as overridable inputs).
Runs inside the conversion venv (needs onnx). Usage: onnx_dynamic_dims.py IN OUT
"""
import sys

import onnx


def main(src, dst):
    model = onnx.load(src)
    graph = model.graph
    init_names = {i.name for i in graph.initializer}
    real_inputs = [i for i in graph.input if i.name not in init_names]
    del graph.input[:]
    graph.input.extend(real_inputs)
    # Outputs are smaller than the input (stride 4): they get their own symbols.
    named = [(v, ("B", "H", "W")) for v in graph.input] + [(v, ("B", "OH", "OW")) for v in graph.output]
    for value, (b, h, w) in named:
        dims = value.type.tensor_type.shape.dim
        for idx, sym in ((0, b), (2, h), (3, w)):
            if idx < len(dims):
                dims[idx].ClearField("dim_value")
                dims[idx].dim_param = sym
    # Inferred intermediate shapes would still say 32x32: drop them, ORT infers its own.
    del graph.value_info[:]
    onnx.checker.check_model(model)
    onnx.save(model, dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
