#!/usr/bin/env bash
# Builds attnc and runs every test (GoogleTest unit tests, lit/FileCheck
# tests and the hostile-input corpus, through ctest):
# first the release build, then the same suite under AddressSanitizer and
# UndefinedBehaviorSanitizer, then the thread-safety test under
# ThreadSanitizer, then a short run of each libFuzzer target.
# `--quick` skips the last three.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# oneDNN's OpenMP threads spin next to a busy process on 2 cores.
export OMP_WAIT_POLICY=passive OMP_NUM_THREADS=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

"$root/scripts/build.sh" release
# The CPU and the ISA levels the JIT suites run at, for the log.
echo "test: CPU $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
"$root/build/tests/attn_unit_tests" --gtest_brief=1 --gtest_filter='IsaLevels.NamesTheHost*' | grep '^\[ isa \]\|^  '
ctest --test-dir "$root/build" --output-on-failure -j2
if [ "${1:-}" != "--quick" ]; then
  "$root/scripts/build.sh" asan
  ctest --test-dir "$root/build-asan" --output-on-failure -j2
  # One module from 8 threads (tests/api/ThreadSafety.cpp), ThreadSanitizer
  # build of that test and what it links only.
  "$root/scripts/build.sh" tsan attn_api_thread_test
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 ATTNC_CACHE_DIR=off \
    "$root/build-tsan/tests/attn_api_thread_test" --gtest_brief=1
  # libFuzzer targets (clang-19 + ASan + UBSan), 15 s each from their seeds.
  "$root/scripts/fuzz.sh" smoke 15
fi
