"""PyTorch equivalents of the single-op golden models in cases/*.attn.

Each builder is `build(B, T, defines) -> (weights, inputs, outputs)`: three
ordered {name: tensor} dicts (weights None for a model without weights), with
inputs named as the fn's arguments and outputs as its results. Builders run
under torch.no_grad() with torch's global generator seeded per case; a model
with layers is built first (torch's default initialisation), inputs after.
"""

import torch
from torch import nn

from torch_ref import (
    Layers,
    lengths,
    masked_softmax,
    positive,
    randn,
    random_bools,
    randomise_layer_norms,
    run_recurrent,
    sequence_mask,
    state_dict,
    tokens,
)


def elementwise(B, T, defines):
    x, y, p, v = randn(B, T), randn(B, T), positive(B, T), randn(T)
    c = random_bools(B, T)
    outputs = {
        "tanh_x": torch.tanh(x),
        "sigmoid_x": torch.sigmoid(x),
        "relu_x": torch.relu(x),
        "exp_x": torch.exp(x),
        "log_p": torch.log(p),
        "sqrt_p": torch.sqrt(p),
        "abs_x": torch.abs(x),
        "neg_x": torch.neg(x),
        "gelu_x": torch.nn.functional.gelu(x * 3.0),
        "max_xy": torch.maximum(x, y),
        "min_xv": torch.minimum(x, v),
        "where_xy": torch.where(c, x, y),
        "where_lit": torch.where(c, x, torch.tensor(0.0)),
    }
    return None, {"x": x, "y": y, "p": p, "v": v, "c": c}, outputs


def cast(B, T, defines):
    # Integers plus a fraction in +-[0.2, 0.8], so truncation is unambiguous,
    # and some exact zeros for the cast to bool.
    sign = torch.where(random_bools(B, T), 1.0, -1.0)
    x = torch.randint(-9, 10, (B, T)).float() + sign * (0.2 + 0.6 * torch.rand(B, T))
    x = torch.where(random_bools(B, T, p_true=0.2), torch.tensor(0.0), x)
    toks = tokens(50, B, T)
    c = random_bools(B, T)
    outputs = {
        "x_i64": x.to(torch.int64),
        "x_i32": x.to(torch.int32),
        "x_bool": x.to(torch.bool),
        "tokens_f32": toks.to(torch.float32),
        "tokens_i32": toks.to(torch.int32),
        "c_f32": c.to(torch.float32),
        "c_i64": c.to(torch.int64),
        "tokens_affine": toks * 3 - 2,
    }
    return None, {"x": x, "tokens": toks, "c": c}, outputs


def reductions(B, T, defines):
    x = randn(B, T, 4)
    outputs = {
        "sum_t": torch.sum(x, dim=1),
        "sum_last_keep": torch.sum(x, dim=-1, keepdim=True),
        "sum_b": torch.sum(x, 0),
        "sum_pos_keep": torch.sum(x, 2, True),
        "mean_last": torch.mean(x, dim=-1),
        "mean_t_keep": torch.mean(x, dim=-2, keepdim=True),
        "max_t": torch.amax(x, dim=1),
        "max_last_keep": torch.amax(x, dim=-1, keepdim=True),
        "max_b": torch.amax(x, -3),
        "argmax_t": torch.argmax(x, dim=1),
        "argmax_last": torch.argmax(x, -1),
    }
    return None, {"x": x}, outputs


def softmax(B, T, defines):
    s, x = randn(B, T), randn(B, T, 4)
    # Every row keeps at least one position, except row 1 (fully masked) when
    # B >= 3; row 2 is then fully kept.
    m = random_bools(B, T, p_true=0.6)
    m[torch.arange(B), torch.randint(0, T, (B,))] = True
    if B >= 3:
        m[1] = False
        m[2] = True
    outputs = {
        "sm_last": torch.softmax(s, dim=-1),
        "sm_t": torch.softmax(x, 1),
        "sm_scaled": torch.softmax(s * 50.0, dim=1),
        "sm_masked": masked_softmax(s, m, 1),
        "lsm_last": torch.log_softmax(x, dim=-1),
        "lsm_b": torch.log_softmax(s * 50.0, 0),
    }
    return None, {"s": s, "x": x, "m": m}, outputs


