#!/usr/bin/env bash
# The main job: builds attnc, then checks, compiles and runs the bundled
# sentiment model (examples/sentiment.attn) on two bundled sentences
# (examples/sentiment.inputs.safetensors), with PyTorch-initialised weights
# made by `attnc init-weights` (a trained state_dict goes in their place).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/build.sh" release >/dev/null
attnc="$root/build/tools/attnc/attnc"
model="$root/examples/sentiment.attn"
weights="$root/build/sentiment.weights.safetensors"

echo "== attnc check $model"
"$attnc" check "$model"
echo "== attnc compile --emit=ir (first lines)"
"$attnc" compile "$model" --emit=ir | grep -v '^weight' | head -8
echo "== attnc init-weights --seed 0"
"$attnc" init-weights "$model" --seed 0 -o "$weights"
echo "== attnc run: logits and per-token attention weights"
"$attnc" run "$model" --weights "$weights" --inputs "$root/examples/sentiment.inputs.safetensors"
