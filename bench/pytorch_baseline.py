#!/usr/bin/python3
"""PyTorch baseline for `attnc bench`: times the PyTorch equivalent of one fn of
a bundled example model, or of a bare attention block, and writes the records
in the JSON format that `attnc bench --json` writes (bench/README.md), so that
bench/compare.py can put the two side by side.

    /usr/bin/python3 bench/pytorch_baseline.py --model sentiment --shape B=32,T=128 \
        --define hidden=128 --threads 1,2 --repetitions 30 --json pytorch.json

The example models are tests/golden/model_cases.py's modules (the same
state_dict names as the .attn files); their `let`s are read from the .attn
file and overridden with --define. The bare blocks, for h: [B, T, D]:
    additive: s = Linear(A, 1, bias=False)(tanh(Linear(D, A)(h)))   [B, T]
    dot:      s = bmm(h, q[:, :, None])  with q: [B, D]               [B, T]
    both:     alpha = softmax(s over T),  context = sum_t alpha_t h_t (a bmm)  [B, D]
Every timed call runs under torch.no_grad(), after a warm-up, with
torch.set_num_threads(n) for each thread count.
"""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import argparse
import ctypes
import json
import os
import tempfile
import time
import warnings

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, "tests", "golden"))

import torch
from torch import nn

import make_goldens  # for the .attn `let` reader
import model_cases
import torch_ref

CPU_FEATURES = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl"]
MODES = {"eager": "pytorch-eager", "torchscript": "pytorch-torchscript"}
BARE_DIMS = {"additive": {"D": 128, "A": 64}, "dot": {"D": 128}}


# ---- the bare blocks

class AdditiveBlock(nn.Module):
    def __init__(self, D, A):
        super().__init__()
        self.proj = nn.Linear(D, A)
        self.score = nn.Linear(A, 1, bias=False)

    def forward(self, h):
        s = self.score(torch.tanh(self.proj(h))).squeeze(2)         # [B, T]
        alpha = torch.softmax(s, dim=1)
        context = torch.bmm(alpha.unsqueeze(1), h).squeeze(1)      # [B, D]
        return {"context": context, "alpha": alpha}


class DotBlock(nn.Module):
    def forward(self, h, q):
        s = torch.bmm(h, q.unsqueeze(2)).squeeze(2)                 # [B, T]
        alpha = torch.softmax(s, dim=1)
        context = torch.bmm(alpha.unsqueeze(1), h).squeeze(1)      # [B, D]
        return {"context": context, "alpha": alpha}


# ---- the models: (module, fn name, inputs in argument order)

def example_inputs(model_name, fn, module, B, T, lets):
    """Deterministic inputs: token ids in [0, vocab), lengths in [1, T] with one
    full row. The recurrent layers pack with enforce_sorted=False
    (torch_ref.run_recurrent), so lengths need not be sorted."""
    if model_name == "sentiment":
        return {"tokens": torch_ref.tokens(lets["vocab"], B, T)}
    if model_name == "bilstm_dot":
        return {"tokens": torch_ref.tokens(lets["vocab"], B, T),
                "lengths": torch_ref.lengths(B, T)}
    if model_name == "additive_block":
        return {"h": torch_ref.randn(B, T, lets["hidden"]),
                "mask": torch_ref.sequence_mask(torch_ref.lengths(B, T), T)}
    if fn == "encode":
        return {"src": torch_ref.tokens(lets["src_vocab"], B, T)}
    with torch.no_grad():  # decode_step: one step over the encoding of a random source
        encoded = module.encode(torch_ref.tokens(lets["src_vocab"], B, T))
    return {"token": torch_ref.tokens(lets["tgt_vocab"], B),
            "state": encoded["state"], "enc": encoded["enc"]}


EXAMPLES = {  # model name -> (.attn file, nn.Module class, its fns)
    "sentiment": ("sentiment.attn", model_cases.SentimentClassifier, ["forward"]),
    "bilstm_dot": ("bilstm_dot.attn", model_cases.BiLSTMDotAttention, ["forward"]),
    "seq2seq": ("seq2seq.attn", model_cases.Seq2SeqLuong, ["encode", "decode_step"]),
    "additive_block": ("additive_block.attn", model_cases.AdditiveAttentionBlock, ["forward"]),
}


class Entry(nn.Module):
    """One fn of a model as a module's forward, so that it can be traced."""

    def __init__(self, module, fn):
        super().__init__()
        self.module, self.fn = module, fn

    def forward(self, *args):
        return getattr(self.module, self.fn)(*args)


def build(model_name, fn, shape, lets, dims):
    """(Entry module, list of inputs in argument order), seeded so that the
    same arguments give the same weights and inputs."""
    torch.manual_seed(0)
    B, T = shape["B"], shape["T"]
    if model_name == "additive":
        module = AdditiveBlock(dims["D"], dims["A"]).eval()
        inputs = {"h": torch_ref.randn(B, T, dims["D"])}
    elif model_name == "dot":
        module = DotBlock().eval()
        inputs = {"h": torch_ref.randn(B, T, dims["D"]), "q": torch_ref.randn(B, dims["D"])}
    else:
        module = model_cases._model(EXAMPLES[model_name][1], lets)
        inputs = example_inputs(model_name, fn, module, B, T, lets)
    return Entry(module, fn).eval(), list(inputs.values())


