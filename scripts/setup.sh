#!/usr/bin/env bash
# Installs every Debian bookworm package that building, testing and benchmarking onair need.
# Idempotent: packages already present are left alone. Runs as root or through sudo.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsrtp2-dev libspdlog-dev libfmt-dev libyaml-cpp-dev libcli11-dev libsqlite3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libavcodec-dev libavutil-dev libswscale-dev libswresample-dev libopus-dev libx264-dev
  clang-format
  ffmpeg
  clang-16 libclang-rt-16-dev
  chromium
  iproute2 util-linux
  prometheus
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js for the browser tests' driver: Debian's, unless a node is already there.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then missing+=(nodejs npm); fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
else
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages, each folder from its committed package-lock.json: web/ (Redoc's bundle,
# compiled into the binary for /docs: the build needs it), tests/browser/ (playwright-core
# drives Debian's Chromium; no browser download) and tests/openapi/ (Redocly's linter and
# Ajv check docs/openapi.yaml). A folder is installed again when its lock file changes.
root=$(cd "$(dirname "$0")/.." && pwd)
for dir in web tests/browser tests/openapi; do
  lock="$root/$dir/package-lock.json"
  stamp="$root/$dir/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ]; then
    echo "setup: npm ci in $dir"
    (cd "$root/$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
done