def shape(B, T, defines):
    x, y, z = randn(B, T, 6), randn(B, T, 2), randn(B, 1, T)
    outputs = {
        "tr_bt": torch.transpose(x, 0, 1),
        "tr_neg": torch.transpose(x, -1, 1),
        "perm": x.permute(2, 0, 1),
        "flat": x.reshape(B, -1),
        "split": x.reshape(B, T, 2, 3),
        "rows": x.reshape(-1, 3),
        "sq": z.squeeze(1),
        "sq_neg": z.squeeze(-2),
        "unsq_first": x.unsqueeze(0),
        "unsq_last": x.unsqueeze(-1),
        "cat_last": torch.cat([x, y], 2),
        "cat_b": torch.cat([x, x], 0),
        "cat3": torch.cat([x, y, x], -1),
        "sl_feat": x[:, :, 1:4],
        "sl_t": x[:, 0:1, :],
    }
    return None, {"x": x, "y": y, "z": z}, outputs


def sequence_mask_case(B, T, defines):
    lens = lengths(B, T, lowest=0)
    if B >= 3:
        lens[0] = 0  # an all-false row
        lens[B - 1] = T
    x = randn(B, T)
    m = sequence_mask(lens, T)
    outputs = {
        "mask": m,
        "mask_f32": m.to(torch.float32),
        "masked_x": torch.where(m, x, torch.tensor(0.0)),
    }
    return None, {"lengths": lens, "x": x}, outputs


def matmul(B, T, defines):
    a, b, m, n = randn(4), randn(4), randn(3, 4), randn(4, 5)
    x, y, p, q = randn(B, T, 4), randn(B, 4, T), randn(B, 1, T, 4), randn(2, 4, 5)
    outputs = {
        "vv": a @ b,
        "mv": m @ a,
        "vm": a @ n,
        "xn": x @ n,
        "xa": x @ a,
        "ay": a @ y,
        "xy": x @ y,
        "pq": p @ q,
        "prec": x * 2.0 @ n - 1,
    }
    inputs = {"a": a, "b": b, "m": m, "n": n, "x": x, "y": y, "p": p, "q": q}
    return None, inputs, outputs


def arithmetic(B, T, defines):
    x, v, w, s = randn(B, T, 4), randn(4), 0.5 + torch.rand(B, 1, 4), randn(T, 1)
    outputs = {
        "add_v": x + v,
        "mul_w": x * w,
        "sub_s": x - s,
        "div_w": x / w,
        "affine": 2.0 * x + 1,
        "rsub": 1 - x / 4,
        "neg_mul": -x * v,
        "paren": (x + 1) * (v - 0.5),
        "mixed": x - v * w + s / 2 - 3e-1,
        "outer": w + s,
    }
    return None, {"x": x, "v": v, "w": w, "s": s}, outputs


def linear(B, T, defines):
    model = Layers(("proj", nn.Linear(6, 4)), ("proj_nb", nn.Linear(6, 3, bias=False)))
    x, z = randn(B, T, 6), randn(B, 6)
    outputs = {"y": model.proj(x), "y_nb": model.proj_nb(x), "yz": model.proj(z)}
    return state_dict(model), {"x": x, "z": z}, outputs


def embedding(B, T, defines):
    vocab = defines["vocab"]
    model = Layers(
        ("emb", nn.Embedding(vocab, 8)),
        ("emb_pad", nn.Embedding(vocab, 5, padding_idx=0)),
    )
    toks, ids = tokens(vocab, B, T), tokens(vocab, B)
    toks[0, 0] = 0  # look up the padding row at least once
    outputs = {"e": model.emb(toks), "e_pad": model.emb_pad(toks), "e_ids": model.emb(ids)}
    return state_dict(model), {"tokens": toks, "ids": ids}, outputs


def layernorm(B, T, defines):
    features, eps = defines["features"], defines["eps"]
    model = Layers(
        ("ln", nn.LayerNorm(features)),
        ("ln_eps", nn.LayerNorm(features, eps=eps)),
        ("ln_plain", nn.LayerNorm(features, elementwise_affine=False)),
        ("ln_2d", nn.LayerNorm([4, features])),
    )
    randomise_layer_norms(model)
    x = 3 * randn(B, T, features) + 1
    xs = 0.03 * randn(B, T, features) + 0.5
    x4 = 2 * randn(B, T, 4, features) - 1
    outputs = {
        "y": model.ln(x),
        "y_eps": model.ln_eps(xs),
        "y_plain": model.ln_plain(x),
        "y_2d": model.ln_2d(x4),
    }
    return state_dict(model), {"x": x, "xs": xs, "x4": x4}, outputs


