#!/usr/bin/python3
"""Trains the sentiment example: the seed SentimentClassifier of
examples/seeds/sentiment.attn (as model.attn here, with vocab and embed set
for this corpus) on data/train.tsv, reports the accuracy on
data/heldout.tsv and writes weights.safetensors with PyTorch's state_dict
names, which `attnc run model.attn --weights weights.safetensors` binds.

Run from anywhere with the system Python (torch and numpy only):
    /usr/bin/python3 examples/sentiment/train.py
Tokens come from `spm_encode --model=spm.model --output_format=id` (the
`sentencepiece` Python module is not needed); spm.model is made by
train_spm.sh.

The app classifies one sentence at a time: B = 1, T = the sentence's number
of pieces, no padding and no mask. Training matches that: every batch holds
sentences of exactly the same length, so no batch is ever padded, and the
accuracies are measured one sentence at a time. The only augmentation is
piece dropout (each epoch, each piece of a training sentence is left out
with probability 0.2), which shortens a sentence but never pads it.
"""

import argparse
import os
import random
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "golden"))
import safetensors_io  # noqa: E402  (tests/golden/safetensors_io.py)

# Must match the `let`s of model.attn (checked below against model.attn).
EMBED = 32
HIDDEN = 12
CLASSES = 2


class SentimentClassifier(nn.Module):
    """model.attn, line for line (the seed's module)."""

    def __init__(self, vocab, embed=EMBED, hidden=HIDDEN, classes=CLASSES):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(
            input_size=embed,
            hidden_size=hidden,
            num_layers=4,
            bidirectional=True,
            batch_first=True,
        )
        self.attention = nn.Linear(2 * hidden, 2 * hidden)
        self.context_vector = nn.Linear(2 * hidden, 1, bias=False)
        self.layer_norm = nn.LayerNorm(2 * hidden)
        self.dropout = nn.Dropout(0.2)
        self.fc1 = nn.Linear(2 * hidden, hidden)
        self.fc2 = nn.Linear(hidden, classes)

    def forward(self, tokens):
        x = self.embedding(tokens)                        # [B, T, embed]
        out, _ = self.lstm(x)                             # [B, T, 2*hidden]
        u = torch.tanh(self.attention(out))               # [B, T, 2*hidden]
        a = torch.softmax(self.context_vector(u), dim=1)  # [B, T, 1]
        context = torch.sum(a * out, dim=1)               # [B, 2*hidden]
        context = self.dropout(self.layer_norm(context))
        logits = self.fc2(self.fc1(context))              # [B, classes]
        return logits, a.squeeze(2)                       # weights: [B, T]


def read_tsv(path):
    labels, sentences = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            label, sentence = line.split("\t", 1)
            labels.append(int(label))
            sentences.append(sentence)
    return labels, sentences


def encode(model_path, sentences):
    """Piece ids of each sentence, by spm_encode (one sentence per line)."""
    text = "".join(s + "\n" for s in sentences)
    out = subprocess.run(
        ["spm_encode", "--model=" + model_path, "--output_format=id"],
        input=text.encode("utf-8"), stdout=subprocess.PIPE, check=True,
    ).stdout.decode("utf-8")
    ids = [[int(t) for t in line.split()] for line in out.splitlines()]
    if len(ids) != len(sentences):
        raise RuntimeError(f"spm_encode gave {len(ids)} lines for {len(sentences)} sentences")
    return ids


def vocab_size(vocab_path):
    with open(vocab_path, encoding="utf-8") as f:
        return sum(1 for line in f if line.strip())


