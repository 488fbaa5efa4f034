#!/usr/bin/env bash
# Realtime fan-out benchmark (by hand, not CI): onair pinned to core 0 with one event loop,
# bench/rt_load (epoll, one thread) on core 1. Reports, per scenario, deliveries per second
# (messages received by clients), the server's CPU and deliveries per server core-second,
# p50/p99 delivery latency (send to receive, same clock) and the server's memory per idle
# connection.
#   bench/realtime_fanout.sh [build-dir] [seconds]
set -euo pipefail
build=${1:-build}
secs=${2:-15}
[ -x "$build/onair" ] && [ -x "$build/bench/rt_load" ] || { echo "build first: cmake --build $build"; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
dir=$(mktemp -d)
secret=bench-secret-0123456789abcdef
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

serve() {  # starts a fresh server
  [ -n "$pid" ] && { kill "$pid"; wait "$pid" 2>/dev/null || true; }
  rm -rf "$dir/data"
  port=$(free_port)
  env ONAIR_DATA_DIR="$dir/data" ONAIR_HTTP__ADDR="127.0.0.1:$port" ONAIR_RTMP__ADDR="127.0.0.1:0" \
    ONAIR_LOG__ACCESS=false ONAIR_LOG__LEVEL=warn ONAIR_AUTH__KEYS__bench="$secret" \
    ONAIR_ROOMS__IDLE_ROOM_TIMEOUT_S=100000 ONAIR_REALTIME__USER_RATE=100000 ONAIR_REALTIME__USER_BURST=100000 \
    ONAIR_REALTIME__SAMPLE_ABOVE=1000000 \
    taskset -c 0 "$build/onair" serve --threads 1 > "$dir/onair.log" 2>&1 &
  pid=$!
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "onair did not start"; cat "$dir/onair.log"; exit 1
}
load() { taskset -c 1 "$build/bench/rt_load" --port "$port" --key bench --secret "$secret" --server-pid "$pid" --seconds "$secs" "$@"; }

echo "server on core 0 (--threads 1), rt_load on core 1, batch_ms 20, window ${secs}s"
serve; echo -n "idle, 10000 connections:            "; load --idle --conns 10000 --rooms 10
serve; echo -n "one room, 1000 conns, 4000 msg/s:   "; load --conns 1000 --rooms 1 --senders 20 --rate 4000
serve; echo -n "one room, 10000 conns, 400 msg/s:   "; load --conns 10000 --rooms 1 --senders 20 --rate 400
serve; echo -n "100 rooms x 100 conns, 4000 msg/s:  "; load --conns 10000 --rooms 100 --senders 400 --rate 4000
