# Shared start of every benchmark script (source it from the repository root):
# installs what is missing, builds the release binary, fetches the named models and clips.
# Sets $bin (the release binary). Usage: bench_prepare "MODEL ..." CLIP ...
. scripts/env.sh
bench_prepare() {
  local models=$1
  shift
  scripts/setup.sh >/dev/null
  cargo build -q --release
  bin="$CARGO_TARGET_DIR/release/recognizer"
  export RECOGNIZER_MODELS__DIR="$RECOGNIZER_MODELS_DIR"
  # shellcheck disable=SC2086 # a list of model names
  "$bin" models fetch --only $models >/dev/null
  python3 scripts/fetch_data.py "$RECOGNIZER_DATA_CACHE" "$@"
}
machine() {
  echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/{print $2}') GiB"
}
