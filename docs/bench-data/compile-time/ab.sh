#!/bin/bash
# Old against new bench binaries, alternated, two rounds of medians of 5:
#   ab.sh OLD_BUILD NEW_BUILD PROGRAM FILTER [PROGRAM FILTER ...] > results.csv
# (old: a build of 8e06690 in a worktree; new: build/). ab_summary.py reads
# the CSV and prints new/old per benchmark. The runs quoted in
# docs/performance.md: recurrent_bench 'llvm_', attention_bench
# 'llvm_(un)?fused(_2threads)?/B:32/T:(128|1024)/', linear_bench 'llvm',
# models_bench 'model/.*/llvm_fused/hidden:(file|128)/B:(1|32)/T:128' and
# 'compile/sentiment'.
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive ATTNC_CACHE_DIR=off
old=$1 new=$2
shift 2
while [ $# -ge 2 ]; do
  for round in 1 2; do
    for side in old new; do
      dir=$old; [ $side = new ] && dir=$new
      "$dir/bench/$1" --benchmark_filter="$2" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
        --benchmark_format=csv 2>/dev/null | grep median | sed "s/^/$side,$round,/"
    done
  done
  shift 2
done
