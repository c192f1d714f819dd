# Shared environment for the project's scripts: where caches, tools and the build live.
# Everything heavy lives outside the clone so a fresh clone (and CI) reuses it.
# Source it: `. scripts/env.sh`.
export RECOGNIZER_CACHE="${RECOGNIZER_CACHE:-$HOME/.cache/recognizer}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$RECOGNIZER_CACHE/target}"
export RECOGNIZER_TOOLS="$RECOGNIZER_CACHE/tools"
export RECOGNIZER_MODELS_DIR="${RECOGNIZER_MODELS_DIR:-$RECOGNIZER_CACHE/models}"
export RECOGNIZER_DATA_CACHE="$RECOGNIZER_CACHE/data"
export ORT_VERSION=1.31.1
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-$RECOGNIZER_TOOLS/onnxruntime-$ORT_VERSION/onnxruntime/capi/libonnxruntime.so.$ORT_VERSION}"
export PATH="$RECOGNIZER_TOOLS/bin:$RECOGNIZER_TOOLS/node_modules/.bin:$HOME/.cargo/bin:/usr/lib/postgresql/15/bin:$PATH"
# apalis-postgres' query macros would check against DATABASE_URL during a build; use the offline data.
export SQLX_OFFLINE=true
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
mkdir -p "$RECOGNIZER_CACHE" "$RECOGNIZER_TOOLS/bin"

log() { printf '\033[1m[recognizer]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[recognizer] error:\033[0m %s\n' "$*" >&2; exit 1; }
