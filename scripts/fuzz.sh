#!/usr/bin/env bash
# The libFuzzer targets (tests/fuzz/, docs/testing.md), built with clang-19,
# AddressSanitizer and UndefinedBehaviorSanitizer in build-fuzz/.
#   scripts/fuzz.sh build                 configure and build every target
#   scripts/fuzz.sh smoke [SECONDS]       each target for SECONDS (default 15)
#                                         from its seeds: what CI runs
#   scripts/fuzz.sh run TARGET [ARGS...]  one target until stopped (or as
#                                         libFuzzer ARGS say, e.g. -max_total_time=3600);
#                                         its corpus grows in build-fuzz/corpus/TARGET
# Targets: frontend, safetensors, init_weights, run. A finding is written to
# build-fuzz/findings/ and the command fails.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/build-fuzz"
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
targets=(frontend safetensors init_weights run)

build() {
  "$root/scripts/install-deps.sh"
  # -Wno-deprecated-declarations: clang 19 flags libstdc++ 12's own use of
  # get_temporary_buffer in std::stable_sort.
  local flags=()
  if command -v ccache >/dev/null; then
    export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=true
    flags+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  fi
  cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 -DATTN_WERROR=ON -DATTN_FUZZ=ON \
    -DCMAKE_CXX_FLAGS=-Wno-deprecated-declarations \
    -DATTN_SANITIZE=address,undefined,fuzzer-no-link -DATTN_TEST_TARGETS=host "${flags[@]}" >/dev/null
  cmake --build "$dir" --target fuzzers
}

# Seeds: the bundled models and test models (text targets), the bundled
# safetensors files and the hostile corpus's (safetensors), a few byte
# strings (run).
seed() {
  local target="$1" out="$dir/seeds/$1"
  rm -rf "$out" && mkdir -p "$out"
  case "$target" in
    frontend|init_weights)
      # Named by path: examples/seeds/x.attn and examples/x.attn both seed.
      find "$root/examples" "$root/tests/golden/cases" "$root/tests/lit" -name '*.attn' |
        while read -r f; do cp "$f" "$out/$(echo "$f" | md5sum | cut -c1-16).attn"; done ;;
    safetensors)
      find "$root/examples" "$root/tests/golden/data" -name '*.safetensors' | head -n 200 |
        while read -r f; do cp "$f" "$out/$(echo "$f" | md5sum | cut -c1-16)"; done ;;
    run)
      for i in $(seq 0 40); do head -c $((i * 7 + 3)) /dev/urandom > "$out/random$i"; done
      for i in $(seq 0 25); do printf "\\x$(printf %02x "$i")\\x00\\x03\\x02\\x04" > "$out/model$i"; done ;;
  esac
  echo "$out"
}

fuzz() { # TARGET SECONDS ARGS...
  local target="$1" seconds="$2"; shift 2
  mkdir -p "$dir/corpus/$target" "$dir/findings"
  local seeds; seeds="$(seed "$target")"
  local limit=()
  [ "$seconds" -gt 0 ] && limit=(-max_total_time="$seconds")
  local log="$dir/fuzz-$target.log" rc=0
  echo "fuzz: $target for ${seconds}s (log: $log)" >&2
  "$dir/tests/fuzz/fuzz_$target" "${limit[@]}" -timeout=20 -rss_limit_mb=4096 -max_len=65536 \
    -artifact_prefix="$dir/findings/$target-" -print_final_stats=1 "$@" "$dir/corpus/$target" "$seeds" \
    >"$log" 2>&1 || rc=$?
  grep -E '^(stat::number_of_executed_units|stat::new_units_added)|Done [0-9]+ runs' "$log" >&2 || true
  if [ "$rc" -ne 0 ]; then
    echo "fuzz: $target found a problem (exit $rc); the input is in $dir/findings/" >&2
    grep -E -A30 'fuzz property|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error' "$log" | head -n 60 >&2 || true
  fi
  return "$rc"
}

case "${1:-}" in
  build) build ;;
  smoke)
    build >/dev/null
    seconds="${2:-15}"
    for t in "${targets[@]}"; do fuzz "$t" "$seconds"; done ;;
  run)
    [ $# -ge 2 ] || { echo "usage: scripts/fuzz.sh run TARGET [libFuzzer args]" >&2; exit 2; }
    build >/dev/null
    t="$2"; shift 2
    fuzz "$t" 0 "$@" ;;
  *) echo "usage: scripts/fuzz.sh build | smoke [SECONDS] | run TARGET [ARGS...]" >&2; exit 2 ;;
esac