def compile_mode(entry, inputs, mode):
    """What to time: the model's fn itself (no wrapper in the way), or `entry`
    traced and frozen (weights folded in as constants), checked against eager
    on the timing inputs."""
    if mode == "eager":
        return getattr(entry.module, entry.fn)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracing a packed LSTM warns about fixed lengths
        frozen = torch.jit.freeze(torch.jit.trace(entry, inputs, strict=False, check_trace=False))
        expected, got = entry(*inputs), frozen(*inputs)
    for name, tensor in expected.items():
        if not torch.allclose(got[name], tensor, rtol=1e-4, atol=1e-5):
            raise RuntimeError(f"the traced {entry.fn} differs from eager in '{name}'")
    return frozen


# ---- timing

def quantile(sorted_times, q):
    """`attnc bench`'s quantile, so that both tools report the same statistic:
    the sample at index round(q (n - 1)); the median of an even count is the
    upper of the two middle samples."""
    return sorted_times[int(q * (len(sorted_times) - 1) + 0.5)]


def time_calls(function, inputs, threads, warmup, repetitions):
    torch.set_num_threads(threads)
    times_ms = []
    with torch.no_grad():
        for _ in range(warmup):
            function(*inputs)
        for _ in range(repetitions):
            start = time.perf_counter()
            function(*inputs)
            times_ms.append((time.perf_counter() - start) * 1e3)
    times_ms.sort()
    median, p90 = quantile(times_ms, 0.5), quantile(times_ms, 0.9)
    return {"median_ms": median, "min_ms": times_ms[0], "p90_ms": p90,
            "spread": (p90 - times_ms[0]) / median}


# ---- the machine

def mapped_libraries():
    libraries = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) >= 6 and fields[5].startswith("/"):
                libraries.add(fields[5])
    return libraries


def detect_blas():
    """(kind, library path) of the BLAS torch calls, from the libraries mapped
    after a matmul: Debian's torch links libblas.so.3, which the alternatives
    system (or LD_LIBRARY_PATH) resolves to OpenBLAS or the reference BLAS."""
    a = torch.ones(8, 8)
    torch.mm(a, a)
    libraries = sorted(mapped_libraries())
    for kind, marker in [("openblas", "libopenblas"), ("mkl", "libmkl")]:
        for path in libraries:
            if marker in os.path.basename(path):
                return kind, path
    for path in libraries:
        name = os.path.basename(path)
        if name.startswith("libblas.so") or name.startswith("libcblas.so"):
            real = os.path.realpath(path)
            return ("reference" if "/blas/" in real else "unknown"), real
    if "mkl" in torch.__config__.show().lower():
        return "mkl", ""
    return "unknown", ""


def openblas_core(path):
    try:
        library = ctypes.CDLL(path)
        library.openblas_get_corename.restype = ctypes.c_char_p
        return library.openblas_get_corename().decode()
    except (OSError, AttributeError):
        return "?"


def machine_info(blas):
    cpu, flags = "unknown", set()
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            key, _, value = line.partition(":")
            if key.strip() == "model name" and cpu == "unknown":
                cpu = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    return {"cpu": cpu, "cores": os.cpu_count(),
            "features": [f for f in CPU_FEATURES if f in flags],
            "blas": blas, "torch": torch.__version__}


def report_blas(kind, path):
    core = openblas_core(path) if kind == "openblas" else ""
    print(f"blas: {kind} {path}" + (f" (core {core})" if core else ""))
    if kind == "reference":
        print("warning: torch uses the reference BLAS, which is many times slower than "
              "OpenBLAS; see bench/README.md", file=sys.stderr)
    if kind == "openblas":
        for name in ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS"]:
            if name in os.environ:
                print(f"note: {name}={os.environ[name]} is set and changes OpenBLAS's "
                      "choices; unset it to measure what OpenBLAS picks itself",
                      file=sys.stderr)


# ---- command line

def parse_assignments(text, what):
    """"B=32,T=128" -> {"B": 32, "T": 128}; values are ints, else floats."""
    result = {}
    for item in filter(None, text.split(",")):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise argparse.ArgumentTypeError(f"bad {what} '{item}': expected NAME=VALUE")
        try:
            result[name.strip()] = int(value)
        except ValueError:
            try:
                result[name.strip()] = float(value)
            except ValueError:
                raise argparse.ArgumentTypeError(f"bad {what} value '{item}'") from None
    return result


