#!/usr/bin/env bash
# WebRTC fan-out benchmark (by hand, not CI): one WHIP publisher of a synthetic 1.5 Mbit/s
# VP8 + Opus stream and N WHEP subscribers from bench/webrtc_load (full ICE, DTLS, SRTP,
# RTCP), onair pinned to core 0 with one event loop and the load client on core 1. Then the
# floor: bench/webrtc_floor on core 0 sends the same packets to the same kind of receiving
# sockets doing only copy + header rewrite + srtp_protect + sendmmsg. Prints, for each,
# forwarded packets/s, the sender's CPU, packets per core-second and subscribers per core,
# and the ratio.
#   bench/webrtc_fanout.sh [build-dir] [subscribers] [seconds] [profile]
# profile: gcm or cm, the only SRTP profile the subscribers offer; empty (default): they
# offer both like Chromium and onair picks AES-GCM; the floor then uses AES-GCM too.
# PERF=<prefix>: also record a call-graph profile of each sender for 10 s of its window
# (<prefix>.onair.data, <prefix>.floor.data; read with perf report --stdio -i ...).
set -euo pipefail
build=${1:-build}
subs=${2:-1000}
secs=${3:-15}
profile=${4:-}
warmup=3
for b in onair bench/webrtc_load bench/webrtc_floor; do
  [ -x "$build/$b" ] || { echo "build first: cmake --build $build --target onair webrtc_load webrtc_floor"; exit 1; }
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
load="$build/bench/webrtc_load"
echo "subscribers=$subs window=${secs}s warmup=${warmup}s srtp=${profile:-offer both}; sender on core 0, webrtc_load on core 1"

# onair: one event loop (the WebRTC loop is loop 0), no stream signatures.
http=$(free_port tcp)
udp=$(free_port udp)
env ONAIR_DATA_DIR="$dir/onair" ONAIR_HTTP__ADDR="127.0.0.1:$http" ONAIR_RTMP__ADDR="127.0.0.1:0" \
  ONAIR_LOG__ACCESS=false ONAIR_LOG__LEVEL=info ONAIR_MEDIA__AUTH=none \
  ONAIR_WEBRTC__UDP_ADDR="127.0.0.1:$udp" ONAIR_WEBRTC__MAX_SESSIONS=$((subs + 10)) \
  taskset -c 0 "$build/onair" serve --threads 1 > "$dir/onair.log" 2>&1 &
onair=$!
pids+=($onair)
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$http/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
# perf: 10 s of the sender's window, once its load client has set up and warmed up.
profile_window() {  # pid output-file load-output
  [ -n "${PERF:-}" ] || return 0
  ( for _ in $(seq 600); do grep -q '^setup:' "$3" 2>/dev/null && break; sleep 0.2; done
    sleep "$warmup"
    perf record -g -o "$2" -p "$1" -- sleep $((secs > 12 ? 10 : secs - 2)) >/dev/null 2>&1 ) &
  pids+=($!)
}
echo "== onair"
profile_window "$onair" "${PERF:-x}.onair.data" "$dir/onair.out"
taskset -c 1 "$load" --port "$http" --subscribers "$subs" --seconds "$secs" --warmup "$warmup" \
  --server-pid "$onair" ${profile:+--profile "$profile"} | tee "$dir/onair.out" || { tail -20 "$dir/onair.log"; exit 1; }
# Sessions the server ended before the end of the run, by reason (none is expected).
ended=$(grep 'webrtc: session ended' "$dir/onair.log" | sed -n 's/.*reason="\([^"]*\)".*/\1/p' | sort | uniq -c || true)
[ -z "$ended" ] || { echo "onair ended sessions during the run:"; echo "$ended"; }
kill "$onair"
wait "$onair" 2>/dev/null || true
sleep 1

# The floor: webrtc_load opens the receiving sockets and writes their ports; the floor
# reads them, and webrtc_load measures the floor's CPU through the pid file.
echo "== floor (copy + 12-byte header rewrite + srtp_protect + sendmmsg of 64)"
taskset -c 1 "$load" --floor-sink --subscribers "$subs" --seconds "$secs" --warmup "$warmup" \
  --ports-file "$dir/ports" --pid-file "$dir/floor.pid" --profile "${profile:-gcm}" > "$dir/floor.out" &
sink=$!
pids+=($sink)
taskset -c 0 "$build/bench/webrtc_floor" --ports-file "$dir/ports" --seconds $((secs + warmup + 60)) \
  --profile "${profile:-gcm}" > "$dir/floor_sender.out" &
floor=$!
pids+=($floor)
echo "$floor" > "$dir/floor.pid"
profile_window "$floor" "${PERF:-x}.floor.data" "$dir/floor.out"
wait "$sink" || true
kill "$floor"
wait "$floor" 2>/dev/null || true
cat "$dir/floor.out" "$dir/floor_sender.out"

field() { grep '^result:' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
for run in onair floor; do
  other=$(field "$dir/$run.out" core_other)
  awk -v o="${other:-0}" -v r="$run" 'BEGIN { if (o > 0.05) printf "warning: other processes took %.0f%% of core 0 during the %s run: repeat it\n", 100*o, r }'
done
a=$(field "$dir/onair.out" pkts_per_core_s)
b=$(field "$dir/floor.out" pkts_per_core_s)
if [ -n "$a" ] && [ -n "$b" ]; then
  awk -v a="$a" -v b="$b" -v sa="$(field "$dir/onair.out" subs_per_core)" -v sb="$(field "$dir/floor.out" subs_per_core)" \
    'BEGIN { printf "== onair %.0f packets/core-s (%.0f subscribers/core), floor %.0f (%.0f): onair reaches %.0f%% of the floor, costs %.2fx per packet\n", a, sa, b, sb, 100*a/b, b/a }'
fi
