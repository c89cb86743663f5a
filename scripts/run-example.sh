#!/usr/bin/env bash
# The main job: builds attnc and the example app, then classifies a few
# movie-review sentences (Korean and English) with the trained seed model:
# examples/sentiment/ (SentencePiece pieces -> Embedding, 4-layer Bi-LSTM,
# additive attention, LayerNorm, fc1, fc2), compiled by attnc's LLVM backend
# through the public C++ API. Each line shows the label, its probability and
# how much attention each piece received; build/sentiment.html has the same
# as a heatmap page.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
echo "== building attnc and examples/sentiment (the first build takes several minutes; progress below)"
"$root/scripts/build.sh" release attnc attn-sentiment
attnc="$root/build/tools/attnc/attnc"
app="$root/build/examples/sentiment/attn-sentiment"
example="$root/examples/sentiment"

echo
echo "== attnc check: the model and its trained weights"
"$attnc" check "$example/model.attn" --weights "$example/weights.safetensors" && echo "ok"
echo
echo "== attn-sentiment < examples/sentiment/data/samples.txt"
echo "   label, probability, then each SentencePiece piece with its attention weight"
"$app" --html "$root/build/sentiment.html" < "$example/data/samples.txt"
echo
echo "== the same as a heatmap page: build/sentiment.html"
echo "   try your own: echo '연기는 좋았지만 너무 길었다' | $app"
