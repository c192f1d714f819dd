#!/usr/bin/env bash
# GPU benchmark kit, part 2: runs on the GPU machine, in the repository copy the device tool
# makes, and writes everything to $OUT. Steps, in the order given (several per call are fine):
#   stage PIECE   keep one piece of the kit (bench/gpu/prepare.sh) in /root/kit-parts
#   unpack        join and unpack the pieces into /root/kit (needs .gpu/zstd carried), check that
#                 every library resolves, build the inputs: 5,665 frames of 1080p30 (the input
#                 clip looped, stream copy) and the same at 720p
#   anonymize     the profile before/after, the CPU (16 cores) and CUDA runs, CPU-vs-CUDA mask
#                 logs, the whole job on CUDA
#   anonymize-throughput  300 frames on the CPU (GPU's way) and CUDA with TF32 off/on, masks
#                 compared; the whole job on CUDA with TF32 off and on ($TF32S)
#   anonymize-profile  ONNX Runtime's profile of 300 frames on CUDA, summarised per session
#   anonymize-jobs  2 and 4 whole jobs at once on CUDA ($JOBS to choose; cuDNN's search from
#                 $SEARCHES, exhaustive and/or heuristic; TF32 from $RECOGNIZER_RUNTIME__TF32)
#   annotate      pose + tracking at 720p: CPU and CUDA, CPU-vs-CUDA tracks; $JOBS (1 4 8) jobs at
#                 once with the pose model in batches of $POSE_BATCHES (16), $FRAME_JOBS (1 8)
#                 frame by frame; tracks of batches and frame by frame compared
#   annotate-videos  one annotate job over $VIDEOS (4) videos (the pose pipeline kept between
#                 them), $JOBS (1 8) such jobs at once
#   pose-batch    the pose model alone at 720p: frame by frame against N frames a call ($BATCHES)
#   pose-profile  ONNX Runtime's profile of the batched pose model at input $POSE_INPUT (640) in
#                 calls of each of $BATCHES (16 32 64), 300 frames: time per call and per node
#   pose-variants the batched pose model alone ($BATCHES, 16) under each of $VARIANTS: default,
#                 tf32, nhwc (channels-last), tf32+nhwc, fp16 and fp16+nhwc (the model in half
#                 precision from $FP16_MODEL, made by bench/gpu/half_precision.py)
#   annotate-process  $JOBS (1 4 8) annotate jobs at once in ONE process (`recognizer bench
#                 annotate`, a worker's concurrency: one CUDA context), $VIDEOS (4) videos each
#   anonymize-process  $JOBS (1 4) anonymize jobs of the 5,665-frame input at once in ONE process
#                 (`recognizer bench anonymize`, as a worker with that concurrency runs them)
#   streams       live streams (the workers' stream pipeline, `recognizer bench stream`): N copies
#                 of a 720p @ 15 fps camera ($STREAMS, default 16 32 60) on CUDA, and
#                 $CPU_STREAMS (16) on the CPU cores; per stream analysed fps, dropped, latency
# Each run's output, timings (timings.tsv: step, jobs, frames, seconds, fps) and GPU use
# (nvidia-smi dmon, one line a second) land in $OUT.
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
K=/root/kit
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
log() { echo "$(date +%H:%M:%S) $*" | tee -a "$OUT/steps.log" >&2; }

