#!/usr/bin/env bash
# The WebRTC <-> RTMP bridge end to end (by hand, not CI). onair runs pinned to core 0 (one
# event loop, bridge.threads 1, all on that core); publishers and players run on core 1.
#   (a) N RTMP streams (ffmpeg -re, H.264 640x480 30 fps without B-frames + AAC) each played
#       by one WHEP viewer (bench/webrtc_load --whep-only: ICE, DTLS, SRTP, RTCP);
#   (b) N WHIP streams (bench/webrtc_load --codec h264: real H.264 and Opus, as a browser
#       sending H.264) each played by one HTTP-FLV player (curl).
# Server CPU per bridged stream = (core share with the players - core share with the
# publishers alone) / N, each over a window of the same length. Beside it, on core 0, the
# ffmpeg CLI doing the same conversion N times on the same input (-c:v copy -c:a libopus to
# RTP; -c:v copy -c:a aac to FLV). Then the bridge's own latency from
# onair_bridge_latency_seconds (input arrival to output, p50 and p99 bucket bounds).
#   bench/bridge.sh [build-dir] [streams] [seconds]
set -euo pipefail
build=${1:-build}
n=${2:-20}
secs=${3:-20}
for b in onair bench/webrtc_load; do
  [ -x "$build/$b" ] || { echo "build first: cmake --build $build --target onair webrtc_load"; exit 1; }
done
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
dir=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
free_port() {  # tcp | udp
  python3 -c "import socket,sys; s=socket.socket(type=socket.SOCK_DGRAM if sys.argv[1]=='udp' else socket.SOCK_STREAM)
s.bind(('127.0.0.1',0)); print(s.getsockname()[1])" "$1"
}
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
load="$build/bench/webrtc_load"
field() { grep '^result:' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# CPU seconds (user + system) the commands this subshell waits for took.
children_cpu() { awk '{print ($16 + $17) / '"$(getconf CLK_TCK)"'}' "/proc/$BASHPID/stat"; }
# p50 and p99 bucket bounds of onair_bridge_latency_seconds for a direction and kind.
latency() {  # direction kind
  curl -fs "http://127.0.0.1:$http/metrics" | awk -v d="$1" -v k="$2" '
    index($0, "onair_bridge_latency_seconds_bucket{direction=\"" d "\",kind=\"" k "\"") == 1 {
      match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5); n++; bound[n] = le; count[n] = $NF }
    END { if (!n || !count[n]) { print "none"; exit }
          for (i = 1; i <= n; i++) { if (!p50 && count[i] >= 0.5 * count[n]) p50 = bound[i];
                                     if (!p99 && count[i] >= 0.99 * count[n]) p99 = bound[i] }
          printf "%d outputs, p50 <= %s s, p99 <= %s s", count[n], p50, p99 }'
}

# Inputs: the same H.264 (baseline, no B-frames, a keyframe every 2 s) for every side.
ff -f lavfi -i "testsrc2=size=640x480:rate=30:duration=60" -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=60" \
  -c:v libx264 -preset veryfast -profile:v baseline -bf 0 -g 60 -b:v 1500k -maxrate 1500k -bufsize 1500k \
  -pix_fmt yuv420p -c:a aac -b:a 128k -ac 2 "$dir/clip.flv"
ff -i "$dir/clip.flv" -map 0:v -c:v copy -bsf:v h264_mp4toannexb -f h264 "$dir/clip.h264"
ff -i "$dir/clip.flv" -c:v copy -c:a libopus -b:a 64k "$dir/clip.mkv"

http=$(free_port tcp)
rtmp=$(free_port tcp)
udp=$(free_port udp)
env ONAIR_DATA_DIR="$dir/onair" ONAIR_HTTP__ADDR="127.0.0.1:$http" ONAIR_RTMP__ADDR="127.0.0.1:$rtmp" \
  ONAIR_LOG__ACCESS=false ONAIR_MEDIA__AUTH=none ONAIR_WEBRTC__UDP_ADDR="127.0.0.1:$udp" \
  taskset -c 0 "$build/onair" serve --threads 1 > "$dir/onair.log" 2>&1 &
onair=$!
pids+=($onair)
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$http/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
core_share() {  # seconds: onair's share of a core over that long
  local a b
  a=$(awk '{print $14 + $15}' "/proc/$onair/stat")
  sleep "$1"
  b=$(awk '{print $14 + $15}' "/proc/$onair/stat")
  echo "scale=4; ($b - $a) / $(getconf CLK_TCK) / $1" | bc
}
per_stream() { echo "scale=4; 100 * ($1 - $2) / $n" | bc; }  # with, without -> % of a core per stream

