#!/usr/bin/python3
"""Regenerates the PyTorch golden files that attnc's reference interpreter is
tested against. Run by hand from the repository root, never by CI:

    /usr/bin/python3 tests/golden/make_goldens.py          # rewrite data/ and manifest.json
    /usr/bin/python3 tests/golden/make_goldens.py --check  # compare with the files on disk

For every case it seeds torch, builds the PyTorch equivalent of one fn of an
.attn model (op_cases.py, model_cases.py), and writes the weights, inputs and
outputs as safetensors under tests/golden/data/CASE/, plus one manifest entry.
Before writing, it checks the case against the .attn file itself: input and
output names, order, dtypes and shapes against the fn's signature, and
weight shapes against its `param` declarations. See README.md.
"""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import argparse
import json
import os
import re
import shutil
import zlib

import torch

import model_cases
import op_cases
import safetensors_io

GOLDEN_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(GOLDEN_DIR))
DATA_DIR = os.path.join(GOLDEN_DIR, "data")
MANIFEST = os.path.join(GOLDEN_DIR, "manifest.json")

OP_SHAPES = [(3, 5), (1, 1)]                     # (B, T) for single-op cases
MODEL_SHAPES = [(1, 1), (1, 7), (3, 1), (3, 7)]  # (B, T) for the example models

OPS = "tests/golden/cases/"
LSTM, GRU, RNN = op_cases.lstm_layers, op_cases.gru_layers, op_cases.rnn_layers
recurrent = op_cases.recurrent_case
SEQ2SEQ_DEFINES = {"src_vocab": 40, "tgt_vocab": 30, "embed": 16, "hidden": 16}

# (case prefix, model file, fn, -D overrides, builder, (B, T) shapes)
CASES = [
    ("elementwise", OPS + "elementwise.attn", "forward", {}, op_cases.elementwise, OP_SHAPES),
    ("cast", OPS + "cast.attn", "forward", {}, op_cases.cast, OP_SHAPES),
    ("reductions", OPS + "reductions.attn", "forward", {}, op_cases.reductions, OP_SHAPES),
    ("softmax", OPS + "softmax.attn", "forward", {}, op_cases.softmax, OP_SHAPES),
    ("shape", OPS + "shape.attn", "forward", {}, op_cases.shape, OP_SHAPES),
    ("indexing", OPS + "indexing.attn", "forward", {}, op_cases.indexing, OP_SHAPES),
    ("masks", OPS + "masks.attn", "forward", {}, op_cases.masks, OP_SHAPES),
    ("pytorch_methods", OPS + "pytorch_methods.attn", "forward", {}, op_cases.pytorch_methods,
     OP_SHAPES),
    ("pytorch_module", OPS + "pytorch_module.attn", "forward", {}, op_cases.pytorch_module,
     OP_SHAPES),
    ("sequence_mask", OPS + "sequence_mask.attn", "forward", {},
     op_cases.sequence_mask_case, OP_SHAPES),
    ("matmul", OPS + "matmul.attn", "forward", {}, op_cases.matmul, OP_SHAPES),
    ("arithmetic", OPS + "arithmetic.attn", "forward", {}, op_cases.arithmetic, OP_SHAPES),
    ("linear", OPS + "linear.attn", "forward", {}, op_cases.linear, OP_SHAPES),
    ("embedding", OPS + "embedding.attn", "forward", {}, op_cases.embedding, OP_SHAPES),
    ("layernorm", OPS + "layernorm.attn", "forward", {"eps": 0.001},
     op_cases.layernorm, OP_SHAPES),
    ("dropout", OPS + "dropout.attn", "forward", {}, op_cases.dropout, OP_SHAPES),
    ("conv1d", OPS + "conv1d.attn", "forward", {}, op_cases.conv1d, OP_SHAPES),
    ("lstm_time_major", OPS + "lstm.attn", "time_major", {},
     recurrent(LSTM, "lstm_tm", time_major=True), OP_SHAPES),
    ("lstm_bidir2", OPS + "lstm.attn", "bidir2", {}, recurrent(LSTM, "lstm_bi2"), OP_SHAPES),
    ("lstm_packed", OPS + "lstm.attn", "packed", {},
     recurrent(LSTM, "lstm_packed", with_lengths=True), OP_SHAPES),
    ("lstm_init_state", OPS + "lstm.attn", "init_state", {},
     recurrent(LSTM, "lstm_init", initial_state=True), OP_SHAPES),
    ("lstm_state_tuple", OPS + "lstm.attn", "state_tuple", {},
     recurrent(LSTM, "lstm_init", initial_state=True), OP_SHAPES),
    ("gru_bidir2", OPS + "gru.attn", "bidir2", {}, recurrent(GRU, "gru_bi2"), OP_SHAPES),
    ("gru_packed", OPS + "gru.attn", "packed", {},
     recurrent(GRU, "gru_packed", with_lengths=True), OP_SHAPES),
    ("gru_init_state", OPS + "gru.attn", "init_state", {},
     recurrent(GRU, "gru_init", time_major=True, initial_state=True), OP_SHAPES),
    ("rnn_tanh", OPS + "rnn.attn", "forward_tanh", {}, recurrent(RNN, "rnn_tanh"), OP_SHAPES),
    ("rnn_relu", OPS + "rnn.attn", "forward_relu", {}, recurrent(RNN, "rnn_relu"), OP_SHAPES),
    ("rnn_nobias", OPS + "rnn.attn", "forward_nobias", {},
     recurrent(RNN, "rnn_nobias", time_major=True, initial_state=True), OP_SHAPES),
    ("sentiment", "examples/sentiment.attn", "forward", {"vocab": 50, "embed": 16},
     model_cases.sentiment, MODEL_SHAPES),
    ("bilstm_dot", "examples/bilstm_dot.attn", "forward",
     {"vocab": 50, "embed": 16, "hidden": 8}, model_cases.bilstm_dot, MODEL_SHAPES),
    ("seq2seq_encode", "examples/seq2seq.attn", "encode", SEQ2SEQ_DEFINES,
     model_cases.seq2seq_encode, MODEL_SHAPES),
    ("seq2seq_decode_step", "examples/seq2seq.attn", "decode_step", SEQ2SEQ_DEFINES,
     model_cases.seq2seq_decode_step, MODEL_SHAPES),
    # The seeds in PyTorch's spelling, against the same modules.
    ("seed_sentiment", "examples/seeds/sentiment.attn", "forward", {"vocab": 50, "embed": 16},
     model_cases.sentiment, MODEL_SHAPES),
    ("seed_bilstm_dot", "examples/seeds/bilstm_dot.attn", "forward",
     {"vocab": 50, "embed": 16, "hidden": 8}, model_cases.bilstm_dot, MODEL_SHAPES),
    ("seed_seq2seq_encode", "examples/seeds/seq2seq.attn", "encode", SEQ2SEQ_DEFINES,
     model_cases.seq2seq_encode, MODEL_SHAPES),
    ("seed_seq2seq_decode_step", "examples/seeds/seq2seq.attn", "decode_step", SEQ2SEQ_DEFINES,
     model_cases.seq2seq_decode_step, MODEL_SHAPES),
    ("additive_block", "examples/additive_block.attn", "forward",
     {"hidden": 16, "attn_dim": 8}, model_cases.additive_block, MODEL_SHAPES),
    ("additive_block_empty_row", "examples/additive_block.attn", "forward",
     {"hidden": 16, "attn_dim": 8}, model_cases.additive_block_empty_row, [(3, 7)]),
]

