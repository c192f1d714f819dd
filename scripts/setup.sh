#!/usr/bin/env bash
# Installs what the product needs and is missing. Idempotent: every step checks first, so a
# second run with nothing changed costs a few seconds.
#   scripts/setup.sh          what `make run` needs
#   scripts/setup.sh --test   plus what `make test` needs (Chromium, s3s-fs, test footage)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

WITH_TEST=0
[ "${1:-}" = "--test" ] && WITH_TEST=1

WASM_BINDGEN_VERSION=0.2.130   # must equal wasm-bindgen in Cargo.lock (checked below)
BINARYEN_VERSION=132.0.0        # Debian's binaryen 108 silently breaks the WASM app
S3S_FS_VERSION=0.14.1           # 0.17 needs a newer Rust

# --- system packages ---------------------------------------------------------------------
apt_pkgs=(ffmpeg libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev
  libavfilter-dev libavdevice-dev pkg-config clang libclang-dev postgresql-15 python3-venv
  nodejs npm unzip curl fonts-dejavu-core)   # fonts: the text of the report charts (PNG)
# docker-compose (v1, Debian's) only validates docker-compose.yml in the tests: no Docker engine
# GStreamer's RTSP server (scripts/rtsp-server.py): the real camera the stream tests break
[ $WITH_TEST = 1 ] && apt_pkgs+=(chromium chromium-driver docker-compose python3-gi \
  gir1.2-gst-rtsp-server-1.0 gstreamer1.0-rtsp gstreamer1.0-plugins-good gstreamer1.0-plugins-bad)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# node/npm/python may come from elsewhere on the machine (nvm, pyenv): accept those.
filtered=()
for p in "${missing[@]}"; do
  case "$p" in
    nodejs) command -v node >/dev/null || filtered+=("$p") ;;
    npm) command -v npm >/dev/null || filtered+=("$p") ;;
    python3-venv) python3 -c 'import venv, ensurepip' 2>/dev/null || filtered+=("$p") ;;
    *) filtered+=("$p") ;;
  esac
done
if [ ${#filtered[@]} -gt 0 ]; then
  log "installing system packages: ${filtered[*]}"
  [ "$(id -u)" = 0 ] || die "installing packages needs root (run as root, or install: ${filtered[*]})"
  export DEBIAN_FRONTEND=noninteractive
  if [ ! -f "$RECOGNIZER_CACHE/.apt-updated" ] || ! apt-get install -y --no-install-recommends "${filtered[@]}"; then
    apt-get update -q && touch "$RECOGNIZER_CACHE/.apt-updated"
    apt-get install -y --no-install-recommends "${filtered[@]}"
  fi
fi

# --- Rust targets and tools --------------------------------------------------------------
rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown \
  || { log "adding the wasm32 target"; rustup target add wasm32-unknown-unknown; }

if [ -f Cargo.lock ]; then
  locked=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock)
  [ -n "$locked" ] && [ "$locked" != "$WASM_BINDGEN_VERSION" ] \
    && die "Cargo.lock has wasm-bindgen $locked but setup installs the CLI $WASM_BINDGEN_VERSION: make them equal"
fi
if ! "$RECOGNIZER_TOOLS/bin/wasm-bindgen" --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 6 minutes, once)"
  # no --locked: its lockfile pins a crate the index lacks
  CARGO_TARGET_DIR="$RECOGNIZER_CACHE/tool-build" cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --root "$RECOGNIZER_TOOLS" -q
fi

if [ ! -x "$RECOGNIZER_TOOLS/node_modules/.bin/wasm-opt" ]; then
  log "installing wasm-opt (npm binaryen@$BINARYEN_VERSION)"
  npm install --prefix "$RECOGNIZER_TOOLS" --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION"
fi

# --- ONNX Runtime shared library (from the PyPI wheel) -----------------------------------
if [ ! -f "$ORT_DYLIB_PATH" ]; then
  log "fetching ONNX Runtime $ORT_VERSION (PyPI wheel)"
  d="$RECOGNIZER_TOOLS/onnxruntime-$ORT_VERSION"
  rm -rf "$d.tmp" && mkdir -p "$d.tmp"
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.11 \
    --platform manylinux_2_28_x86_64 "onnxruntime==$ORT_VERSION" -d "$d.tmp"
  (cd "$d.tmp" && unzip -q -o onnxruntime-*.whl 'onnxruntime/capi/*.so*' && rm -f ./*.whl)
  rm -rf "$d" && mv "$d.tmp" "$d"
fi

# --- test-only tools -----------------------------------------------------------------------
if [ $WITH_TEST = 1 ]; then
  if ! "$RECOGNIZER_TOOLS/bin/s3s-fs" --help >/dev/null 2>&1; then
    log "installing s3s-fs $S3S_FS_VERSION (S3-compatible server for tests, about 3 minutes, once)"
    CARGO_TARGET_DIR="$RECOGNIZER_CACHE/tool-build" cargo install s3s-fs --version "$S3S_FS_VERSION" --features binary --locked --root "$RECOGNIZER_TOOLS" -q
  fi
fi
rm -rf "$RECOGNIZER_CACHE/tool-build"   # the tools' own build output: 0.8 GB, no longer needed
log "setup complete (cache: $RECOGNIZER_CACHE)"
