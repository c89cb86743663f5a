#!/usr/bin/env bash
# Takes the figures docs/performance.md quotes, into out/bench/ (or $1):
# attnc bench and the PyTorch baseline on the example models (joined by
# compare.py into models.md), the attention and linear programs of bench/
# (plotted by plot.py), the recurrence against oneDNN's LSTM, and the
# compile-time benchmarks. Run on an idle
# machine after scripts/build.sh and scripts/install-deps.sh --bench; it
# takes about 15 minutes on 2 cores. See docs/benchmarks.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/out/bench}"
mkdir -p "$out"
attnc="$root/build/tools/attnc/attnc"
py=/usr/bin/python3
# One thread for oneDNN and PyTorch unless asked; idle OpenMP threads sleep.
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive

# model, fn, -D overrides (as "-D name=value" words)
runs=(
  "sentiment forward"
  "sentiment forward hidden=128"
  "bilstm_dot forward"
  "bilstm_dot forward hidden=128"
  "seq2seq encode"
  "seq2seq decode_step"
  "additive_block forward"
  "additive_block forward hidden=128"
)
jsons=()
for run in "${runs[@]}"; do
  read -r model fn define <<<"$run"
  tag="$model.$fn${define:+.${define//=/}}"
  attncDefines=() torchDefines=()
  [ -n "${define:-}" ] && attncDefines=(-D "$define") torchDefines=(--define "$define")
  echo "report: $tag" >&2
  "$attnc" bench "$root/examples/$model.attn" --fn "$fn" "${attncDefines[@]}" \
    --shape B=1,T=32 --shape B=32,T=128 --backend all --variants fused,unfused --threads 1,2 \
    --min-time 0.5 --json "$out/attnc.$tag.json" >"$out/attnc.$tag.txt"
  jsons+=("$out/attnc.$tag.json")
  if $py -c 'import torch' 2>/dev/null; then
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $py "$root/bench/pytorch_baseline.py" --model "$model" \
      --fn "$fn" "${torchDefines[@]}" --shape B=1,T=32 --shape B=32,T=128 --threads 1,2 --repetitions 20 \
      --json "$out/pytorch.$tag.json" >"$out/pytorch.$tag.txt"
    jsons+=("$out/pytorch.$tag.json")
  fi
done
$py "$root/bench/compare.py" "${jsons[@]}" -o "$out/models.md"
# The bare additive block in PyTorch at attention_bench's shapes (A = D).
if $py -c 'import torch' 2>/dev/null; then
  echo "report: pytorch additive block" >&2
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $py "$root/bench/pytorch_baseline.py" --model additive \
    --dims D=24,A=24 --dims D=128,A=128 --dims D=512,A=512 --shape B=32,T=128 --shape B=32,T=1024 \
    --threads 1 --repetitions 15 --mode eager --json "$out/pytorch.additive.json" >"$out/pytorch.additive.txt"
fi

gbench=(--benchmark_min_time=0.3 --benchmark_out_format=json)
"$root/build/bench/recurrent_bench" --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true \
  --benchmark_report_aggregates_only=true "${gbench[@]}" --benchmark_out="$out/recurrent.json" >"$out/recurrent.txt"
"$root/build/bench/attention_bench" --benchmark_filter='/B:32/' "${gbench[@]}" \
  --benchmark_out="$out/attention.json" >"$out/attention.txt"
"$root/build/bench/linear_bench" "${gbench[@]}" --benchmark_out="$out/linear.json" >"$out/linear.txt"
"$root/build/bench/models_bench" --benchmark_filter='^compile/' --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true "${gbench[@]}" --benchmark_out="$out/compile.json" >"$out/compile.txt"
if $py -c 'import matplotlib' 2>/dev/null; then
  $py "$root/bench/plot.py" "$out/attention.json" -o "$out/plots"
  $py "$root/bench/plot.py" "$out/linear.json" -o "$out/plots"
fi
echo "report: written to $out" >&2
