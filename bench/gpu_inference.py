"""Inference time of the two anonymize models, CUDA vs CPU, at the input sizes the anonymize job
feeds them for the benchmark clips (random inputs: the time does not depend on the pixels).

Run on the lent GPU machine with onnxruntime-gpu 1.31.1 importable (ORT_PKG: the directory that
holds its `onnxruntime` package with the CUDA provider library beside it; the staging recipe is in
bench/RESULTS.md) and the CUDA libraries on LD_LIBRARY_PATH:
  python bench/gpu_inference.py MODELS_DIR   -> prints each case, writes $OUT/gpu.json
"""
import json, os, sys, time
sys.path.insert(0, os.environ.get("ORT_PKG", "/root/ort/pkg"))
import numpy as np
import onnxruntime as ort
res = {"onnxruntime": ort.__version__, "providers": ort.get_available_providers()}
def bench(model, feeds, provider, n=200):
    s = ort.InferenceSession(model, providers=[provider])
    for _ in range(10): s.run(None, feeds)
    t = time.perf_counter()
    for _ in range(n): s.run(None, feeds)
    return (time.perf_counter() - t) / n * 1000, s.get_providers()[0]
models = sys.argv[1] if len(sys.argv) > 1 else ".gpu"
cf = os.path.join(models, "centerface.onnx"); mn = os.path.join(models, "movenet-multipose.onnx")
cases = {
  "centerface franck 384x288": (cf, {"input.1": np.random.rand(1,3,288,384).astype(np.float32)*255}),
  "centerface cap12 416x320": (cf, {"input.1": np.random.rand(1,3,320,416).astype(np.float32)*255}),
  "centerface vtest 768x576": (cf, {"input.1": np.random.rand(1,3,576,768).astype(np.float32)*255}),
  "centerface franck batch 8 (per call)": (cf, {"input.1": np.random.rand(8,3,288,384).astype(np.float32)*255}),
  "centerface crop 96x96": (cf, {"input.1": np.random.rand(1,3,96,96).astype(np.float32)*255}),
  "movenet 320x256": (mn, {"input": (np.random.rand(1,256,320,3)*255).astype(np.int32)}),
}
for name, (m, feeds) in cases.items():
    for p in ["CUDAExecutionProvider", "CPUExecutionProvider"]:
        try:
            ms, used = bench(m, feeds, p)
            res[f"{name} {p}"] = {"ms": round(ms, 3), "ran_on": used}
        except Exception as e:
            res[f"{name} {p}"] = {"error": str(e)[:300]}
        print(name, p, res[f"{name} {p}"], flush=True)
os.makedirs(os.environ.get("OUT", "/tmp/out"), exist_ok=True)
json.dump(res, open(os.path.join(os.environ.get("OUT", "/tmp/out"), "gpu.json"), "w"), indent=1)