def conv1d(B, T, defines):
    channels = defines["channels"]
    model = Layers(
        ("conv", nn.Conv1d(channels, 6, 3, padding=1)),
        ("strided", nn.Conv1d(channels, 5, 3, stride=2, padding=2, dilation=2)),
        ("same", nn.Conv1d(channels, 3, 5, padding="same", bias=False)),
        ("point", nn.Conv1d(channels, 2, 1)),
    )
    x = randn(B, channels, T)
    outputs = {
        "y": model.conv(x),
        "y_strided": model.strided(x),
        "y_same": model.same(torch.relu(x)),
        "y_point": model.point(x),
    }
    return state_dict(model), {"x": x}, outputs


def dropout(B, T, defines):
    model = Layers(("dropout", nn.Dropout(0.5))).eval()
    x = randn(B, T)
    return None, {"x": x}, {"y": model.dropout(x), "y2": model.dropout(x * 2.0)}


# ---- recurrent layers: one .attn file per layer kind, one fn per configuration


def lstm_layers(defines):
    n_in, hidden = defines["n_in"], defines["hidden"]
    return Layers(
        ("lstm_tm", nn.LSTM(n_in, hidden, batch_first=False)),
        ("lstm_bi2", nn.LSTM(n_in, hidden, num_layers=2, bidirectional=True, batch_first=True)),
        ("lstm_packed", nn.LSTM(n_in, hidden, bidirectional=True, batch_first=True)),
        ("lstm_init", nn.LSTM(n_in, hidden, num_layers=2, bidirectional=True, batch_first=True)),
    ).eval()


def gru_layers(defines):
    n_in, hidden = defines["n_in"], defines["hidden"]
    return Layers(
        ("gru_bi2", nn.GRU(n_in, hidden, num_layers=2, bidirectional=True, batch_first=True)),
        ("gru_packed", nn.GRU(n_in, hidden, bidirectional=True, batch_first=True)),
        ("gru_init", nn.GRU(n_in, hidden, num_layers=2)),
    ).eval()


def rnn_layers(defines):
    n_in, hidden = defines["n_in"], defines["hidden"]
    return Layers(
        ("rnn_tanh", nn.RNN(n_in, hidden, batch_first=True)),
        (
            "rnn_relu",
            nn.RNN(n_in, hidden, num_layers=2, bidirectional=True, batch_first=True,
                   nonlinearity="relu"),
        ),
        ("rnn_nobias", nn.RNN(n_in, hidden, bias=False, nonlinearity="tanh")),
    ).eval()


def recurrent_case(make_layers, layer_name, time_major=False, with_lengths=False,
                   initial_state=False):
    """A builder for one fn of lstm.attn / gru.attn / rnn.attn: x is
    [T, B, n_in] when time_major, else [B, T, n_in]; optional `lengths`
    (packed-sequence semantics) and initial states h0 (and c0 for an LSTM)."""

    def build(B, T, defines):
        model = make_layers(defines)
        layer = getattr(model, layer_name)
        n_in, hidden = defines["n_in"], defines["hidden"]
        x = randn(T, B, n_in) if time_major else randn(B, T, n_in)
        inputs = {"x": x}
        hx = None
        if with_lengths:
            inputs["lengths"] = lengths(B, T)
        if initial_state:
            states = layer.num_layers * (2 if layer.bidirectional else 1)
            inputs["h0"] = randn(states, B, hidden)
            hx = inputs["h0"]
            if isinstance(layer, nn.LSTM):
                inputs["c0"] = randn(states, B, hidden)
                hx = (inputs["h0"], inputs["c0"])
        results = run_recurrent(layer, x, hx, inputs.get("lengths"))
        names = ["out", "h_n", "c_n"][: len(results)]
        return state_dict(model), inputs, dict(zip(names, results))

    return build


def indexing(B, T, defines):
    x, h = randn(B, T, 6), randn(4, B, 3)
    pair = (h[0], h[1])
    outputs = {
        "last": x[:, -1],
        "first": x[:, 0, :],
        "h_last": h[-1],
        "h_cat": torch.cat([h[-2], h[-1]], dim=1),
        "tail": x[:, 1:],
        "head": x[:, :-1],
        "feat": x[..., 2:5],
        "stepped": x[:, :, ::2],
        "stepped2": x[..., 1::3],
        "newaxis": x[:, None, -1],
        "ell_none": x[..., None],
        "feat_neg": x[:, :, -3:],
        "sym": x[:, T - 1],
        "h_mid": h[1:3, :, 0],
        "whole": x[:],
        "pair_first": pair[-2],
    }
    return None, {"x": x, "h": h}, {k: v.contiguous() for k, v in outputs.items()}