environment() {
  local nv
  nv=$(find /opt /usr/local/lib -maxdepth 6 -type d -path '*site-packages/nvidia' 2>/dev/null | head -1)
  LD_LIBRARY_PATH=$K/ort:$K/lib:$(ls -d "$nv"/*/lib 2>/dev/null | tr '\n' ':')/usr/local/nvidia/lib64
  export LD_LIBRARY_PATH
  export ORT_DYLIB_PATH=$K/ort/libonnxruntime.so.1.31.1
  export RECOGNIZER_MODELS__DIR=${MODELS:-$K/models} RECOGNIZER_CACHE=/root/cache RUST_LOG=warn,vision::runtime=info,vision::models::movenet=info,workers::jobs=info
  export PATH=$K/bin:$PATH
}
# python and nvidia-smi use the machine's own libraries
host() { env -u LD_LIBRARY_PATH "$@"; }

# run_jobs NAME JOBS INPUT FRAMES -- COMMAND… : JOBS copies at once (%J in COMMAND = job number)
run_jobs() {
  local name=$1 jobs=$2 input=$3 frames=$4; shift 5
  local t0 t1 j pids=()
  log "$name: $jobs job(s) on $(basename "$input") ($frames frames each)"
  t0=$(date +%s.%N)
  for j in $(seq 1 "$jobs"); do
    "${@//%J/$j}" > "$OUT/$name-$j.log" 2>&1 &
    pids+=($!)
  done
  # the first job's CPU per thread name over 10 s, $THREADS_AT (25) s in
  (sleep "${THREADS_AT:-25}" && host python3 bench/gpu/threads.py "${pids[0]}" 10 > "$OUT/$name-threads.txt" 2>&1) &
  wait "${pids[@]}"
  t1=$(date +%s.%N)
  host python3 - "$name" "$jobs" "$frames" "$t0" "$t1" >> "$OUT/timings.tsv" <<'PY'
import sys
name, jobs, frames, t0, t1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
s = t1 - t0
print(f"{name}\t{jobs}\t{frames * jobs}\t{s:.2f}\t{frames * jobs / s:.1f}")
PY
  tail -n 2 "$OUT/$name-1.log" >&2
}

dmon_start() { host nvidia-smi dmon -s um -o T -d 1 > "$OUT/dmon-$1.txt" 2>&1 & DMON=$!; }
dmon_stop() { kill "$DMON" 2>/dev/null; wait "$DMON" 2>/dev/null; }

# $VIDEOS (4) videos of the 720p input's first 1,500 frames (links to one file): sets $videos
video_set() {
  first_frames "$K/input/bench720.mp4" "$K/input/cut720-1500.mp4" 1500
  mkdir -p "$K/input/videos"
  videos=()
  for v in $(seq 1 "${VIDEOS:-4}"); do
    ln -f "$K/input/cut720-1500.mp4" "$K/input/videos/v$v.mp4"
    videos+=("$K/input/videos/v$v.mp4")
  done
}
first_frames() { [ -f "$2" ] || ffmpeg -v error -y -i "$1" -frames:v "$3" -c copy "$2"; }

while [ $# -gt 0 ]; do
  step=$1; shift
  case $step in
  stage)
    mkdir -p /root/kit-parts && cp "$1" /root/kit-parts/ && shift
    log "staged: $(ls /root/kit-parts | tr '\n' ' ')"
    ;;
  unpack)
    rm -rf "$K" && mkdir -p "$K"
    cat /root/kit-parts/kit.part.* | LD_LIBRARY_PATH=$repo/.gpu/zstd "$repo/.gpu/zstd/zstd" -q -d --long=27 | tar -x -C "$K" || exit 1
    environment
    host nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$OUT/gpu.txt"
    nproc > "$OUT/cores.txt"
    if ldd "$K/bin/recognizer" "$K/ort/libonnxruntime_providers_cuda.so" | grep "not found"; then
      log "libraries missing (above)"; exit 1
    fi
    "$K/bin/recognizer" --version >&2
    ffmpeg -v error -y -stream_loop -1 -i "$K/input/fights1080.mp4" -c copy -frames:v 5665 "$K/input/bench1080.mp4"
    ffmpeg -v error -y -i "$K/input/bench1080.mp4" -vf scale=1280:720 -c:v libx264 -preset veryfast -crf 20 "$K/input/bench720.mp4"
    host python3 - "$K/input" >&2 <<'PY'
import subprocess, sys
for f in ("bench1080.mp4", "bench720.mp4"):
    print(f, subprocess.run(["ls", "-la", f"{sys.argv[1]}/{f}"], capture_output=True, text=True).stdout.strip())
PY
    log "unpacked: $(du -sh $K | cut -f1)"
    ;;
  anonymize)
    environment
    in=$K/input/bench1080.mp4
    first_frames "$in" "$K/input/cut60.mp4" 60
    first_frames "$in" "$K/input/cut300.mp4" 300
    first_frames "$in" "$K/input/cut600.mp4" 600
    A="$K/bin/recognizer run anonymize"
    dmon_start anonymize
    mkdir -p "$OUT/profile-before" "$OUT/profile-after"
    # 0. the cause: crops of their own size on CUDA (the CPU way), profiled (BEFORE=1; slow:
    #    seconds a frame), then fixed shapes
    if [ "${BEFORE:-0}" = 1 ]; then
      RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cuda RECOGNIZER_RUNTIME__FIXED_SHAPES=false RECOGNIZER_RUNTIME__PROFILE_DIR=$OUT/profile-before \
        run_jobs anon-before 1 "$K/input/cut60.mp4" 60 -- timeout 300 $A "$K/input/cut60.mp4" -o /root/before.mp4
    fi
    RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cuda RECOGNIZER_RUNTIME__PROFILE_DIR=$OUT/profile-after \
      run_jobs anon-after-profiled 1 "$K/input/cut300.mp4" 300 -- $A "$K/input/cut300.mp4" -o /root/cuda300.mp4 --log /root/cuda300.jsonl
    # CPU, all 16 cores: the CPU's way, and the GPU's way (fixed shapes) on the CPU
    RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cpu RECOGNIZER_RUNTIME__INTRA_THREADS=8 \
      run_jobs anon-cpu-300 1 "$K/input/cut300.mp4" 300 -- $A "$K/input/cut300.mp4" -o /root/cpu300.mp4 --log /root/cpu300.jsonl
    RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cpu RECOGNIZER_RUNTIME__INTRA_THREADS=8 RECOGNIZER_RUNTIME__FIXED_SHAPES=true \
      run_jobs anon-cpu-fixed-300 1 "$K/input/cut300.mp4" 300 -- $A "$K/input/cut300.mp4" -o /root/cpufixed300.mp4 --log /root/cpufixed300.jsonl
    for pair in "cpu300 cuda300" "cpu300 cpufixed300" "cpufixed300 cuda300"; do
      read -r a b <<< "$pair"
      echo "$a vs $b: $(host python3 bench/gpu/compare.py masks /root/$a.jsonl /root/$b.jsonl)" >> "$OUT/same-masks.txt"
    done
    host python3 bench/gpu/profile_summary.py "$OUT"/profile-before "$OUT"/profile-after > "$OUT/profile-summary.txt"
    rm -rf "$OUT"/profile-before "$OUT"/profile-after
    # CUDA, the whole job, with cuDNN's exhaustive and heuristic algorithm search
    for search in exhaustive heuristic; do
      RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cuda RECOGNIZER_RUNTIME__CONV_SEARCH=$search \
        run_jobs anon-cuda-x1-$search 1 "$in" 5665 -- $A "$in" -o /root/cuda-1.mp4
    done
    dmon_stop
    ;;
  anonymize-throughput)
    environment
    # round 3: whole frames prepared inside the graph (centerface-frames), threaded swscale
    in=$K/input/bench1080.mp4
    first_frames "$in" "$K/input/cut300.mp4" 300
    A="$K/bin/recognizer run anonymize"
    dmon_start anonymize-throughput
    # same answers: 300 frames, the GPU's way on the CPU cores against CUDA with TF32 off and on
    RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cpu RECOGNIZER_RUNTIME__INTRA_THREADS=8 RECOGNIZER_RUNTIME__FIXED_SHAPES=true \
      run_jobs anon-cpu-fixed-300 1 "$K/input/cut300.mp4" 300 -- $A "$K/input/cut300.mp4" -o /root/cpufixed300.mp4 --log /root/cpufixed300.jsonl
    for tf32 in false true; do
      RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cuda RECOGNIZER_RUNTIME__TF32=$tf32 \
        run_jobs anon-cuda-300-tf32-$tf32 1 "$K/input/cut300.mp4" 300 -- $A "$K/input/cut300.mp4" -o /root/cuda300.mp4 --log /root/cuda300-$tf32.jsonl
      echo "cpufixed300 vs cuda300 (TF32 $tf32): $(host python3 bench/gpu/compare.py masks /root/cpufixed300.jsonl /root/cuda300-$tf32.jsonl)" >> "$OUT/same-masks.txt"
    done
    # the whole job, one at a time, TF32 off and on
    for tf32 in ${TF32S:-false true}; do
      RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cuda RECOGNIZER_RUNTIME__TF32=$tf32 \
        run_jobs anon-cuda-x1-tf32-$tf32 1 "$in" 5665 -- $A "$in" -o /root/cuda-1.mp4
    done
    dmon_stop
    cat "$OUT/same-masks.txt" >&2
    ;;
  anonymize-profile)
    environment
    # ONNX Runtime's profile of 300 frames on CUDA: per session (one per input shape) the runs,
    # their median and the first (cuDNN planning) — summarised, the raw profiles packed
    in=$K/input/bench1080.mp4
    first_frames "$in" "$K/input/cut300.mp4" 300
    mkdir -p "$OUT/profile"
    RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cuda RECOGNIZER_RUNTIME__PROFILE_DIR=$OUT/profile \
      run_jobs anon-cuda-300-profiled 1 "$K/input/cut300.mp4" 300 -- $K/bin/recognizer run anonymize "$K/input/cut300.mp4" -o /root/profiled.mp4
    host python3 bench/gpu/profile_summary.py "$OUT/profile" > "$OUT/profile-summary.txt"
    (cd "$OUT/profile" && tar -czf "$OUT/profiles.tgz" .) && rm -rf "$OUT/profile"
    grep -E '^(==|runs)' "$OUT/profile-summary.txt" >&2
    ;;
  anonymize-jobs)
    environment
    in=$K/input/bench1080.mp4
    dmon_start anonymize-jobs
    # cuDNN's algorithm search: exhaustive (the default) and/or heuristic ($SEARCHES)
    for search in ${SEARCHES:-exhaustive}; do
      for jobs in ${JOBS:-2 4}; do
        RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cuda RECOGNIZER_RUNTIME__CONV_SEARCH=$search \
          run_jobs anon-cuda-$search-x$jobs "$jobs" "$in" 5665 -- $K/bin/recognizer run anonymize "$in" -o /root/cuda-%J.mp4
      done
    done
    dmon_stop
    ;;
  encode-ceiling)
    environment
    # what x264 alone does with the machine's cores: 600 frames of the 1080p input decoded
    # (NVDEC) and encoded, one process, for each of $PRESETS
    in=$K/input/bench1080.mp4
    first_frames "$in" "$K/input/cut600.mp4" 600
    for preset in ${PRESETS:-veryfast superfast ultrafast}; do
      run_jobs x264-$preset 1 "$K/input/cut600.mp4" 600 -- ffmpeg -v error -y -hwaccel cuda -i "$K/input/cut600.mp4" -c:v libx264 -preset "$preset" -crf 23 -f mp4 /root/x264-$preset.mp4
      ls -la /root/x264-$preset.mp4 >> "$OUT/x264-sizes.txt"
    done
    cat "$OUT/x264-sizes.txt" >&2
    ;;
  anonymize-variants)
    environment
    # 600 frames on CUDA under each of $VARIANTS: NAME:VAR=VALUE,VAR=VALUE (VAR without the
    # RECOGNIZER_ prefix; MODELS=DIR picks another models folder, e.g. a model in half precision)
    in=$K/input/bench1080.mp4
    first_frames "$in" "$K/input/cut600.mp4" 600
    for variant in ${VARIANTS:-base:}; do
      name=${variant%%:*}
      settings=()
      IFS=, read -ra pairs <<< "${variant#*:}"
      for pair in "${pairs[@]}"; do
        case $pair in
          MODELS=*) settings+=("RECOGNIZER_MODELS__DIR=${pair#MODELS=}") ;;
          ?*) settings+=("RECOGNIZER_$pair") ;;
        esac
      done
      run_jobs anon-variant-$name 1 "$K/input/cut600.mp4" 600 -- env RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cuda "${settings[@]}" \
        "$K/bin/recognizer" run anonymize "$K/input/cut600.mp4" -o "/root/variant-$name.mp4" --log "/root/variant-$name.jsonl"
      echo "base vs $name: $(host python3 bench/gpu/compare.py masks /root/variant-base.jsonl /root/variant-$name.jsonl 2>&1)" >> "$OUT/same-masks.txt"
    done
    cat "$OUT/same-masks.txt" >&2
    ;;
  annotate)
    environment
    in=$K/input/bench720.mp4
    first_frames "$in" "$K/input/cut720-150.mp4" 150
    first_frames "$in" "$K/input/cut720-1500.mp4" 1500
    # at the video's own size (the default) MoveNet finds nobody in these crowded scenes
    N="$K/bin/recognizer run annotate --to 2 --pose-input-size ${POSE_INPUT:-640}"
    dmon_start annotate
    RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cpu RECOGNIZER_RUNTIME__INTRA_THREADS=8 \
      run_jobs annot-cpu 1 "$K/input/cut720-150.mp4" 150 -- $N "$K/input/cut720-150.mp4" -o /root/annot-cpu
    RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cuda \
      run_jobs annot-cuda-150 1 "$K/input/cut720-150.mp4" 150 -- $N "$K/input/cut720-150.mp4" -o /root/annot-cuda
    host python3 bench/gpu/compare.py tracks /root/annot-cpu/cut720-150.mp4/tracks.mot.txt /root/annot-cuda/cut720-150.mp4/tracks.mot.txt > "$OUT/same-tracks.json"
    # the pose model in batches of each of $POSE_BATCHES (16, the GPU's default) frames a call
    # for $JOBS jobs at once, and frame by frame (runtime.pose_batch = 1) for $FRAME_JOBS
    for b in ${POSE_BATCHES:-16}; do
      for jobs in ${JOBS:-1 4 8}; do
        RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cuda RECOGNIZER_RUNTIME__POSE_BATCH=$b \
          run_jobs annot-cuda-b$b-x$jobs "$jobs" "$K/input/cut720-1500.mp4" 1500 -- $N "$K/input/cut720-1500.mp4" -o /root/annot-b$b-%J
      done
    done
    for jobs in ${FRAME_JOBS:-1 8}; do
      RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cuda RECOGNIZER_RUNTIME__POSE_BATCH=1 \
        run_jobs annot-cuda-frames-x$jobs "$jobs" "$K/input/cut720-1500.mp4" 1500 -- $N "$K/input/cut720-1500.mp4" -o /root/annot-frames-%J
    done
    if [ -f /root/annot-frames-1/cut720-1500.mp4/tracks.mot.txt ]; then
      for b in ${POSE_BATCHES:-16}; do
        host python3 bench/gpu/compare.py tracks /root/annot-frames-1/cut720-1500.mp4/tracks.mot.txt /root/annot-b$b-1/cut720-1500.mp4/tracks.mot.txt > "$OUT/same-tracks-b$b.json"
      done
    fi
    cat "$OUT"/same-tracks*.json >&2
    dmon_stop
    ;;
  annotate-videos)
    environment
    # one annotate job (one process) over $VIDEOS (4) videos of 1,500 frames of 720p — the
    # worker's pose pipeline is kept from video to video (PosePool) — for $JOBS (1 8) jobs at once
    video_set
    dmon_start annotate-videos
    for jobs in ${JOBS:-1 8}; do
      RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cuda \
        run_jobs annot-videos-x$jobs "$jobs" "${videos[0]}" $((1500 * ${#videos[@]})) -- "$K/bin/recognizer" run annotate --to 2 --pose-input-size "${POSE_INPUT:-640}" "${videos[@]}" -o /root/annot-videos-%J
    done
    dmon_stop
    ;;
  streams)
    environment
    # live streams: 720p @ 15 fps, a file played at its own pace per stream (no RTSP server
    # here), pose input $POSE_INPUT (320); latency from decoding to the result, per stream
    in=$K/input/streams720.mp4
    P=${POSE_INPUT:-320}
    dmon_start streams
    # each stream's session takes its first seconds (60 at once: 77 s with cuDNN's exhaustive
    # search, 25 s with the heuristic one), so each run lasts $SECONDS_EACH (100) and the
    # numbers cover its last 30 s
    for n in ${STREAMS:-16 32 60}; do
      log "streams: $n on CUDA, pose input $P"
      RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cuda timeout $((${SECONDS_EACH:-100} + 60)) "$K/bin/recognizer" bench stream "$in" \
        --streams "$n" --pose-input "$P" --seconds "${SECONDS_EACH:-100}" --json "$OUT/streams-cuda-$n.json" \
        > "$OUT/streams-cuda-$n.txt" 2>&1
      tail -n +2 "$OUT/streams-cuda-$n.txt" | grep -v '^state' | head -3 >&2
    done
    for n in ${CPU_STREAMS:-16}; do
      log "streams: $n on the CPU cores, pose input $P"
      RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cpu RECOGNIZER_RUNTIME__INTRA_THREADS=1 timeout $((${SECONDS_EACH:-100} + 60)) "$K/bin/recognizer" bench stream "$in" \
        --streams "$n" --pose-input "$P" --seconds "${SECONDS_EACH:-100}" --json "$OUT/streams-cpu-$n.json" \
        > "$OUT/streams-cpu-$n.txt" 2>&1
    done
    dmon_stop
    host python3 bench/gpu/streams_summary.py "$OUT" > "$OUT/summary-streams.txt"
    cat "$OUT/summary-streams.txt" >&2
    # the device tool brings back a few files a call: each run's output goes in one archive
    (cd "$OUT" && tar -czf streams-runs.tgz streams-*.json streams-*.txt && rm -f streams-*.json streams-*.txt)
    ;;
  pose-batch)
    environment
    # the pose model alone on 300 decoded 720p frames: the full model frame by frame against its
    # batched model (movenet-multipose-batch) with $BATCHES frames a call, at pose inputs $INPUTS
    in=$K/input/bench720.mp4
    dmon_start pose-batch
    for size in ${INPUTS:-320 640}; do
      for b in ${BATCHES:-8 32}; do
        log "pose-batch: input $size, $b frames a call"
        RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cuda "$K/bin/recognizer" bench pose "$in" --frames 300 \
          --input-size "$size" --batch "$b" > "$OUT/pose-batch-$size-$b.txt" 2>&1
        grep 'pose model' "$OUT/pose-batch-$size-$b.txt" >&2
      done
    done
    dmon_stop
    ;;
  pose-profile)
    environment
    in=$K/input/bench720.mp4
    for b in ${BATCHES:-16 32 64}; do
      log "pose-profile: input ${POSE_INPUT:-640}, $b frames a call"
      mkdir -p "$OUT/pose-profile-$b"
      RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cuda RECOGNIZER_RUNTIME__PROFILE_DIR=$OUT/pose-profile-$b \
        "$K/bin/recognizer" bench pose "$in" --frames 300 --input-size "${POSE_INPUT:-640}" --batch "$b" \
        > "$OUT/pose-profile-$b.txt" 2>&1
      grep 'pose model' "$OUT/pose-profile-$b.txt" >&2
      host python3 bench/gpu/profile_summary.py "$OUT/pose-profile-$b" >> "$OUT/pose-profile-summary.txt"
      rm -rf "$OUT/pose-profile-$b"
    done
    grep -E '^(==|runs|  node)' "$OUT/pose-profile-summary.txt" >&2
    ;;
  pose-variants)
    environment
    in=$K/input/bench720.mp4
    if [ -n "${FP16_MODEL:-}" ]; then
      rm -rf "$K/models-fp16" && cp -r "$K/models" "$K/models-fp16" && cp "$FP16_MODEL" "$K/models-fp16/movenet-multipose-batch.onnx"
    fi
    dmon_start pose-variants
    for v in ${VARIANTS:-default tf32 nhwc tf32+nhwc fp16 fp16+nhwc}; do
      for b in ${BATCHES:-16}; do
        case $v in *fp16*) models=$K/models-fp16 ;; *) models=$K/models ;; esac
        case $v in *tf32*) tf32=true ;; *) tf32=false ;; esac
        case $v in *nhwc*) nhwc=true ;; *) nhwc=false ;; esac
        log "pose-variants: $v, $b frames a call"
        RECOGNIZER_MODELS__DIR=$models RECOGNIZER_RUNTIME__TF32=$tf32 RECOGNIZER_RUNTIME__PREFER_NHWC=$nhwc \
          RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cuda timeout 120 "$K/bin/recognizer" bench pose "$in" --frames 600 \
          --input-size "${POSE_INPUT:-640}" --batch "$b" > "$OUT/pose-variant-$v-$b.txt" 2>&1
        echo "$v $b $(grep 'frames a call' "$OUT/pose-variant-$v-$b.txt")" | tee -a "$OUT/pose-variants.txt" >&2
      done
    done
    dmon_stop
    ;;
  annotate-process)
    environment
    video_set
    dmon_start annotate-process
    for jobs in ${JOBS:-1 4 8}; do
      RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cuda \
        run_jobs annot-process-x$jobs 1 "${videos[0]}" $((1500 * ${#videos[@]} * jobs)) -- "$K/bin/recognizer" bench annotate --jobs "$jobs" --pose-input-size "${POSE_INPUT:-640}" "${videos[@]}"
    done
    dmon_stop
    ;;
  anonymize-process)
    environment
    in=$K/input/bench1080.mp4
    dmon_start anonymize-process
    for jobs in ${JOBS:-1 4}; do
      RECOGNIZER_RUNTIME__EXECUTION_PROVIDER=cuda \
        run_jobs anon-process-x$jobs 1 "$in" $((5665 * jobs)) -- "$K/bin/recognizer" bench anonymize --jobs "$jobs" "$in"
    done
    dmon_stop
    ;;
  *) echo "unknown step $step" >&2; exit 2 ;;
  esac
done
cat "$OUT/timings.tsv" 2>/dev/null >&2