def parse_list(text, convert, choices=None):
    items = [convert(item) for item in text.split(",") if item]
    for item in items:
        if choices is not None and item not in choices:
            raise argparse.ArgumentTypeError(f"'{item}' is not one of {', '.join(choices)}")
    if not items:
        raise argparse.ArgumentTypeError("empty list")
    return items


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive integer")
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, choices=[*EXAMPLES, *BARE_DIMS])
    parser.add_argument("--fn", help="the fn to time (needed for seq2seq: encode or decode_step)")
    parser.add_argument("--shape", action="append", required=True,
                        type=lambda t: parse_assignments(t, "shape"),
                        help="B=..,T=.. (repeatable)")
    parser.add_argument("--define", "-D", action="append", default=[],
                        type=lambda t: parse_assignments(t, "define"),
                        help="name=value: override a `let` of the model (repeatable)")
    parser.add_argument("--dims", action="append", type=lambda t: parse_assignments(t, "dims"),
                        help="D=..,A=.. of a bare block (repeatable; default D=128,A=64)")
    parser.add_argument("--threads", default=[1], type=lambda t: parse_list(t, positive_int),
                        help="thread counts, e.g. 1,2")
    parser.add_argument("--repetitions", type=positive_int, default=30)
    parser.add_argument("--warmup", type=int, default=5, help="untimed calls before timing")
    parser.add_argument("--mode", default=["eager", "torchscript"],
                        type=lambda t: parse_list(t, str, list(MODES)),
                        help="eager and/or torchscript (trace + freeze)")
    parser.add_argument("--json", help="write the records here")
    args = parser.parse_args(argv)

    args.defines = {k: v for d in args.define for k, v in d.items()}
    for shape in args.shape:
        if sorted(shape) != ["B", "T"] or min(shape.values()) < 1 or \
                not all(isinstance(v, int) for v in shape.values()):
            parser.error(f"--shape needs positive integers B and T, got {shape}")
    if args.model in BARE_DIMS:
        if args.defines:
            parser.error("--define applies to the example models; use --dims for a bare block")
        if args.fn not in (None, "forward"):
            parser.error(f"{args.model} has one fn, forward")
        args.fn = "forward"
        args.dims = [dict(BARE_DIMS[args.model], **d) for d in (args.dims or [{}])]
        for dims in args.dims:
            if sorted(dims) != sorted(BARE_DIMS[args.model]):
                parser.error(f"--dims of {args.model} are {','.join(BARE_DIMS[args.model])}")
    else:
        if args.dims:
            parser.error("--dims applies to the bare blocks additive and dot")
        fns = EXAMPLES[args.model][2]
        if args.fn is None and len(fns) == 1:
            args.fn = fns[0]
        if args.fn not in fns:
            parser.error(f"--fn of {args.model} must be one of {', '.join(fns)}")
        args.dims = [{}]
    return args


def model_lets(model_name, defines):
    path = os.path.join(REPO_ROOT, "examples", EXAMPLES[model_name][0])
    with open(path) as f:
        text = make_goldens.strip_comments(f.read())
    return make_goldens.model_lets(text, defines)


def write_json(path, document):
    """Atomically, as attnc writes its outputs."""
    directory = os.path.dirname(os.path.abspath(path))
    with tempfile.NamedTemporaryFile("w", dir=directory, delete=False, suffix=".tmp") as f:
        json.dump(document, f, indent=2)
        f.write("\n")
    os.replace(f.name, path)


def main(argv):
    args = parse_args(argv)
    lets = {}
    if args.model in EXAMPLES:
        try:
            lets = model_lets(args.model, args.defines)
        except ValueError as error:
            print(f"pytorch_baseline: {error}", file=sys.stderr)
            return 2
    blas, blas_path = detect_blas()
    report_blas(blas, blas_path)

    records = []
    print(f"{args.model} {args.fn}" + "".join(f" -D {k}={v}" for k, v in args.defines.items()))
    print(f"{'backend':<20} {'thr':>3} {'shape':<24} {'median ms':>10} {'min ms':>10} "
          f"{'p90 ms':>10} {'spread':>7}")
    for shape in args.shape:
        for dims in args.dims:
            entry, inputs = build(args.model, args.fn, shape, lets, dims)
            for mode in args.mode:
                function = compile_mode(entry, inputs, mode)
                for threads in args.threads:
                    stats = time_calls(function, inputs, threads, args.warmup, args.repetitions)
                    record = {"model": args.model, "fn": args.fn, "backend": MODES[mode],
                              "variant": "", "threads": threads, "shape": dict(shape, **dims),
                              "defines": args.defines, "repetitions": args.repetitions,
                              **stats, "flops": None, "gflops": None}
                    records.append(record)
                    shape_text = ",".join(f"{k}={v}" for k, v in record["shape"].items())
                    print(f"{MODES[mode]:<20} {threads:>3} {shape_text:<24} "
                          f"{stats['median_ms']:>10.4f} {stats['min_ms']:>10.4f} "
                          f"{stats['p90_ms']:>10.4f} {stats['spread']:>7.3f}")
    if args.json:
        write_json(args.json, {"tool": "pytorch", "machine": machine_info(blas),
                               "records": records})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