# ---- just enough of the attn language to check a case against its model file

DTYPE_OF = {"f32": torch.float32, "i64": torch.int64, "i32": torch.int32, "bool": torch.bool}


def strip_comments(text):
    return re.sub(r"#[^\n]*", "", text)


def model_lets(text, defines):
    """The model's `let` constants: evaluated in order, then -D overrides."""
    lets = {}
    for name, expr in re.findall(r"^\s*let\s+(\w+)\s*=\s*(.+?)\s*$", text, re.M):
        lets[name] = defines[name] if name in defines else eval(expr, {"__builtins__": {}}, lets)
    unknown = set(defines) - set(lets)
    if unknown:
        raise ValueError(f"-D of names that are not lets: {sorted(unknown)}")
    return lets


def split_top_level(text):
    """Splits on commas outside [] and ()."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current)
    return [p.strip() for p in parts]


def parse_type(text, env):
    """`f32[B, 2*hidden]` or `f32` -> (torch dtype, shape tuple)."""
    match = re.fullmatch(r"(\w+)\s*(?:\[(.*)\])?", text.strip(), re.S)
    dims = split_top_level(match.group(2)) if match.group(2) is not None else []
    # The dims' functions (language.md): floordiv is Python's //.
    functions = {"floordiv": lambda a, b: a // b, "min": min, "max": max}
    return DTYPE_OF[match.group(1)], tuple(eval(d, {"__builtins__": {}, **functions}, env) for d in dims)


def parse_decls(text):
    """'name: TYPE, ...' -> [(name, TYPE text)]."""
    return [tuple(s.strip() for s in decl.split(":", 1)) for decl in split_top_level(text)]


def fn_signature(text, fn):
    match = re.search(rf"\bfn\s+{fn}\s*\((.*?)\)\s*->\s*\((.*?)\)\s*\{{", text, re.S)
    if not match:
        raise ValueError(f"no fn {fn}")
    return parse_decls(match.group(1)), parse_decls(match.group(2))


# Outputs that are meant to hold NaN or an infinity: softmax over a row that
# is -inf everywhere, a -inf fill (PyTorch's own results).
NONFINITE_OUTPUTS = {"infinite", "where_fill"}


def check_tensors(what, tensors, decls, env):
    names = [name for name, _ in decls]
    if list(tensors) != names:
        raise AssertionError(f"{what}: names {list(tensors)}, the model declares {names}")
    for name, type_text in decls:
        dtype, shape = parse_type(type_text, env)
        tensor = tensors[name]
        if tensor.dtype != dtype or tuple(tensor.shape) != shape:
            raise AssertionError(
                f"{what} {name}: {tensor.dtype}{list(tensor.shape)}, "
                f"the model declares {type_text} = {dtype}{list(shape)}"
            )
        finite_only = what != "output" or name not in NONFINITE_OUTPUTS
        if tensor.is_floating_point() and finite_only and not torch.isfinite(tensor).all():
            raise AssertionError(f"{what} {name}: not finite")


def check_case(model_path, fn, defines, B, T, weights, inputs, outputs):
    text = strip_comments(open(os.path.join(REPO_ROOT, model_path)).read())
    env = dict(model_lets(text, defines), B=B, T=T)
    args, results = fn_signature(text, fn)
    check_tensors("input", inputs, args, env)
    check_tensors("output", outputs, results, env)
    for name, type_text in re.findall(r"^\s*param\s+([\w.]+)\s*:\s*(.+?)\s*$", text, re.M):
        name = name.removeprefix("self.")  # PyTorch's self.v is the weight v
        check_tensors("weight", {name: weights[name]}, [(name, type_text)], env)
    return env


# ---- the driver


def generate(prefix, model_path, fn, defines, build, B, T):
    """Builds one case; returns (name, {file name: bytes})."""
    name = f"{prefix}_b{B}t{T}"
    text = strip_comments(open(os.path.join(REPO_ROOT, model_path)).read())
    lets = model_lets(text, defines)
    torch.manual_seed(zlib.crc32(name.encode()))
    with torch.no_grad():
        weights, inputs, outputs = build(B, T, lets)
    check_case(model_path, fn, defines, B, T, weights or {}, inputs, outputs)
    files = {"inputs.safetensors": inputs, "outputs.safetensors": outputs}
    if weights:
        files["weights.safetensors"] = weights
    blobs = {}
    for file_name, tensors in sorted(files.items()):
        blob = safetensors_io.encode(tensors)
        safetensors_io.check_round_trip(blob, tensors)
        blobs[file_name] = blob
    return name, blobs


def manifest_text(entries):
    return json.dumps(entries, indent=2) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="regenerate in memory and compare with the files on disk")
    args = parser.parse_args()
    torch.set_num_threads(1)  # one summation order, whatever the machine

    entries, generated = [], {}
    for prefix, model_path, fn, defines, build, shapes in CASES:
        for B, T in shapes:
            name, blobs = generate(prefix, model_path, fn, defines, build, B, T)
            generated[name] = blobs
            entries.append({
                "name": name,
                "model": model_path,
                "defines": defines,
                "fn": fn,
                "dir": f"tests/golden/data/{name}",
            })

    if args.check:
        stale = [] if open(MANIFEST).read() == manifest_text(entries) else ["manifest.json"]
        for name, blobs in generated.items():
            for file_name, blob in blobs.items():
                path = os.path.join(DATA_DIR, name, file_name)
                if not os.path.exists(path) or open(path, "rb").read() != blob:
                    stale.append(f"{name}/{file_name}")
        on_disk = set(os.listdir(DATA_DIR)) if os.path.isdir(DATA_DIR) else set()
        stale += sorted(f"{d} (not a case)" for d in on_disk - set(generated))
        print(f"{len(generated)} cases; " + ("up to date" if not stale else "differ: " + ", ".join(stale)))
        return 1 if stale else 0

    if os.path.isdir(DATA_DIR):
        shutil.rmtree(DATA_DIR)
    total = 0
    for name, blobs in generated.items():
        os.makedirs(os.path.join(DATA_DIR, name))
        for file_name, blob in blobs.items():
            path = os.path.join(DATA_DIR, name, file_name)
            with open(path, "wb") as f:
                f.write(blob)
            with open(path, "rb") as f:
                assert f.read() == blob
            safetensors_io.decode(blob)
            total += len(blob)
    with open(MANIFEST, "w") as f:
        f.write(manifest_text(entries))
    print(f"wrote {len(generated)} cases ({total} bytes of safetensors) with torch {torch.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