def masks(B, T, defines):
    toks = tokens(8, B, T)
    if B >= 3:
        toks[0] = 0  # a fully padded row
        toks[1, 0] = 0
    s, x, y = randn(B, T), randn(B, T), randn(B, T)
    y[:, 0] = x[:, 0]  # some ties for == and <=
    c = random_bools(B, T)
    pad = toks == 0
    outputs = {
        "pad": pad,
        "eq3": toks == 3,
        "lt": x < y,
        "le_lit": x <= 0.5,
        "gt_ids": toks > 5,
        "ge": x >= y,
        "ne_f": x != y,
        "eq_bool": c == pad,
        "lt_bool": c < pad,
        "both": (toks != 0) & c,
        "either": pad | c,
        "inverted": ~c,
        "bits_and": toks & 6,
        "bits_or": toks | 1,
        "bits_not": ~toks,
        "finite": torch.softmax(s.masked_fill(toks == 0, -1e9), dim=-1),
        "infinite": torch.softmax(s.masked_fill(~(toks != 0), float("-inf")), dim=1),
        "where_fill": torch.where(toks != 0, s, torch.tensor(float("-inf"))),
        "mask_nonzero": (toks != 0).float() * s,
        "not_pad_sum": (toks != 0).long().sum(dim=1),
    }
    return None, {"tokens": toks, "s": s, "x": x, "y": y, "c": c}, outputs


def pytorch_methods(B, T, defines):
    x, toks = randn(B, T, 6), tokens(50, B, T)
    ch0, ch1 = x.chunk(2, dim=-1)
    sp1, sp2, sp3 = torch.split(x, [1, 2, 3], dim=2)
    vals, idx = torch.max(x, dim=2)
    outputs = {
        "s1": x.sum(dim=1),
        "m": x.mean(-1, keepdim=True),
        "sm": x.softmax(dim=-1),
        "lsm": torch.nn.functional.log_softmax(x, dim=2),
        "th": torch.tanh(x),
        "tr": x.transpose(1, 2).contiguous(),
        "pm": x.permute(2, 0, 1),
        "vw": x.view(B, -1),
        "rs": x.reshape((-1, 3)),
        "cat": torch.cat((x, x), dim=-1),
        "st": torch.stack([x, x], dim=1),
        "ch0": ch0,
        "ch1": ch1,
        "sp2": sp2,
        "sp3": sp3,
        "vals": vals,
        "idx": idx,
        "am": x.max(-1)[1],
        "gram": torch.bmm(x, x.transpose(1, 2)),
        "rl": torch.nn.functional.relu(x),
        "fl": toks.float(),
        "mx": torch.maximum(x, x * 0.5),
        "sq": x.unsqueeze(1).squeeze(1),
        "ar": torch.add(torch.mul(x, 2), x),
    }
    return None, {"x": x, "tokens": toks}, {k: v.contiguous() for k, v in outputs.items()}


class PyTorchModule(nn.Module):
    """cases/pytorch_module.attn's module: a raw parameter and a LayerNorm
    whose normalized_shape is a tuple."""

    def __init__(self, hidden):
        super().__init__()
        self.v = nn.Parameter(torch.randn(hidden))
        self.norm = nn.LayerNorm((2, hidden))


def pytorch_module(B, T, defines):
    model = PyTorchModule(defines["hidden"])
    randomise_layer_norms(model)
    x, y = randn(B, T, defines["hidden"]), 2 * randn(B, 2, defines["hidden"]) + 1
    toks = tokens(4, B, T)  # a quarter of them 0, the padding
    mask = toks != 0
    outputs = {
        "s": x @ model.v,
        "ln": model.norm(y),
        "lengths": mask.sum(dim=1),
        "count": mask.sum(),
        "long_keep": torch.sum(toks > 2, -1, keepdim=True),
        "positive": (x > 0).sum(dim=(1, 2)),
        "sum12": x.sum(dim=(1, 2)),
        "mean_keep": torch.mean(x, dim=[-1, 1], keepdim=True),
        "amax02": torch.amax(x, dim=(0, 2)),
        "isum": toks.sum(dim=(1,)),
        "mx": torch.max(x, -x),
    }
    return state_dict(model), {"x": x, "y": y, "tokens": toks}, outputs
