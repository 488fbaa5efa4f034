#!/usr/bin/env bash
# The bridge's codec work per stream (by hand, not CI), beside the ffmpeg CLI doing the same
# conversion on the same input, one thread each, pinned to one core:
#   Opus -> AAC (WHIP -> FLV/HLS), AAC -> Opus (RTMP -> WHEP), VP8 -> H.264 (a VP8 browser
#   watched over FLV/HLS) at 640x480 and 1280x720, 30 fps.
# Prints each side's share of a core per stream and onair / ffmpeg.
#   bench/bridge_codecs.sh [build-dir] [seconds] [core]
set -euo pipefail
build=${1:-build}
secs=${2:-60}
core=${3:-0}
[ -x "$build/bench/bridge_codecs" ] || { echo "build first: cmake --build $build"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
# CPU seconds (user + system) of a command, run on `core`.
cpu() {
  local me=$BASHPID t0 t1  # this (sub)shell: its waited-for children's time is in fields 16-17
  t0=$(awk '{print $16+$17}' "/proc/$me/stat")
  taskset -c "$core" "$@" > /dev/null
  t1=$(awk '{print $16+$17}' "/proc/$me/stat")
  echo "scale=3; ($t1 - $t0) / $(getconf CLK_TCK)" | bc
}
share() { echo "scale=2; 100 * $1 / $secs" | bc; }

# Inputs: music-like stereo audio, and VP8 as a browser makes it (realtime, no lookahead).
audio="aevalsrc=0.3*sin(2*PI*440*t)+0.1*sin(2*PI*1500*t)|0.3*sin(2*PI*660*t)+0.1*sin(2*PI*1200*t):s=48000:d=$secs"
ff -f lavfi -i "$audio" -c:a libopus -b:a 128k "$dir/in.opus"
ff -f lavfi -i "$audio" -c:a aac -b:a 128k "$dir/in.m4a"
for size in 640x480 1280x720; do
  ff -f lavfi -i "testsrc2=size=$size:rate=30:duration=$secs" -c:v libvpx -deadline realtime -cpu-used 8 \
    -lag-in-frames 0 -auto-alt-ref 0 -b:v 1500k -g 3000 "$dir/in-$size.ivf"
done

echo "== onair (bench/bridge_codecs, thread CPU time) =="
taskset -c "$core" "$build/bench/bridge_codecs" --seconds "$secs" | tee "$dir/onair.txt"
for size in 640x480 1280x720; do
  taskset -c "$core" "$build/bench/bridge_codecs" --vp8 "$dir/in-$size.ivf" --fps 30 | tee -a "$dir/onair.txt"
done

echo "== ffmpeg CLI, same conversions, -threads 1 (process CPU time, demux and decode included) =="
a=$(cpu ffmpeg -nostdin -loglevel error -nostats -threads 1 -c:a libopus -i "$dir/in.opus" -c:a aac -b:a 128k -aac_coder fast -f null -)
echo "opus -> aac (aac_coder fast)  $a cpu-s: $(share "$a")% of a core"
b=$(cpu ffmpeg -nostdin -loglevel error -nostats -threads 1 -i "$dir/in.m4a" -c:a libopus -b:a 64k -compression_level 7 -f null -)
echo "aac -> opus (64k, complexity 7) $b cpu-s: $(share "$b")% of a core"
for size in 640x480 1280x720; do
  v=$(cpu ffmpeg -nostdin -loglevel error -nostats -threads 1 -i "$dir/in-$size.ivf" -c:v libx264 -threads 1 -preset veryfast \
      -tune zerolatency -b:v 2000k -maxrate 2000k -bufsize 2000k -g 60 -f null -)
  echo "vp8 -> h264 $size veryfast  $v cpu-s: $(share "$v")% of a core"
done
