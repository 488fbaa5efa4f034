#!/usr/bin/env bash
# Sets up a fresh Debian bookworm machine, builds onair and runs `onair serve` on its
# embedded defaults (HTTP on :8080, data in ./onair-data). Extra arguments go to `serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DONAIR_TESTS=OFF -DONAIR_BENCH=OFF >/dev/null
cmake --build build --target onair
exec ./build/onair serve "$@"
