"""The hostile-input corpus: malformed, extreme and adversarial model files,
weights, inputs and command lines, each with the exit code it must give.
Their exact stderr is in expected.json (run.py --update writes it). The
classes follow issue [hardening]: impossible sizes, memory, huge weights,
threads, unbounded reads, special files, outputs, overflowing dims, messages;
then malformed safetensors, model text and command lines.
"""
import json
import struct


class Fifo:
    """A named pipe with no writer."""


class Directory:
    pass


class Symlink:
    def __init__(self, target):
        self.target = target


class Case:
    def __init__(self, name, args, rc, files=None, stdin=None, creates=(), modifies=(), fsize=None, stdout=None,
                 address_limit=True):
        self.name, self.args, self.rc = name, args, rc
        self.address_limit = address_limit
        self.files = files or {}
        self.stdin, self.creates, self.modifies = stdin, list(creates), set(modifies)
        self.fsize, self.stdout = fsize, stdout


# --- files -------------------------------------------------------------------

def header(entries, metadata=None):
    """A safetensors file with this JSON header (entries as given) and data."""
    h = dict(entries)
    if metadata is not None:
        h["__metadata__"] = metadata
    return json.dumps(h).encode()


def raw(header_bytes, data=b"", length=None):
    n = len(header_bytes) if length is None else length
    return struct.pack("<Q", n) + header_bytes + data


_FORMATS = {"F32": "f", "I64": "q", "I32": "i", "BOOL": "B"}


