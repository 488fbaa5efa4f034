#!/usr/bin/env bash
# Rooms API benchmark (run by hand, not in CI): member heartbeats and room reads over
# keep-alive connections. The server runs one event loop pinned to core 0; the load client
# runs on core 1. Reports requests per second and requests per second of server CPU.
#
#   bench/rooms_api.sh [build-dir] [connections] [seconds]
set -euo pipefail
build=${1:-build}
conns=${2:-64}
secs=${3:-10}
[ -x "$build/onair" ] && [ -x "$build/bench/http_load" ] || { echo "build first: cmake --build $build"; exit 1; }

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
key=bench secret=bench-secret-0123456789abcdef
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
env ONAIR_DATA_DIR="$dir" ONAIR_HTTP__ADDR="127.0.0.1:$port" ONAIR_RTMP__ADDR=127.0.0.1:0 \
  ONAIR_LOG__ACCESS=false ONAIR_LOG__LEVEL=warn "ONAIR_AUTH__KEYS__$key=$secret" \
  ONAIR_ROOMS__MEMBER_TIMEOUT_S=600 taskset -c 0 "$build/onair" serve --threads 1 > "$dir/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

echo "onair $(git rev-parse --short HEAD 2>/dev/null), $(nproc) cores, server on core 0 (1 loop), load on core 1, $conns connections, ${secs}s"
for mode in heartbeat room; do
  taskset -c 1 "$build/bench/http_load" --port "$port" --key $key --secret $secret --conns "$conns" \
    --seconds "$secs" --mode $mode --server-pid $pid
done
