"""Fill the node attributes a TF.js graph omits because they equal their defaults.

tf2onnx needs them (`NodeDef missing attr 'TArgs' from Op<_FusedConv2D>`, `KeyError: 'index_type'`).
Runs inside the conversion venv (needs tensorflow). Rewrites the model.json in place.
"""
import json
import sys

from google.protobuf.json_format import MessageToDict
from tensorflow.python.framework import op_def_registry


def fill(node):
    op = node["op"]
    op_def = op_def_registry.get(op) or op_def_registry.get("_" + op)
    if op_def is None:
        return
    attrs = node.setdefault("attr", {})
    for a in op_def.attr:
        if a.name in attrs:
            continue
        if op == "_FusedConv2D" and a.name == "TArgs":
            n = int(attrs.get("num_args", {}).get("i", "0"))
            t = attrs.get("T", {}).get("type", "DT_FLOAT")
            attrs["TArgs"] = {"list": {"type": [t] * n}} if n else {"list": {}}
        elif a.HasField("default_value"):
            attrs[a.name] = MessageToDict(a.default_value)


def main(path):
    with open(path) as f:
        model = json.load(f)
    topo = model["modelTopology"]
    for node in topo.get("node", []):
        fill(node)
    for fn in topo.get("library", {}).get("function", []):
        for node in fn.get("nodeDef", []):
            fill(node)
    with open(path, "w") as f:
        json.dump(model, f)


if __name__ == "__main__":
    main(sys.argv[1])
