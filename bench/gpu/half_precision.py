"""A half-precision copy of the batched pose model for `run.sh pose-variants` (not a product
model: on the H200 it ran at 750 frames/s against 716 in float32 and 904 with TF32 and
channels-last, bench/RESULTS.md round 6). Made from the body (models/onnx_movenet_body.py's
output) and decoded like the product's model (models/onnx_movenet_decode.py).
Needs `onnx` and `onnxconverter-common` (PyPI).
Usage: half_precision.py BODY.onnx BODY16.onnx   then   onnx_movenet_decode.py BODY16.onnx OUT.onnx
"""
import sys

import onnx
from onnx import TensorProto
from onnxconverter_common import float16

model = float16.convert_float_to_float16(onnx.load(sys.argv[1]), keep_io_types=True)
# the converter leaves the input's cast to float32: it now feeds half-precision convolutions
inputs = {i.name for i in model.graph.input}
for node in model.graph.node:
    if node.op_type == "Cast" and node.input[0] in inputs:
        for a in node.attribute:
            if a.name == "to" and a.i == TensorProto.FLOAT:
                a.i = TensorProto.FLOAT16
onnx.save(model, sys.argv[2])