echo "== (a) $n RTMP streams -> WHEP viewers (streams $n, window ${secs}s)"
rtmp_pids=()
for i in $(seq 0 $((n - 1))); do
  taskset -c 1 ffmpeg -nostdin -hide_banner -loglevel error -re -stream_loop -1 -i "$dir/clip.flv" -c copy -f flv \
    "rtmp://127.0.0.1:$rtmp/live/rtmp-$i" &
  rtmp_pids+=($!)
  pids+=($!)
done
sleep 5
base_a=$(core_share "$secs")
echo "publishers alone: onair at $base_a of a core"
taskset -c 1 "$load" --port "$http" --stream rtmp --streams "$n" --subscribers "$n" --whep-only 1 --codec h264 \
  --seconds "$secs" --warmup 3 --server-pid "$onair" --verify-every 1 > "$dir/a.out" || { cat "$dir/a.out"; tail -20 "$dir/onair.log"; exit 1; }
grep '^setup:\|^result:' "$dir/a.out" | sed 's/ client_core.*//'
with_a=$(field "$dir/a.out" server_core)
echo "onair: $(per_stream "$with_a" "$base_a")% of a core per bridged stream (AAC -> Opus, H.264 -> RTP, SRTP)"
echo "latency rtmp_to_webrtc video: $(latency rtmp_to_webrtc video); audio: $(latency rtmp_to_webrtc audio)"
for p in "${rtmp_pids[@]}"; do kill "$p" 2>/dev/null || true; done
ffa=$( (
  for i in $(seq 0 $((n - 1))); do
    taskset -c 0 ffmpeg -nostdin -hide_banner -loglevel error -re -i "$dir/clip.flv" -t "$secs" \
      -map 0:v -c:v copy -f rtp "rtp://127.0.0.1:$((20000 + 4 * i))" \
      -map 0:a -c:a libopus -b:a 64k -f rtp "rtp://127.0.0.1:$((20002 + 4 * i))" > /dev/null &
  done
  wait
  children_cpu ) )
echo "ffmpeg CLI: $(echo "scale=4; 100 * $ffa / $secs / $n" | bc)% of a core per stream (-c:v copy -c:a libopus -f rtp)"

echo "== (b) $n WHIP streams -> HTTP-FLV players"
# (Streams of a run end with its sessions, 30 s after webrtc_load exits: each run has its own.)
taskset -c 1 "$load" --port "$http" --stream whipa --streams "$n" --subscribers 0 --codec h264 \
  --h264-file "$dir/clip.h264" --seconds "$secs" --warmup 3 --server-pid "$onair" > "$dir/b0.out" || { cat "$dir/b0.out"; exit 1; }
base_b=$(field "$dir/b0.out" server_core)
echo "publishers alone (the bridge sleeps): onair at $base_b of a core"
players=()
for i in $(seq 0 $((n - 1))); do
  taskset -c 1 curl -s -o /dev/null "http://127.0.0.1:$http/live/whipb-$i.flv" &
  players+=($!)
  pids+=($!)
done
taskset -c 1 "$load" --port "$http" --stream whipb --streams "$n" --subscribers 0 --codec h264 \
  --h264-file "$dir/clip.h264" --seconds "$secs" --warmup 5 --server-pid "$onair" > "$dir/b1.out" || { cat "$dir/b1.out"; exit 1; }
with_b=$(field "$dir/b1.out" server_core)
echo "with $n FLV players: onair at $with_b of a core"
echo "onair: $(per_stream "$with_b" "$base_b")% of a core per bridged stream (SRTP in, jitter buffer, depacketize, Opus -> AAC, FLV out)"
echo "latency webrtc_to_rtmp video: $(latency webrtc_to_rtmp video); audio: $(latency webrtc_to_rtmp audio)"
for p in "${players[@]}"; do kill "$p" 2>/dev/null || true; done
ffb=$( (
  for i in $(seq 0 $((n - 1))); do
    taskset -c 0 ffmpeg -nostdin -hide_banner -loglevel error -re -i "$dir/clip.mkv" -t "$secs" \
      -c:v copy -c:a aac -b:a 128k -aac_coder fast -f flv -y /dev/null > /dev/null &
  done
  wait
  children_cpu ) )
echo "ffmpeg CLI: $(echo "scale=4; 100 * $ffb / $secs / $n" | bc)% of a core per stream (-c:v copy -c:a aac -f flv)"
