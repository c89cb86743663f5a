"""PyTorch equivalents of the example models in examples/*.attn, line by line,
with state_dict names equal to the .attn layer/param names. Builders follow
op_cases.py's interface: `build(B, T, defines) -> (weights, inputs, outputs)`,
where `defines` holds every `let` of the model (file values, then -D overrides).
"""

import math

import torch
from torch import nn

from torch_ref import (
    lengths,
    masked_softmax,
    randn,
    randomise_layer_norms,
    run_recurrent,
    sequence_mask,
    state_dict,
    tokens,
)


class SentimentClassifier(nn.Module):
    """examples/sentiment.attn"""

    def __init__(self, d):
        super().__init__()
        vocab, embed, hidden, classes = d["vocab"], d["embed"], d["hidden"], d["classes"]
        self.embedding = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=4, bidirectional=True, batch_first=True)
        self.attention = nn.Linear(2 * hidden, 2 * hidden)
        self.context_vector = nn.Linear(2 * hidden, 1, bias=False)
        self.layer_norm = nn.LayerNorm(2 * hidden)
        self.dropout = nn.Dropout(0.2)
        self.fc1 = nn.Linear(2 * hidden, hidden)
        self.fc2 = nn.Linear(hidden, classes)

    def forward(self, tokens):
        x = self.embedding(tokens)                         # [B, T, embed]
        out, _, _ = run_recurrent(self.lstm, x)            # [B, T, 2*hidden]
        u = torch.tanh(self.attention(out))                # [B, T, 2*hidden]
        a = torch.softmax(self.context_vector(u), dim=1)   # [B, T, 1]
        context = torch.sum(a * out, dim=1)                # [B, 2*hidden]
        context = self.dropout(self.layer_norm(context))
        logits = self.fc2(self.fc1(context))
        return {"logits": logits, "weights": a.squeeze(2)}


class BiLSTMDotAttention(nn.Module):
    """examples/bilstm_dot.attn"""

    def __init__(self, d):
        super().__init__()
        vocab, embed, hidden, classes = d["vocab"], d["embed"], d["hidden"], d["classes"]
        self.hidden = hidden
        self.embedding = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, bidirectional=True, batch_first=True)
        self.fc = nn.Linear(2 * hidden, classes)

    def forward(self, tokens, lengths):
        B, T = tokens.shape
        x = self.embedding(tokens)                                       # [B, T, embed]
        out, h_n, _ = run_recurrent(self.lstm, x, lengths=lengths)       # [B, T, 2H], [2, B, H]
        q = h_n.permute(1, 0, 2).reshape(B, 2 * self.hidden)             # [B, 2H]
        scores = (out @ q.unsqueeze(2)).squeeze(2)                       # [B, T]
        a = masked_softmax(scores, sequence_mask(lengths, T), 1)
        context = (a.unsqueeze(1) @ out).squeeze(1)                      # [B, 2H]
        return {"logits": self.fc(context), "weights": a}


class Seq2SeqLuong(nn.Module):
    """examples/seq2seq.attn: two entry points sharing one set of weights."""

    def __init__(self, d):
        super().__init__()
        embed, hidden = d["embed"], d["hidden"]
        self.src_embedding = nn.Embedding(d["src_vocab"], embed)
        self.encoder = nn.GRU(embed, hidden, batch_first=True)
        self.tgt_embedding = nn.Embedding(d["tgt_vocab"], embed)
        self.decoder = nn.GRU(embed, hidden, batch_first=True)
        self.attn = nn.Linear(hidden, hidden, bias=False)
        self.out = nn.Linear(2 * hidden, d["tgt_vocab"])

    def encode(self, src):
        states, h_n = run_recurrent(self.encoder, self.src_embedding(src))
        return {"enc": states, "state": h_n}

    def decode_step(self, token, state, enc):
        y = self.tgt_embedding(token.unsqueeze(1))                       # [B, 1, embed]
        o, h = run_recurrent(self.decoder, y, state)                     # [B, 1, H], [1, B, H]
        s = o.squeeze(1)                                                 # [B, H]
        scores = (self.attn(enc) @ s.unsqueeze(2)).squeeze(2)            # [B, T]
        a = torch.softmax(scores, dim=-1)
        context = torch.sum(a.unsqueeze(2) * enc, dim=1)                 # [B, H]
        logits = self.out(torch.cat([s, context], dim=1))
        return {"logits": logits, "new_state": h, "weights": a}


class AdditiveAttention(nn.Module):
    """The `attention.*` params of examples/additive_block.attn, initialised
    as nn.Linear would initialise W and b (U(-1/sqrt(hidden), 1/sqrt(hidden)))
    and v as a Linear(attn_dim, 1) weight."""

    def __init__(self, hidden, attn_dim):
        super().__init__()
        w_bound, v_bound = 1 / math.sqrt(hidden), 1 / math.sqrt(attn_dim)
        self.W = nn.Parameter(torch.empty(attn_dim, hidden).uniform_(-w_bound, w_bound))
        self.b = nn.Parameter(torch.empty(attn_dim).uniform_(-w_bound, w_bound))
        self.v = nn.Parameter(torch.empty(attn_dim).uniform_(-v_bound, v_bound))


class AdditiveAttentionBlock(nn.Module):
    """examples/additive_block.attn"""

    def __init__(self, d):
        super().__init__()
        self.attention = AdditiveAttention(d["hidden"], d["attn_dim"])

    def forward(self, h, mask):
        p = self.attention
        u = torch.tanh(h @ torch.transpose(p.W, 0, 1) + p.b)   # [B, T, attn_dim]
        s = u @ p.v                                            # [B, T]
        alpha = masked_softmax(s, mask, 1)
        context = torch.sum(alpha.unsqueeze(2) * h, dim=1)     # [B, hidden]
        return {"context": context, "alpha": alpha}


def _model(cls, defines):
    model = cls(defines).eval()
    randomise_layer_norms(model)
    return model


def sentiment(B, T, defines):
    model = _model(SentimentClassifier, defines)
    inputs = {"tokens": tokens(defines["vocab"], B, T)}
    return state_dict(model), inputs, model(**inputs)


def bilstm_dot(B, T, defines):
    model = _model(BiLSTMDotAttention, defines)
    inputs = {"tokens": tokens(defines["vocab"], B, T), "lengths": lengths(B, T)}
    return state_dict(model), inputs, model(**inputs)


def seq2seq_encode(B, T, defines):
    model = _model(Seq2SeqLuong, defines)
    inputs = {"src": tokens(defines["src_vocab"], B, T)}
    return state_dict(model), inputs, model.encode(**inputs)


def seq2seq_decode_step(B, T, defines):
    """One decoder step from the encoding of a random source sentence."""
    model = _model(Seq2SeqLuong, defines)
    encoded = model.encode(tokens(defines["src_vocab"], B, T))
    inputs = {
        "token": tokens(defines["tgt_vocab"], B),
        "state": encoded["state"],
        "enc": encoded["enc"],
    }
    return state_dict(model), inputs, model.decode_step(**inputs)


def additive_block(B, T, defines, empty_row=False):
    model = _model(AdditiveAttentionBlock, defines)
    h = randn(B, T, defines["hidden"])
    mask = sequence_mask(lengths(B, T), T)
    if empty_row:
        mask[B // 2] = False  # a fully masked row: alpha and context are 0
    inputs = {"h": h, "mask": mask}
    return state_dict(model), inputs, model(**inputs)


def additive_block_empty_row(B, T, defines):
    return additive_block(B, T, defines, empty_row=True)
