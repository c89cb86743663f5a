#!/usr/bin/env bash
# Configures and builds one flavour of attnc.
#   scripts/build.sh            release build in build/
#   scripts/build.sh asan       Debug + AddressSanitizer + UBSan in build-asan/
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
flavour="${1:-release}"
case "$flavour" in
  release) dir="$root/build"; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) dir="$root/build-asan"; flags=(-DCMAKE_BUILD_TYPE=Debug -DATTN_SANITIZE=address,undefined) ;;
  *) echo "usage: scripts/build.sh [release|asan]" >&2; exit 2 ;;
esac
cmake -S "$root" -B "$dir" -G Ninja -DATTN_WERROR=ON "${flags[@]}" >/dev/null
cmake --build "$dir"
