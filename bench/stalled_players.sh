#!/usr/bin/env bash
# Stalled players (by hand, not CI): one publisher looping a 2 Mbit/s H.264+AAC file, then N
# HTTP-FLV and N RTMP players that connect, ask to play and never read. Prints the server's
# resident memory every 5 s, how many players it still has and how many it closed as
# stalled: memory must stay flat and every stalled player go after media.player_stall_s.
#   bench/stalled_players.sh [build-dir] [players-per-protocol] [seconds] [stall-s]
set -euo pipefail
build=${1:-build}
n=${2:-500}
secs=${3:-60}
stall=${4:-10}
[ -x "$build/onair" ] || { echo "build first: cmake --build $build"; exit 1; }
ulimit -n 65536 2>/dev/null || true
dir=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http=$(free_port); rtmp=$(free_port)
ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=30 \
  -f lavfi -i sine=frequency=440:sample_rate=44100 -t 30 -c:v libx264 -preset veryfast -b:v 2000k \
  -maxrate 2000k -bufsize 4000k -g 60 -pix_fmt yuv420p -c:a aac -b:a 128k -f flv "$dir/test.flv"
env ONAIR_DATA_DIR="$dir/onair" ONAIR_HTTP__ADDR="127.0.0.1:$http" ONAIR_RTMP__ADDR="127.0.0.1:$rtmp" \
  ONAIR_MEDIA__AUTH=none ONAIR_WEBRTC__ENABLED=false ONAIR_MEDIA__PLAYER_STALL_S="$stall" ONAIR_LOG__ACCESS=false \
  "$build/onair" serve > "$dir/onair.log" 2>&1 &
onair=$!; pids+=($onair)
sleep 2
ffmpeg -nostdin -hide_banner -loglevel error -re -stream_loop -1 -i "$dir/test.flv" -c copy -f flv \
  "rtmp://127.0.0.1:$rtmp/live/bench" &
pids+=($!)
sleep 3
python3 - "$http" "$rtmp" "$n" "$secs" "$onair" <<'PY'
import socket, struct, sys, time, re, urllib.request
http, rtmp, n, secs, pid = map(int, sys.argv[1:])
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"): return int(line.split()[1]) // 1024
def metric(series):
    text = urllib.request.urlopen(f"http://127.0.0.1:{http}/metrics").read().decode()
    m = re.search("^" + re.escape(series) + r" (\S+)$", text, re.M)
    return float(m.group(1)) if m else 0
def amf_str(s): return b"\x02" + struct.pack(">H", len(s)) + s.encode()
def amf_num(v): return b"\x00" + struct.pack(">d", v)
def command(body, stream_id):
    # one type-0 chunk stream 3 message, cut in 128-byte chunks (RTMP 5.3)
    out = bytes([3]) + b"\0\0\0" + struct.pack(">I", len(body))[1:] + bytes([20]) + struct.pack("<I", stream_id)
    for i in range(0, len(body), 128):
        if i: out += bytes([0xC3])
        out += body[i:i + 128]
    return out
socks = []
print(f"before: rss {rss()} MB")
for i in range(n):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096); s.connect(("127.0.0.1", http))
    s.sendall(b"GET /live/bench.flv HTTP/1.1\r\nHost: x\r\n\r\n"); socks.append(s)
    r = socket.socket(); r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096); r.connect(("127.0.0.1", rtmp))
    r.sendall(b"\x03" + bytes(1536))
    got = b""
    while len(got) < 3073: got += r.recv(3073 - len(got))
    obj = b"\x03" + amf_str("app")[1:] + amf_str("live") + b"\0\0\x09"
    r.sendall(got[1:1537] + command(amf_str("connect") + amf_num(1) + obj, 0) +
              command(amf_str("createStream") + amf_num(2) + b"\x05", 0) +
              command(amf_str("play") + amf_num(3) + b"\x05" + amf_str("bench"), 1))
    socks.append(r)
t0 = time.time()
while time.time() - t0 < secs:
    time.sleep(5)
    flv, rt = 'onair_media_players{protocol="flv"}', 'onair_media_players{protocol="rtmp"}'
    stalled = 'onair_media_player_closes_total{reason="stalled"}'
    print(f"{time.time() - t0:5.0f} s: rss {rss()} MB, players flv {metric(flv):.0f} rtmp {metric(rt):.0f}, "
          f"closed as stalled {metric(stalled):.0f}, drops {metric('onair_media_player_drops_total'):.0f}", flush=True)
PY
