#!/usr/bin/env bash
# The main job: builds attnc and runs it on the bundled sentiment model.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/build.sh" release >/dev/null
attnc="$root/build/tools/attnc/attnc"
model="$root/examples/sentiment.attn"
echo "== attnc check --list-weights $model"
"$attnc" check "$model" --list-weights
echo "== attnc compile --emit=ir $model"
"$attnc" compile "$model" --emit=ir
