#!/usr/bin/env bash
# GPU benchmark kit, part 1 (here, on a Debian machine with registry access): builds the release
# binary and packs everything the GPU machine lacks into pieces the `device` tool can carry
# (≤ 60 MB each, 64 MiB per call): the binary, FFmpeg's CLI, every shared library they link that
# is not glibc/libstdc++/the NVIDIA driver (found with ldd), ONNX Runtime 1.31.1 with its CUDA
# provider (PyPI's onnxruntime-gpu, CUDA 13 build), the models, the input video, and zstd to
# unpack it all. Prints the calls to make. See bench/gpu/README.md.
#
# Input: a 1080p30 H.264 video built from the 1920×1080 clips of ../shared/data/fights-scf
# (real people, faces), concatenated once here; bench/gpu/run.sh loops it to 5,665 frames there.
# Usage: bench/gpu/prepare.sh            (writes .gpu/kit.part.NN and .gpu/zstd/)
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/common.sh
data=${RECOGNIZER_SHARED_DATA:-../shared/data}/fights-scf
if [ ! -d "$data" ]; then
  echo "bench/gpu/prepare.sh: $data is missing: the benchmark input is built from its 1920x1080 clips" >&2
  exit 1
fi
bench_prepare "centerface centerface-frames movenet-multipose movenet-multipose-batch"
cache="$RECOGNIZER_CACHE/gpu-kit"
kit=$(mktemp -d); trap 'rm -rf "$kit"' EXIT
mkdir -p "$cache" "$kit"/{bin,lib,ort,models,input} .gpu

# ONNX Runtime with the CUDA provider, from PyPI (once)
if [ ! -f "$cache/ort/libonnxruntime_providers_cuda.so" ]; then
  pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --platform manylinux_2_28_x86_64 onnxruntime-gpu==1.31.1 -d "$cache/wheel"
  rm -rf "$cache/ort" && mkdir -p "$cache/ort"
  unzip -q -o -j "$cache"/wheel/onnxruntime_gpu-1.31.1-*.whl 'onnxruntime/capi/libonnxruntime*.so*' -d "$cache/ort"
  rm -f "$cache/ort/libonnxruntime_providers_tensorrt.so"
fi
cp "$cache"/ort/libonnxruntime.so.1.31.1 "$cache"/ort/libonnxruntime_providers_{shared,cuda}.so "$kit/ort/"

# the input: the 1080p clips, concatenated at 30000/1001 fps (once)
input="$cache/fights1080.mp4"
if [ ! -f "$input" ]; then
  list=$(mktemp)
  for f in "$data"/fight/*.mp4 "$data"/noFight/*.mp4; do
    [ "$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0 "$f")" = "1920,1080" ] &&
      echo "file '$(realpath "$f")'" >> "$list"
  done
  echo "input: $(wc -l < "$list") clips of 1920x1080 from $data" >&2
  ffmpeg -v error -y -f concat -safe 0 -i "$list" -an -vf fps=30000/1001,format=yuv420p \
    -c:v libx264 -preset medium -crf 20 -g 60 "$input"
  rm -f "$list"
fi
cp "$input" "$kit/input/"
# the live streams' camera: the same footage at 720p @ 15 fps, a keyframe a second, no B-frames
streams="$cache/streams720.mp4"
if [ ! -f "$streams" ]; then
  ffmpeg -v error -y -i "$input" -t 120 -vf scale=1280:720,fps=15 -c:v libx264 -preset veryfast \
    -crf 23 -g 15 -bf 0 -an "$streams"
fi
cp "$streams" "$kit/input/"

# the programs and the libraries they link, less what every Linux (and the driver) has
strip -o "$kit/bin/recognizer" "$bin"
cp /usr/bin/ffmpeg /usr/bin/ffprobe "$kit/bin/"
system='^(linux-vdso|ld-linux|libc\.|libm\.|libdl\.|libpthread\.|librt\.|libstdc\+\+|libgcc_s|libcuda\.|libnvidia-|libnvcuvid)'
for b in "$kit"/bin/* "$kit"/ort/libonnxruntime.so.1.31.1; do ldd "$b"; done |
  awk '/=> \//{print $1, $3}' | sort -u | while read -r name path; do
    [[ $name =~ $system ]] || cp -L "$path" "$kit/lib/$name"
  done
cp "$RECOGNIZER_MODELS_DIR"/{centerface,centerface-frames,movenet-multipose,movenet-multipose-batch}.onnx "$kit/models/"
cp bench/gpu/compare.py "$kit/bin/"
echo "kit: $(du -sh "$kit" | cut -f1) in $(find "$kit" -type f | wc -l) files ($(ls "$kit/lib" | wc -l) libraries)" >&2

# zstd to unpack it there (the machine has none), with its own libraries
rm -rf .gpu/zstd .gpu/kit.part.* && mkdir -p .gpu/zstd
cp /usr/bin/zstd .gpu/zstd/
ldd /usr/bin/zstd | awk '/=> \//{print $1, $3}' | while read -r name path; do
  [[ $name =~ $system ]] || cp -L "$path" .gpu/zstd/
done
tar -C "$kit" -cf - . | zstd -q -19 --long=27 -T0 | split -b 60000000 -d - .gpu/kit.part.
n=$(ls .gpu/kit.part.* | wc -l)
echo "packed: $(du -ch .gpu/kit.part.* | tail -1 | cut -f1) in $n pieces" >&2
cat <<CALLS

Now, on the GPU machine, in quick succession (it is given back ~30 s after a call; the pieces
wait in /root/kit-parts while it stays warm), one piece per call with the device tool's run:
CALLS
for p in .gpu/kit.part.*; do
  echo "  run: bench/gpu/run.sh stage $p            carry [\"$p\"]"
done
cat <<CALLS
  run: bench/gpu/run.sh unpack                   carry [".gpu/zstd"]
  run: bench/gpu/run.sh anonymize                (≤ 600 s; results in \$OUT)
  run: bench/gpu/run.sh annotate
  run: bench/gpu/run.sh streams                  (≈ 8 min)
  run: bench/gpu/run.sh pose-batch               (≈ 2 min)
CALLS
