#!/usr/bin/env bash
# Sets up a fresh Debian bookworm machine, builds onair and runs the whole test suite under
# ctest: unit tests and integration tests against the real binary, first in a normal build,
# then again in a build with AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
jobs=$(nproc)

run_suite() {  # build-dir ctest-exclude-regex cmake-args...
  local dir=$1 exclude=$2; shift 2
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 600 ${exclude:+-E "$exclude"})
}

echo "== build and test (RelWithDebInfo) =="
run_suite build "" -DCMAKE_BUILD_TYPE=RelWithDebInfo
# The browser scenarios run once, in the build above: under a Debug + ASan build the media
# timing they check (A/V interleave, transcode speed) is not the product's; every unit and
# integration test, the bridge's codec paths included, runs again here.
echo "== build and test (AddressSanitizer + UBSan, without the browser scenarios) =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build-asan webrtc_browser -DCMAKE_BUILD_TYPE=Debug -DONAIR_SANITIZE=ON -DONAIR_BENCH=OFF
echo "== fuzz smoke (libFuzzer, clang 16) =="
./scripts/fuzz.sh 20