def st(tensors):
    """A valid safetensors file: {name: (dtype, shape, values)}."""
    entries, data = {}, b""
    for name, (dtype, shape, values) in tensors.items():
        blob = struct.pack("<%d%s" % (len(values), _FORMATS[dtype]), *values)
        entries[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    return raw(header(entries), data)


def f32(shape, start=0.0):
    n = 1
    for d in shape:
        n *= d
    return ("F32", shape, [((i * 7919) % 13) / 13.0 - 0.5 + start for i in range(n)])


def empty(dtype, shape):
    """A tensor with no data: any dims, as long as one is 0."""
    return {"dtype": dtype, "shape": shape, "data_offsets": [0, 0]}


# A small attention model with weights, and inputs for it.
TINY = b"""model tiny
let vocab = 10
let embed = 4
dim B, T
layer emb = Embedding(vocab, embed)
layer att = Linear(embed, embed)
layer score = Linear(embed, 1, bias=false)
fn forward(tokens: i64[B, T]) -> (context: f32[B, embed], alpha: f32[B, T]) {
  x = emb(tokens)
  a = softmax(score(tanh(att(x))), axis=1)
  return sum(a * x, axis=1), squeeze(a, 2)
}
"""
TINY_WEIGHTS = st({"emb.weight": f32([10, 4]), "att.weight": f32([4, 4]), "att.bias": f32([4]),
                   "score.weight": f32([1, 4])})


def tokens(shape, values=None):
    n = 1
    for d in shape:
        n *= d
    return st({"tokens": ("I64", shape, values if values is not None else [i % 10 for i in range(n)])})


TINY_INPUTS = tokens([2, 3])

# Pure functions: no weights.
SCORES = b"""model scores
dim Tq, Tk, D
fn f(q: f32[Tq, D], k: f32[Tk, D]) -> (s: f32[Tq, Tk]) {
  return softmax(q @ transpose(k, 0, 1), axis=1)
}
"""
ZERO_QK = raw(header({"q": empty("F32", [2 ** 32, 0]), "k": empty("F32", [2 ** 32, 0])}))
MID_QK = raw(header({"q": empty("F32", [2 ** 20, 0]), "k": empty("F32", [2 ** 20, 0])}))

ELEMENTWISE = b"""model ew
dim N
fn f(x: f32[N]) -> (y: f32[N]) {
  return exp(tanh(x))
}
"""

# A function for models that declare only layers (a model needs one).
IDENTITY = b"dim N\nfn f(x: f32[N]) -> (y: f32[N]) {\n  return x\n}\n"

OK_MODEL = b"""model ok
let h = 3
dim B
fn f(x: f32[B]) -> (y: f32[B]) {
  return tanh(x)
}
"""

BACKENDS = ["interp", "llvm", "dnnl"]


def run(model="tiny.attn", weights="w.safetensors", inputs="in.safetensors", extra=()):
    args = ["run", model]
    if weights:
        args += ["--weights", weights]
    return args + ["--inputs", inputs] + list(extra)


def tiny_files(inputs=TINY_INPUTS, weights=TINY_WEIGHTS):
    return {"tiny.attn": TINY, "w.safetensors": weights, "in.safetensors": inputs}


CASES = []


def case(*args, **kwargs):
    CASES.append(Case(*args, **kwargs))


# --- 0. the valid baseline (the corpus's files are right where not broken) ---
for b in BACKENDS:
    case("baseline_run_" + b, run(extra=["--backend", b]), 0, tiny_files())
case("baseline_check", ["check", "tiny.attn", "--weights", "w.safetensors"], 0, tiny_files())

# --- 1. impossible sizes from zero-byte tensors ------------------------------
for b in BACKENDS:
    case("zero_bytes_huge_result_" + b, run("scores.attn", None, "qk.safetensors", ["--backend", b]), 1,
         {"scores.attn": SCORES, "qk.safetensors": ZERO_QK})
    case("zero_bytes_over_limit_" + b,
         run("scores.attn", None, "qk.safetensors", ["--backend", b, "--max-memory", "1G"]), 1,
         {"scores.attn": SCORES, "qk.safetensors": MID_QK})
    case("zero_bytes_tokens_" + b, run(inputs="t.safetensors", extra=["--backend", b, "--max-memory", "1G"]), 0,
         {"tiny.attn": TINY, "w.safetensors": TINY_WEIGHTS,
          "t.safetensors": raw(header({"tokens": empty("I64", [0, 2 ** 40])}))})
    case("zero_bytes_int64_max_dim_" + b,
         run("scores.attn", None, "qk.safetensors", ["--backend", b]), 1,
         {"scores.attn": SCORES,
          "qk.safetensors": raw(header({"q": empty("F32", [2 ** 63 - 1, 0]), "k": empty("F32", [1, 0])}))})

# Empty tensors with one huge dim: nothing to compute, so nothing may loop
# over the huge dim either (a hang otherwise).
EMPTY_AXES = b"""model empty
dim N, M
fn f(x: f32[N, M]) -> (s: f32[M], p: f32[N, M], m: f32[M], l: f32[N, M], c: f32[N, 2*M]) {
  return sum(x, axis=0), softmax(x, axis=0), mean(x, axis=0), log_softmax(x, axis=0), concat([x, x], axis=1)
}
"""
EMPTY_BATCH = b"""model emptybatch
dim B, T
layer lstm = LSTM(4, 3, batch_first=true, bidirectional=true)
layer att = Linear(6, 6)
layer score = Linear(6, 1, bias=false)
layer norm = LayerNorm(6)
layer conv = Conv1d(6, 2, 3, padding=1)
fn f(x: f32[B, T, 4]) -> (c: f32[B, 6], k: f32[B, 2, T], n: f32[B, T, 6]) {
  h, _, _ = lstm(x)
  a = softmax(score(tanh(att(h))), axis=1)
  return sum(a * h, axis=1), conv(transpose(h, 1, 2)), norm(h)
}
"""
EMPTY_BATCH_WEIGHTS = st({"lstm.weight_ih_l0": f32([12, 4]), "lstm.weight_hh_l0": f32([12, 3]),
                          "lstm.bias_ih_l0": f32([12]), "lstm.bias_hh_l0": f32([12]),
                          "lstm.weight_ih_l0_reverse": f32([12, 4]), "lstm.weight_hh_l0_reverse": f32([12, 3]),
                          "lstm.bias_ih_l0_reverse": f32([12]), "lstm.bias_hh_l0_reverse": f32([12]),
                          "att.weight": f32([6, 6]), "att.bias": f32([6]), "score.weight": f32([1, 6]),
                          "norm.weight": f32([6]), "norm.bias": f32([6]), "conv.weight": f32([2, 6, 3]),
                          "conv.bias": f32([2])})
for b in BACKENDS:
    case("empty_axis_2_40_" + b, run("e.attn", None, "x.st", ["--backend", b]), 0,
         {"e.attn": EMPTY_AXES, "x.st": raw(header({"x": empty("F32", [2 ** 40, 0])}))})
    case("empty_batch_long_sequence_" + b, run("e.attn", "w.st", "x.st", ["--backend", b]), 0,
         {"e.attn": EMPTY_BATCH, "w.st": EMPTY_BATCH_WEIGHTS, "x.st": raw(header({"x": empty("F32", [0, 2 ** 40, 4])}))})

# Slice bounds that overflow int64 while the result's size does not
# ([T*T, T*T + 3) has size 3): an error on both backends, not a read of a
# value that is not there.
SLICE_OVERFLOW = b"""model S
dim B, T
fn f(x: f32[B, T]) -> (y: f32[B, 3]) {
  return slice(x, axis=1, start=T*T, end=T*T + 3)
}
"""
for b in BACKENDS:
    case("zero_bytes_slice_bounds_overflow_" + b, run("s.attn", None, "x.st", ["--backend", b]), 1,
         {"s.attn": SLICE_OVERFLOW, "x.st": raw(header({"x": empty("F32", [0, 2 ** 32])}))})

# --- 2. the memory limit -----------------------------------------------------
for b in BACKENDS:
    case("memory_limit_run_" + b, run("ew.attn", None, "x.safetensors", ["--backend", b, "--max-memory", "1K"]), 1,
         {"ew.attn": ELEMENTWISE, "x.safetensors": st({"x": f32([1000])})})
    case("memory_limit_fits_" + b, run("ew.attn", None, "x.safetensors", ["--backend", b, "--max-memory", "64K"]), 0,
         {"ew.attn": ELEMENTWISE, "x.safetensors": st({"x": f32([1000])})})
for bad in ["0", "-1", "1X", "G", "99999999999999999999", "1.5G", "18446744073709551615T"]:
    case("memory_limit_bad_" + bad.replace("-", "minus").replace(".", "_"),
         run(extra=["--max-memory", bad]), 2, tiny_files())
case("memory_limit_init_weights", ["init-weights", "tiny.attn", "-o", "out.safetensors", "--max-memory", "100"], 1,
     {"tiny.attn": TINY})

# --- 3. init-weights on huge declared weights --------------------------------
LINEAR_H = (b"model m\nlet hidden = 4\ndim B\nlayer fc = Linear(hidden, hidden)\n"
            b"fn f(x: f32[B, hidden]) -> (y: f32[B, hidden]) {\n  return fc(x)\n}\n")
case("huge_define_hidden", ["init-weights", "m.attn", "-D", "hidden=1000000", "-o", "w.st", "--max-memory", "1G"],
     1, {"m.attn": LINEAR_H})
case("huge_let_vocab", ["init-weights", "m.attn", "-o", "w.st", "--max-memory", "1G"], 1,
     {"m.attn": b"model m\nlet vocab = 1000000000000\nlayer emb = Embedding(vocab, 8)\n" + IDENTITY})
case("huge_param_overflow", ["init-weights", "m.attn", "-o", "w.st"], 1,
     {"m.attn": b"model m\nparam p: f32[3074457345618258602 * 3]\n"})
case("huge_linear_2_32", ["init-weights", "m.attn", "-o", "w.st"], 1,
     {"m.attn": b"model m\nlayer fc = Linear(4294967296, 4294967296)\n"})
case("huge_param_2_62", ["init-weights", "m.attn", "-o", "w.st"], 1,
     {"m.attn": b"model m\nparam p: f32[4611686018427387904 * 4]\n"})
case("huge_weights_check_only", ["check", "m.attn", "-D", "hidden=100000"], 0, {"m.attn": LINEAR_H})

# --- 4. threads --------------------------------------------------------------
case("threads_100000", run(extra=["--threads", "100000"]), 2, tiny_files())
case("threads_1025", run(extra=["--threads", "1025"]), 2, tiny_files())
case("threads_negative", run(extra=["--threads", "-3"]), 2, tiny_files())
# Each pool thread reserves a stack (8 MiB of address space): not under the
# corpus's 4 GiB address-space limit.
case("threads_1024", run(extra=["--threads", "1024"]), 0, tiny_files(), address_limit=False)

# --- 5. unbounded reads ------------------------------------------------------
case("dev_zero_model", ["check", "/dev/zero"], 1)
case("dev_zero_weights", run(weights="/dev/zero"), 1, tiny_files())
case("dev_zero_inputs", run(inputs="/dev/zero"), 1, tiny_files())
case("dev_urandom_model", ["check", "/dev/urandom"], 1)
case("num_layers_1e9", ["check", "m.attn"], 1,
     {"m.attn": b"model m\nlayer lstm = LSTM(1, 1, num_layers=1000000000)\n"})
case("num_layers_1025", ["check", "m.attn"], 1, {"m.attn": b"model m\nlayer gru = GRU(1, 1, num_layers=1025)\n"})
case("stdin_model_binary", ["check", "-"], 1, stdin=bytes(range(256)) * 64)

# --- 6. long models stay fast (linear passes) --------------------------------
LONG = b"model long\ndim N\nfn f(x: f32[N]) -> (y: f32[N]) {\n" + b"  x = x * 1.0001\n" * 10000 + b"  return x\n}\n"
case("long_model_10000_statements", ["compile", "long.attn", "--emit=opt-ir", "-o", "out.ir"], 0,
     {"long.attn": LONG}, creates=["out.ir"])

# --- 7. special files are refused, never waited on ---------------------------
case("fifo_model", ["check", "p.attn"], 1, {"p.attn": Fifo()})
case("fifo_weights", run(weights="p.st"), 1, dict(tiny_files(), **{"p.st": Fifo()}))
case("fifo_inputs", run(inputs="p.st"), 1, dict(tiny_files(), **{"p.st": Fifo()}))
case("directory_model", ["check", "d.attn"], 1, {"d.attn": Directory()})
case("directory_weights", run(weights="d"), 1, dict(tiny_files(), d=Directory()))
case("missing_model", ["check", "nothing.attn"], 1)
case("missing_inputs", run(inputs="nothing.st"), 1, tiny_files())

# --- 8. outputs --------------------------------------------------------------
case("output_is_the_model", ["compile", "tiny.attn", "--emit=ir", "-o", "tiny.attn"], 2, tiny_files())
case("output_is_the_model_init_weights", ["init-weights", "tiny.attn", "-o", "tiny.attn"], 2, tiny_files())
case("init_weights_replaces_a_weights_file", ["init-weights", "tiny.attn", "-o", "w.safetensors"], 0, tiny_files(),
     modifies=["w.safetensors"])
case("output_is_the_inputs", run(extra=["-o", "in.safetensors"]), 2, tiny_files())
case("output_is_a_link_to_the_model", ["compile", "tiny.attn", "--emit=ir", "-o", "link"], 2,
     dict(tiny_files(), link=Symlink("tiny.attn")))
case("output_through_a_symlink", ["compile", "tiny.attn", "--emit=ir", "-o", "link"], 0,
     dict(tiny_files(), link=Symlink("target.ir"), **{"target.ir": b"old\n"}), modifies=["target.ir"])
case("output_dev_null", ["compile", "tiny.attn", "--emit=ir", "-o", "/dev/null"], 0, tiny_files())
case("output_name_255_bytes", ["compile", "tiny.attn", "--emit=ir", "-o", "o" * 251 + ".txt"], 0, tiny_files(),
     creates=["o" * 251 + ".txt"])
case("output_name_256_bytes", ["compile", "tiny.attn", "--emit=ir", "-o", "o" * 252 + ".txt"], 1, tiny_files())
case("output_in_missing_directory", ["compile", "tiny.attn", "--emit=ir", "-o", "no/such/dir/out.ir"], 1,
     tiny_files())
case("output_is_a_directory", ["compile", "tiny.attn", "--emit=ir", "-o", "d"], 1, dict(tiny_files(), d=Directory()))
case("init_weights_to_stdout", ["init-weights", "tiny.attn", "-o", "-"], 0, tiny_files())
case("output_file_too_large", ["compile", "tiny.attn", "--emit=ir", "-o", "out.ir"], 1, tiny_files(), fsize=64)
case("stdout_file_too_large_obj", ["init-weights", "tiny.attn", "-o", "out.st"], 1, tiny_files(), fsize=64)

# --- 9. dims that overflow are errors, never exit 0 --------------------------
case("dim_param_overflow_listed", ["check", "m.attn", "--list-weights"], 1,
     {"m.attn": b"model m\nparam p: f32[4611686018427387904 * 4]\n"})
case("dim_lstm_hidden_overflow", ["check", "m.attn", "--list-weights"], 1,
     {"m.attn": b"model m\nlayer l = LSTM(4, 2305843009213693952)\n"})
case("dim_define_int64_max", ["check", "m.attn", "-D", "vocab=9223372036854775807"], 1,
     {"m.attn": b"model m\nlet vocab = 10\nlayer emb = Embedding(vocab, 4)\n"})
case("dim_define_too_large", ["check", "m.attn", "-D", "vocab=99999999999999999999"], 1,
     {"m.attn": b"model m\nlet vocab = 10\nlayer emb = Embedding(vocab, 4)\n"})
case("dim_symbolic_product_overflow", ["check", "m.attn"], 1,
     {"m.attn": b"model m\ndim T\nfn f(x: f32[T]) -> (y: f32[T * 4611686018427387904 * 4]) {\n  return x\n}\n"})
case("dim_let_product_overflow", ["check", "m.attn"], 1,
     {"m.attn": b"model m\nlet a = 4294967296 * 4294967296\n"})
case("dim_negative_linear", ["check", "m.attn"], 1, {"m.attn": b"model m\nlayer fc = Linear(-4, 2)\n"})
case("dim_zero_embedding", ["check", "m.attn"], 1, {"m.attn": b"model m\nlayer e = Embedding(0, 2)\n"})

# --- 10. messages ------------------------------------------------------------
case("message_escape_sequence", ["check", "m.attn"], 1,
     {"m.attn": b"model m\ndim B\nfn f(x: f32[B]) -> (y: f32[B]) {\n  return tanh(x) \x1b[31mred\x07\n}\n"})
case("message_nul_byte", ["check", "m.attn"], 1, {"m.attn": b"model m\x00\n"})
case("message_invalid_utf8", ["check", "m.attn"], 1, {"m.attn": b"model m\ndim \xff\xfe\n"})
case("message_utf8_line_caret", ["check", "m.attn"], 1,
     {"m.attn": "model m\n# café\nlet x = \"é\" $\n".encode()})
case("message_one_megabyte_line", ["check", "m.attn"], 1,
     {"m.attn": b"model m\nlet x = 1" + b" + 1" * 250000 + b" $ + 1\n"})
case("message_define_not_a_number", ["check", "ok.attn", "-D", "h=abc"], 1, {"ok.attn": OK_MODEL})
case("message_define_unknown", ["check", "ok.attn", "-D", "hh=3"], 1, {"ok.attn": OK_MODEL})
case("message_define_escape", ["check", "ok.attn", "-D", "h=\x1b[2J"], 1, {"ok.attn": OK_MODEL})
case("message_define_no_value", ["check", "ok.attn", "-D", "h"], 2, {"ok.attn": OK_MODEL})
case("cr_only_line_ends", ["check", "m.attn"], 0, {"m.attn": OK_MODEL.replace(b"\n", b"\r")})
case("crlf_line_ends_error", ["check", "m.attn"], 1, {"m.attn": OK_MODEL.replace(b"tanh", b"tanhh").replace(b"\n", b"\r\n")})
case("message_weights_name_escape", run(weights="w2.st"), 1,
     dict(tiny_files(), **{"w2.st": st({"emb.weight\x1b[31m": f32([10, 4])})}))

# --- 11. malformed safetensors (weights) -------------------------------------
W = {"tiny.attn": TINY, "in.safetensors": TINY_INPUTS}
bad_weights = {
    "empty_file": b"",
    "seven_bytes": b"\x01\x02\x03\x04\x05\x06\x07",
    "header_length_huge": struct.pack("<Q", 2 ** 63) + b"{}",
    "header_length_past_end": raw(b"{}", length=1000),
    "header_not_json": raw(b"{not json"),
    "header_not_object": raw(b"[1, 2, 3]"),
    "header_not_utf8": raw(b'{"\xff": 1}'),
    "header_deep_nesting": raw(b"[" * 100000 + b"]" * 100000),
    "dtype_unknown": raw(header({"emb.weight": {"dtype": "F8", "shape": [10, 4], "data_offsets": [0, 40]}}), b"\0" * 40),
    "dtype_f16": raw(header({"emb.weight": {"dtype": "F16", "shape": [10, 4], "data_offsets": [0, 80]}}), b"\0" * 80),
    "shape_negative": raw(header({"emb.weight": {"dtype": "F32", "shape": [-10, 4], "data_offsets": [0, 0]}})),
    "shape_not_integers": raw(header({"emb.weight": {"dtype": "F32", "shape": ["10", 4], "data_offsets": [0, 160]}}), b"\0" * 160),
    "shape_float": raw(header({"emb.weight": {"dtype": "F32", "shape": [10.5, 4], "data_offsets": [0, 160]}}), b"\0" * 160),
    "shape_product_overflow": raw(header({"emb.weight": {"dtype": "F32", "shape": [2 ** 32, 2 ** 32], "data_offsets": [0, 0]}})),
    "offsets_reversed": raw(header({"emb.weight": {"dtype": "F32", "shape": [10, 4], "data_offsets": [160, 0]}}), b"\0" * 160),
    "offsets_past_end": raw(header({"emb.weight": {"dtype": "F32", "shape": [10, 4], "data_offsets": [0, 160]}}), b"\0" * 100),
    "offsets_size_mismatch": raw(header({"emb.weight": {"dtype": "F32", "shape": [10, 4], "data_offsets": [0, 156]}}), b"\0" * 160),
    "offsets_overlap": raw(header({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                   "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}), b"\0" * 12),
    "offsets_huge": raw(header({"emb.weight": {"dtype": "F32", "shape": [10, 4], "data_offsets": [2 ** 64 - 8, 2 ** 64 + 152]}})),
    "offsets_missing": raw(header({"emb.weight": {"dtype": "F32", "shape": [10, 4]}}), b"\0" * 160),
    "duplicate_key": raw(b'{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, '
                         b'"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', b"\0" * 4),
    "metadata_not_strings": raw(header({}, metadata={"k": 1})),
    "missing_weight": st({"emb.weight": f32([10, 4])}),
    "wrong_shape": st({"emb.weight": f32([4, 10]), "att.weight": f32([4, 4]), "att.bias": f32([4]),
                       "score.weight": f32([1, 4])}),
    "wrong_dtype": st({"emb.weight": ("I32", [10, 4], [0] * 40), "att.weight": f32([4, 4]), "att.bias": f32([4]),
                       "score.weight": f32([1, 4])}),
    "a_model_file": TINY,
}
for name, content in bad_weights.items():
    case("weights_" + name, run(), 1, dict(W, **{"w.safetensors": content}))

# A state_dict with more than the model uses: refused, unless
# --allow-unexpected-weights (PyTorch's strict=False), which names them.
EXTRA_WEIGHTS = st({"emb.weight": f32([10, 4]), "head.bias": f32([3]), "att.weight": f32([4, 4]),
                    "att.bias": f32([4]), "score.weight": f32([1, 4]), "head.weight": f32([3, 4])})
case("weights_unexpected", run(), 1, dict(W, **{"w.safetensors": EXTRA_WEIGHTS}))
for b in BACKENDS:
    case("weights_unexpected_allowed_" + b, run(extra=["--backend", b, "--allow-unexpected-weights"]), 0,
         dict(W, **{"w.safetensors": EXTRA_WEIGHTS}))
case("weights_unexpected_allowed_check", ["check", "tiny.attn", "--weights", "w.safetensors",
                                          "--allow-unexpected-weights"], 0,
     dict(W, **{"w.safetensors": EXTRA_WEIGHTS}))

# --- 12. malformed inputs ----------------------------------------------------
bad_inputs = {
    "empty_file": b"",
    "no_tokens": st({"other": ("I64", [2, 3], [0] * 6)}),
    "extra_tensor": st({"tokens": ("I64", [2, 3], [0] * 6), "more": ("I64", [1], [0])}),
    "wrong_dtype_f32": st({"tokens": f32([2, 3])}),
    "wrong_dtype_bool": st({"tokens": ("BOOL", [2, 3], [0] * 6)}),
    "wrong_rank": tokens([6]),
    "rank_3": tokens([1, 2, 3]),
    "zero_batch": tokens([0, 3], []),
    "zero_steps": tokens([2, 0], []),
    "token_too_large": tokens([1, 3], [0, 10, 1]),
    "token_negative": tokens([1, 3], [0, -1, 1]),
    "token_int64_min": tokens([1, 1], [-2 ** 63]),
    "i32_tokens": st({"tokens": ("I32", [2, 3], [1, 2, 3, 4, 5, 6])}),
    "header_garbage": raw(b"\x00" * 16),
}
for name, content in bad_inputs.items():
    for b in BACKENDS:
        ok = name in ("zero_batch", "zero_steps")
        case("inputs_%s_%s" % (name, b), run(extra=["--backend", b]), 0 if ok else 1, tiny_files(inputs=content))

# --- 13. malformed model text ------------------------------------------------
bad_models = {
    "empty": b"",
    "only_whitespace": b" \n\t\n",
    "only_model": b"model",
    "binary": bytes(range(256)),
    "unterminated_string": b'model m\nlet s = "abc\n',
    "deep_parentheses": b"model m\nlet x = " + b"(" * 100000 + b"1" + b")" * 100000 + b"\n",
    "deep_unary": b"model m\nlet x = " + b"-" * 100000 + b"1\n",
    "long_identifier": b"model m\nlet " + b"a" * 100000 + b" = 1\nlet y = " + b"a" * 99999 + b"b\n",
    "huge_integer_literal": b"model m\nlet x = " + b"9" * 1000 + b"\n",
    "huge_float_literal": b"model m\nlet x = 1e999999\n",
    "shape_rank_1000_ok": b"model m\nparam p: f32[" + b", ".join([b"1"] * 1000) + b"]\n" + IDENTITY,
    "many_arguments_ok": b"model m\ndim B\nfn f(" + b", ".join(b"x%d: f32[B]" % i for i in range(5000)) + b") -> (y: f32[B]) {\n  return x0\n}\n",
    "duplicate_function": b"model m\ndim B\nfn f(x: f32[B]) -> (y: f32[B]) {\n  return x\n}\nfn f(x: f32[B]) -> (y: f32[B]) {\n  return x\n}\n",
    "self_reference_let": b"model m\nlet a = a + 1\n",
    "layer_calls_itself": b"model m\nlayer fc = fc(3)\n",
    "call_undefined_layer": b"model m\ndim B\nfn f(x: f32[B, 4]) -> (y: f32[B, 4]) {\n  return nothing(x)\n}\n",
    "divide_by_zero_let": b"model m\nlet a = 1 / 0\n",
    "modulo_dims": b"model m\ndim T\nfn f(x: f32[T % 0]) -> (y: f32[T]) {\n  return x\n}\n",
    "floordiv_zero_dim": b"model m\ndim T\nfn f(x: f32[T]) -> (y: f32[floordiv(T, 0)]) {\n  return x\n}\n",
    "nul_in_identifier": b"model m\nlet a\x00b = 1\n",
    "many_errors_stop_at_first": b"model m\n" + b"let $ = 1\n" * 1000,
    "ir_file_garbage": b"\x00\x01\x02 not ir",
}
for name, content in bad_models.items():
    fname = "m.ir" if name.startswith("ir_") else "m.attn"
    case("model_" + name, ["check", fname], 0 if name.endswith("_ok") else 1, {fname: content})

# --- 14. command lines -------------------------------------------------------
case("cli_no_subcommand", [], 2)
case("cli_unknown_subcommand", ["frobnicate", "tiny.attn"], 2, tiny_files())
case("cli_run_without_inputs", ["run", "tiny.attn", "--weights", "w.safetensors"], 2, tiny_files())
case("cli_unknown_backend", run(extra=["--backend", "gpu"]), 2, tiny_files())
case("cli_unknown_function", run(extra=["--fn", "backward"]), 1, tiny_files())
case("cli_bad_emit", ["compile", "tiny.attn", "--emit=exe"], 2, tiny_files())
case("cli_bad_mcpu", run(extra=["--mcpu", "pentium9000"]), 2, tiny_files())
case("cli_mattr_without_mcpu", run(extra=["--mattr", "+avx2"]), 2, tiny_files())
case("cli_unknown_pass", ["compile", "tiny.attn", "--emit=opt-ir", "--passes", "nothing"], 2, tiny_files())
case("cli_weights_for_a_model_without", ["run", "ew.attn", "--inputs", "x.st", "--weights", "w.safetensors"], 1,
     {"ew.attn": ELEMENTWISE, "x.st": st({"x": f32([3])}), "w.safetensors": TINY_WEIGHTS})
case("cli_model_with_weights_but_none_given", ["run", "tiny.attn", "--inputs", "in.safetensors"], 1, tiny_files())
case("cli_bench_zero_min_time", ["bench", "ew.attn", "--shape", "N=4", "--min-time", "0"], 2, {"ew.attn": ELEMENTWISE})
case("cli_bench_bad_shape", ["bench", "ew.attn", "--shape", "N=-4"], 2, {"ew.attn": ELEMENTWISE})
case("cli_bench_huge_shape", ["bench", "ew.attn", "--shape", "N=4000000000000", "--max-memory", "1G",
                              "--min-time", "0.01"], 1, {"ew.attn": ELEMENTWISE})
IR_OK = b"model m\n\nfn f(%x: f32[B]) -> (y: f32[B]) {\n  %0 = tanh(%x) : f32[B]\n  return %0\n}\n"
case("ir_ok", ["run", "m.ir", "--inputs", "x.st"], 0, {"m.ir": IR_OK, "x.st": st({"x": f32([3])})})
case("ir_dim_literal_too_large", ["check", "m.ir"], 1,
     {"m.ir": IR_OK.replace(b"%x: f32[B]", b"%x: f32[B * 99999999999999999999]")})
case("ir_dim_product_overflow", ["check", "m.ir"], 1,
     {"m.ir": IR_OK.replace(b"%x: f32[B]", b"%x: f32[B * 4611686018427387904 * 4]")})
case("ir_undefined_value", ["check", "m.ir"], 1, {"m.ir": IR_OK.replace(b"tanh(%x)", b"tanh(%nothing)")})
case("ir_wrong_stated_type", ["check", "m.ir"], 1, {"m.ir": IR_OK.replace(b": f32[B]\n  return", b": i64[B]\n  return")})
case("cli_ir_with_define", ["check", "m.ir", "-D", "a=1"], 1, {"m.ir": b"module m\n"})
