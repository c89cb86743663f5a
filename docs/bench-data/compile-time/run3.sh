#!/bin/bash
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive ATTNC_CACHE_DIR=off
OLD=/tmp/o3wt/build/bench NEW=/work/main/build/bench
for round in 1 2; do
  for side in old new; do
    dir=$OLD; [ $side = new ] && dir=$NEW
    $dir/recurrent_bench --benchmark_filter='llvm_' --benchmark_repetitions=5 --benchmark_report_aggregates_only=true --benchmark_format=csv 2>/dev/null | grep median | sed "s/^/$side,$round,/"
    $dir/models_bench --benchmark_filter='compile/sentiment' --benchmark_repetitions=3 --benchmark_report_aggregates_only=true --benchmark_format=csv 2>/dev/null | grep median | sed "s/^/$side,$round,/"
  done
done
