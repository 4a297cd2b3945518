#!/usr/bin/env bash
# Configure and build pchat.  Usage: scripts/build.sh [release|asan]   (default: release)
#   release -> build/release (RelWithDebInfo)
#   asan    -> build/asan    (Debug, AddressSanitizer + UBSan)
# Binaries land in build/<kind>/bin/ (pchatd, pchatctl).
# PCHAT_UNITY=ON|OFF (default ON): unity build, 8 sources per compiler run. It halves
#   a full build (shared headers and template code compiled once per batch); set OFF
#   for quicker rebuilds of one file while editing.
# PCHAT_CCACHE=0: do not use ccache even when it is installed.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KIND=${1:-release}

case "$KIND" in
  release) CMAKE_ARGS=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPCHAT_BUILD_TESTS=OFF) ;;  # unit tests run in asan
  asan)    CMAKE_ARGS=(-DCMAKE_BUILD_TYPE=Debug -DPCHAT_SANITIZE=ON) ;;
  -h|--help)
    echo "usage: $0 [release|asan]"; exit 0 ;;
  *)
    echo "build.sh: unknown build kind '$KIND' (expected 'release' or 'asan')" >&2
    exit 2 ;;
esac

CMAKE_ARGS+=(-DCMAKE_UNITY_BUILD="${PCHAT_UNITY:-ON}" -DCMAKE_UNITY_BUILD_BATCH_SIZE=8)
# ccache, when installed, keeps compiled objects across build directories and clones
# (set its base_dir to share them between checkouts); PCHAT_CCACHE=0 turns it off.
if [[ "${PCHAT_CCACHE:-1}" != 0 ]] && command -v ccache >/dev/null 2>&1; then
  CMAKE_ARGS+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi

BUILD_DIR="$REPO/build/$KIND"
JOBS=${PCHAT_JOBS:-$(nproc)}

echo "build.sh: configuring $KIND build in $BUILD_DIR"
cmake -G Ninja -S "$REPO" -B "$BUILD_DIR" "${CMAKE_ARGS[@]}"
echo "build.sh: building with ninja -j$JOBS"
ninja -C "$BUILD_DIR" -j"$JOBS"
echo "build.sh: $KIND build ready: $BUILD_DIR/bin/"
