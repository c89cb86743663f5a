#!/usr/bin/env bash
# Configures and builds one flavour of attnc.
#   scripts/build.sh            release build in build/
#   scripts/build.sh asan       Debug + AddressSanitizer + UBSan in build-asan/
#   scripts/build.sh tsan T...  RelWithDebInfo + ThreadSanitizer in build-tsan/,
#                               only the targets named (the thread tests)
# Targets after the flavour build only those.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
flavour="${1:-release}"
case "$flavour" in
  release) dir="$root/build"; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  # The sanitizer build runs the JIT suites for the host and baseline x86-64
  # only (the widest and narrowest vectors): the release build runs every level.
  asan) dir="$root/build-asan"; flags=(-DCMAKE_BUILD_TYPE=Debug -DATTN_SANITIZE=address,undefined -DATTN_TEST_TARGETS=host,x86_64) ;;
  tsan) dir="$root/build-tsan"; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DATTN_SANITIZE=thread) ;;
  *) echo "usage: scripts/build.sh [release|asan|tsan] [target...]" >&2; exit 2 ;;
esac
# ccache keyed on paths relative to the checkout, so a fresh clone elsewhere
# (as CI makes) still hits the cache.
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=true
  flags+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$root" -B "$dir" -G Ninja -DATTN_WERROR=ON "${flags[@]}" >/dev/null
targets=()
for t in "${@:2}"; do targets+=(--target "$t"); done
cmake --build "$dir" "${targets[@]}"
