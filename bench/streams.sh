#!/usr/bin/env bash
# Live streams on this machine, through the workers' own stream pipeline (`recognizer bench
# stream`: live reader → pose → tracks → fall/fight events, as a worker runs a registered stream).
# The camera: vtest.avi (the campus crossing) as 640x360 @ 15 fps H.264 (x264 -tune zerolatency
# on one thread: one slice a picture, no B-frames, no lookahead, a keyframe a second) over RTSP
# from GStreamer's server (scripts/rtsp-server.py). Measured at the producer's own RTP output
# (bench/rtp_probe.py), x264 without force-cfr (what this script used before: no lookahead, no
# B-frames, but variable frame rate input) held every picture back one frame interval (68 ms at
# 15 fps) to learn its duration; zerolatency (force-cfr) sends it 4 ms after the clock is drawn. The
# producer burns its wall clock into every frame as a 24-bit barcode (FFmpeg drawbox with
# time(0)), so latency is measured from the frame's making to its result, through encode, RTP,
# RTSP, decode, pose and events — not from decoding.
#  1. latency, one stream, for pose inputs (default 256 320 384), read with retina (the default)
#     and with FFmpeg's RTSP client (`--ffmpeg-rtsp`)
#  2. streams at once at pose input 320: 1..N copies of the camera (default 1 2 3)
#  3. recovery: the RTSP server killed at 10 s and started again at 15 s; when frames flow again
# Usage: bench/streams.sh [SIZES] [COPIES]     Results: paste into bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
bench_prepare movenet-multipose vtest.avi
export RUST_LOG=warn
sizes=${1:-256 320 384}
copies=${2:-1 2 3}
dpkg-query -W gir1.2-gst-rtsp-server-1.0 >/dev/null 2>&1 || scripts/setup.sh --test >/dev/null
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port); udp=$(free_port)
# 24 cells of 16x16 along the top: bit i is white when bit i of (wall-clock ms mod 2^24) is set
bars="drawbox=x=0:y=0:w=384:h=16:color=black:t=fill"
for i in $(seq 0 23); do
  bars="$bars,drawbox=x=$((i * 16)):y=0:w=16:h=16:color=white:t=fill:enable='gt(mod(floor(time(0)*1000/pow(2\,$i))\,2)\,0)'"
done
# The camera's pictures at 15 fps made beforehand: vtest.avi is 10 fps, and the fps filter can only
# emit a picture when the next one has come in, so a live 10→15 conversion sent pictures in pairs
# (the second waited behind the first in our pipeline: a rig artefact, not a camera's). Read with
# -re, this file releases one picture every 66.7 ms, as a camera does.
ffmpeg -v error -y -i "$RECOGNIZER_DATA_CACHE/vtest.avi" -vf "scale=480:360,pad=640:360:80:0,fps=15" \
  -c:v mpeg4 -q:v 2 -an "$work/camera15.avi"
producer() {  # UDP_PORT: the camera, sending RTP/H.264 there in the background
  ffmpeg -v error -re -stream_loop -1 -i "$work/camera15.avi" \
    -vf "$bars" -c:v libx264 -preset veryfast -tune zerolatency -g 15 -x264-params threads=1 \
    -an -f rtp "rtp://127.0.0.1:$1" >>"$work/producer.log" 2>&1 &
  pids+=($!)
}
echo "machine: $(machine)"
echo "== 0. the producer alone: from its drawn clock to its RTP output (PyAV decodes)"
probe_venv="$RECOGNIZER_CACHE/bench-av-venv"
if [ ! -x "$probe_venv/bin/python" ] || ! "$probe_venv/bin/python" -c 'import av' 2>/dev/null; then
  python3 -m venv "$probe_venv"
  "$probe_venv/bin/pip" install -q --disable-pip-version-check av==18.1.0 numpy
fi
probe_port=$(free_port)
producer "$probe_port"
"$probe_venv/bin/python" bench/rtp_probe.py "$probe_port" 15
{ kill -9 "${pids[-1]}" && wait "${pids[-1]}"; } 2>/dev/null || true
producer "$udp"
start_server() {
  /usr/bin/python3 scripts/rtsp-server.py --port "$port" --udp-port "$udp" >"$work/server.log" 2>&1 &
  server=$!
  pids+=($server)
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
}
start_server
url="rtsp://127.0.0.1:$port/cam"
echo "== 1. one stream, latency from the producer's clock, by pose input (retina's RTSP, then FFmpeg's)"
for s in $sizes; do
  "$bin" bench stream "$url" --pose-input "$s" --seconds 40 --clock-barcode | grep -v '^state'
done
for s in $sizes; do
  "$bin" bench stream "$url" --pose-input "$s" --seconds 40 --clock-barcode --ffmpeg-rtsp | grep -v '^state'
done
echo "== 2. streams at once, pose input 320"
for n in $copies; do
  "$bin" bench stream "$url" --streams "$n" --pose-input 320 --seconds 40 --clock-barcode | grep -v '^state'
done
echo "== 3. recovery: server killed at 10 s, started again at 15 s"
"$bin" bench stream "$url" --pose-input 320 --seconds 30 --clock-barcode >"$work/recovery.txt" &
bench=$!
sleep 10
kill -9 "$server"
sleep 5
restarted=$(date +%s.%N)
start_server
wait "$bench"
cat "$work/recovery.txt"
awk -v r="$restarted" '$1 == "state" && $5 == "live" && $2 > r { printf "live again %.1f s after the restart (1 s health resolution)\n", $2 - r; exit }' "$work/recovery.txt"
