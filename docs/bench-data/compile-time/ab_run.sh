#!/bin/bash
# Old (O3, 8e06690) vs new binaries, alternating, medians of 5 repetitions each.
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive ATTNC_CACHE_DIR=off
OLD=/tmp/o3wt/build/bench NEW=/work/main/build/bench
run() { # bench filter
  for round in 1 2; do
    for side in old new; do
      dir=$OLD; [ $side = new ] && dir=$NEW
      $dir/$1 --benchmark_filter="$2" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true --benchmark_format=csv 2>/dev/null | grep median | sed "s/^/$side,$round,/"
    done
  done
}
{
run recurrent_bench 'llvm_'
run attention_bench 'llvm_(un)?fused(_2threads)?/B:32/T:(128|1024)/'
run linear_bench 'llvm'
run models_bench 'model/.*/llvm_fused/hidden:(file|128)/B:(1|32)/T:128'
} > /tmp/ab/results.csv
echo finished >> /tmp/ab/results.csv