def model_lets(attn_path):
    lets = {}
    with open(attn_path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 4 and parts[0] == "let" and parts[2] == "=":
                lets[parts[1]] = int(parts[3])
    return lets


def drop_tokens(seq, p, rng):
    """Word (piece) dropout: each piece is left out with probability p; a
    sentence that would lose every piece is kept whole."""
    if p <= 0:
        return seq
    kept = [t for t in seq if rng.random() >= p]
    return kept if kept else seq


def same_length_batches(ids, labels, batch_size, rng):
    """Batches of sentences with exactly equal length (never padded)."""
    by_len = {}
    for i, seq in enumerate(ids):
        by_len.setdefault(len(seq), []).append(i)
    batches = []
    for length in sorted(by_len):
        idx = by_len[length]
        rng.shuffle(idx)
        for k in range(0, len(idx), batch_size):
            chunk = idx[k : k + batch_size]
            batches.append((torch.tensor([ids[i] for i in chunk], dtype=torch.int64),
                            torch.tensor([labels[i] for i in chunk], dtype=torch.int64)))
    rng.shuffle(batches)
    return batches


def accuracy(model, ids, labels):
    """One sentence at a time, as the app runs it (B = 1, no padding)."""
    model.eval()
    correct = 0
    with torch.no_grad():
        for seq, label in zip(ids, labels):
            logits, _ = model(torch.tensor([seq], dtype=torch.int64))
            correct += int(logits.argmax(dim=1).item() == label)
    return correct / len(labels)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=14)
    p.add_argument("--batch-size", type=int, default=16,
                   help="at most this many sentences of one exact length per batch")
    p.add_argument("--lr", type=float, default=5e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--clip", type=float, default=1.0, help="gradient norm clipping")
    p.add_argument("--token-dropout", type=float, default=0.2,
                   help="training only: drop each piece of a sentence with this probability "
                        "(the shortened sentence is still unpadded; never all of it)")
    p.add_argument("--out", default=os.path.join(HERE, "weights.safetensors"))
    args = p.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    random.seed(args.seed)
    np.random.seed(args.seed)
    rng = random.Random(args.seed)

    spm_model = os.path.join(HERE, "spm.model")
    vocab = vocab_size(os.path.join(HERE, "spm.vocab"))
    lets = model_lets(os.path.join(HERE, "model.attn"))
    expected = {"vocab": vocab, "embed": EMBED, "hidden": HIDDEN, "classes": CLASSES}
    for name, value in expected.items():
        if lets.get(name) != value:
            sys.exit(f"model.attn has `let {name} = {lets.get(name)}`, train.py uses {value}")

    train_labels, train_text = read_tsv(os.path.join(HERE, "data", "train.tsv"))
    held_labels, held_text = read_tsv(os.path.join(HERE, "data", "heldout.tsv"))
    train_ids = encode(spm_model, train_text)
    held_ids = encode(spm_model, held_text)
    lengths = [len(s) for s in train_ids]
    print(f"vocab {vocab}, embed {EMBED}, hidden {HIDDEN}; "
          f"{len(train_ids)} training sentences ({min(lengths)}-{max(lengths)} pieces), "
          f"{len(held_ids)} held out")

    model = SentimentClassifier(vocab)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()

    start = time.time()
    for epoch in range(1, args.epochs + 1):
        model.train()
        total, count = 0.0, 0
        epoch_ids = [drop_tokens(seq, args.token_dropout, rng) for seq in train_ids]
        for tokens, labels in same_length_batches(epoch_ids, train_labels, args.batch_size, rng):
            optimizer.zero_grad()
            logits, _ = model(tokens)
            loss = loss_fn(logits, labels)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            optimizer.step()
            total += loss.item() * len(labels)
            count += len(labels)
        if epoch % 2 == 0 or epoch == args.epochs:
            print(f"epoch {epoch:3d}  loss {total / count:.4f}  "
                  f"train acc {accuracy(model, train_ids, train_labels):.3f}  "
                  f"held-out acc {accuracy(model, held_ids, held_labels):.3f}")
    elapsed = time.time() - start

    held_acc = accuracy(model, held_ids, held_labels)
    print(f"training took {elapsed:.1f} s on one thread")
    print(f"held-out accuracy: {held_acc:.4f} "
          f"({round(held_acc * len(held_labels))}/{len(held_labels)})")

    state = model.state_dict()
    for name, tensor in state.items():
        if tensor.dtype != torch.float32:
            sys.exit(f"{name}: {tensor.dtype}, expected float32")
    blob = safetensors_io.encode(state)
    safetensors_io.check_round_trip(blob, state)
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(blob)
    os.replace(tmp, args.out)
    print(f"wrote {args.out} ({len(blob)} bytes, {len(state)} tensors)")


if __name__ == "__main__":
    main()
