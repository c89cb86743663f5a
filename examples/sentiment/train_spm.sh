#!/bin/sh
# Trains the SentencePiece BPE model spm.model (and spm.vocab) on the
# sentences (the text column only) of data/train.tsv. Deterministic: BPE
# has no sampling, the whole corpus is read (--input_sentence_size=0, no
# shuffling), one thread is used and the seed is fixed anyway; the input is
# written to a fixed name (spm_input.txt, removed afterwards) because
# spm.model records its input's path.
set -eu
cd "$(dirname "$0")"
trap 'rm -f spm_input.txt' EXIT
cut -f2 data/train.tsv > spm_input.txt
spm_train \
  --input=spm_input.txt \
  --model_prefix=spm \
  --model_type=bpe \
  --vocab_size=800 \
  --character_coverage=1.0 \
  --input_sentence_size=0 \
  --shuffle_input_sentence=false \
  --num_threads=1 \
  --random_seed=1 \
  --minloglevel=1
