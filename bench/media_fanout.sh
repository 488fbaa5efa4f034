#!/usr/bin/env bash
# Media fan-out benchmark (by hand, not CI): one publisher looping a 2 Mbit/s H.264+AAC file
# and N players from bench/media_load, the server pinned to core 0 and publisher + load to
# core 1. Runs onair (HTTP-FLV and RTMP players), Debian's nginx with the RTMP module (RTMP
# players) and a kernel floor (a bare sender of the same bytes, no protocol), and prints for
# each the server's CPU per delivered Gbit/s and how many players kept up.
#   bench/media_fanout.sh [build-dir] [players] [seconds] [merge-ms]
# merge-ms: onair's media.merge_ms (writes gathered that long); the floor writes every
# merge-ms too (33 ms, a frame interval, when 0).
set -euo pipefail
build=${1:-build}
players=${2:-500}
secs=${3:-20}
merge=${4:-0}
floor_merge=$merge; [ "$floor_merge" -gt 0 ] || floor_merge=33
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$build/onair" ] && [ -x "$build/bench/media_load" ] || { echo "build first: cmake --build $build"; exit 1; }
if [ ! -f /usr/lib/nginx/modules/ngx_rtmp_module.so ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nginx-light libnginx-mod-rtmp >/dev/null \
    || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nginx libnginx-mod-rtmp >/dev/null
fi
ulimit -n 65536 2>/dev/null || true
dir=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=30 \
  -f lavfi -i sine=frequency=440:sample_rate=44100 -t 30 -c:v libx264 -preset veryfast -b:v 2000k \
  -maxrate 2000k -bufsize 4000k -g 60 -pix_fmt yuv420p -c:a aac -b:a 128k -f flv "$dir/test.flv"
load="$build/bench/media_load"
echo "players=$players window=${secs}s merge_ms=$merge (floor every ${floor_merge} ms), server on core 0, publisher and load on core 1"

publish() {  # url
  taskset -c 1 ffmpeg -nostdin -hide_banner -loglevel error -re -stream_loop -1 -i "$dir/test.flv" -c copy -f flv "$1" &
  pids+=($!)
  sleep 3
}

# onair
http=$(free_port); rtmp=$(free_port)
env ONAIR_DATA_DIR="$dir/onair" ONAIR_HTTP__ADDR="127.0.0.1:$http" ONAIR_RTMP__ADDR="127.0.0.1:$rtmp" \
  ONAIR_LOG__ACCESS=false ONAIR_LOG__LEVEL=warn ONAIR_MEDIA__AUTH=none ONAIR_MEDIA__MERGE_MS="$merge" \
  taskset -c 0 "$build/onair" serve --threads 1 > "$dir/onair.log" 2>&1 &
onair=$!; pids+=($onair)
sleep 1
publish "rtmp://127.0.0.1:$rtmp/live/bench"
echo -n "onair http-flv: "; taskset -c 1 "$load" --protocol flv --port "$http" --path /live/bench.flv --players "$players" --seconds "$secs" --server-pid "$onair"
echo -n "onair rtmp:     "; taskset -c 1 "$load" --protocol rtmp --port "$rtmp" --stream bench --players "$players" --seconds "$secs" --server-pid "$onair"
kill "$onair"; kill "${pids[-1]}" 2>/dev/null || true; sleep 1

# nginx-rtmp
port=$(free_port)
mkdir -p "$dir/nginx/logs"
cat > "$dir/nginx/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
worker_processes 1;
master_process off;
daemon off;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/logs/error.log warn;
events { worker_connections 65536; }
rtmp { server { listen 127.0.0.1:$port; chunk_size 60000; application live { live on; } } }
CONF
taskset -c 0 nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" &
sleep 1
nginx_pid=$(cat "$dir/nginx/nginx.pid")
pids+=($nginx_pid)
publish "rtmp://127.0.0.1:$port/live/bench"
echo -n "nginx-rtmp:     "; taskset -c 1 "$load" --protocol rtmp --port "$port" --stream bench --players "$players" --seconds "$secs" --server-pid "$nginx_pid"
kill "$nginx_pid"; kill "${pids[-1]}" 2>/dev/null || true; sleep 1

# kernel floor: the same bytes at the same rate, no protocol, written every 33 ms
port=$(free_port)
taskset -c 0 "$load" --mode floor --port "$port" --players "$players" --file "$dir/test.flv" --kbps 2150 --merge-ms "$floor_merge" --seconds $((secs + 10)) &
floor=$!; pids+=($floor)
sleep 0.5
echo -n "kernel floor:   "; taskset -c 1 "$load" --protocol raw --port "$port" --players "$players" --seconds "$secs" --server-pid "$floor"
