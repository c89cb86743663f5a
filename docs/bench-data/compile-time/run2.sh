#!/bin/bash
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive ATTNC_CACHE_DIR=off
OLD=/tmp/o3wt/build/bench NEW=/work/main/build/bench
run() {
  for round in 1 2; do
    for side in old new; do
      dir=$OLD; [ $side = new ] && dir=$NEW
      $dir/$1 --benchmark_filter="$2" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true --benchmark_format=csv 2>/dev/null | grep median | sed "s/^/$side,$round,/"
    done
  done
}
run attention_bench "$1"
run linear_bench "$2"
