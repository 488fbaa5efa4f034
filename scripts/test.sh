#!/usr/bin/env bash
# Sets up a fresh Debian bookworm machine, builds onair and runs the whole test suite under
# ctest: unit tests and integration tests against the real binary, first in a normal build,
# then again in a build with AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
jobs=$(nproc)

run_suite() {
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 600)
}

echo "== build and test (RelWithDebInfo) =="
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== build and test (AddressSanitizer + UBSan) =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DONAIR_SANITIZE=ON -DONAIR_BENCH=OFF
echo "== fuzz smoke (libFuzzer, clang 16) =="
./scripts/fuzz.sh 20
