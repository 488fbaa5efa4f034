#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang and runs each for a smoke time.
#   scripts/fuzz.sh [seconds per target, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
CC=clang-16 CXX=clang++-16 cmake -S fuzz -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz
mkdir -p build-fuzz/corpus
for t in amf0 chunk flv ts websocket stun rtp_rtcp sdp srtp h264_depacketizer aac_config vp8_depacketizer; do
  mkdir -p "build-fuzz/corpus/$t"
  echo "== fuzz $t (${secs}s) =="
  ./build-fuzz/fuzz_$t -max_total_time="$secs" -rss_limit_mb=2048 -seed=1 "build-fuzz/corpus/$t" 2>&1 | tail -3
done
echo "fuzz: all targets ran ${secs}s without a crash"
