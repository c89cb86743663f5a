"""PyTorch spellings of the attn primitives whose torch equivalent is more than
one call, and random input helpers shared by the golden cases. All random
draws use torch's global generator, which make_goldens.py seeds per case."""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def masked_softmax(scores, mask, axis):
    """attn's softmax(x, axis, mask=m): masked positions get exactly 0, and a
    fully masked row gives zeros instead of NaN."""
    probs = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=axis)
    return torch.where(mask, probs, torch.zeros_like(probs))


def sequence_mask(lengths, T):
    """attn's sequence_mask: true where t < lengths[b]."""
    return torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)


def run_recurrent(layer, x, hx=None, lengths=None):
    """Calls an nn.LSTM/GRU/RNN as attn does: with `lengths`, through
    pack_padded_sequence(enforce_sorted=False) and
    pad_packed_sequence(total_length=T), so `out` is zero past each length and
    the final states are those at each sequence's own last step. Returns
    (out, h_n) or (out, h_n, c_n) for an LSTM."""
    if lengths is None:
        out, state = layer(x, hx)
    else:
        T = x.shape[1 if layer.batch_first else 0]
        packed = pack_padded_sequence(
            x, lengths, batch_first=layer.batch_first, enforce_sorted=False
        )
        packed_out, state = layer(packed, hx)
        out, _ = pad_packed_sequence(
            packed_out, batch_first=layer.batch_first, total_length=T
        )
    if isinstance(layer, nn.LSTM):
        return out, state[0], state[1]
    return out, state


class Layers(nn.Module):
    """A module holding named layers, so that its state_dict keys are
    `<layer name>.<weight name>` in the order of the .attn file."""

    def __init__(self, *named_layers):
        super().__init__()
        for name, layer in named_layers:
            self.add_module(name, layer)


def randomise_layer_norms(module):
    """LayerNorm initialises weight=1, bias=0, which would leave the affine
    step untested: draw weight ~ 1 + 0.1 N(0,1) and bias ~ 0.1 N(0,1)."""
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, nn.LayerNorm) and layer.elementwise_affine:
                layer.weight.copy_(1 + 0.1 * torch.randn(layer.weight.shape))
                layer.bias.copy_(0.1 * torch.randn(layer.bias.shape))


def state_dict(module):
    """The module's state_dict as fresh contiguous tensors (names in order)."""
    return {name: t.detach().clone().contiguous() for name, t in module.state_dict().items()}


def randn(*shape):
    return torch.randn(*shape)


def positive(*shape):
    """Values in [0.1, 2.1): safe for log and sqrt, and away from 0 for division."""
    return 0.1 + 2 * torch.rand(*shape)


def random_bools(*shape, p_true=0.5):
    return torch.rand(*shape) < p_true


def tokens(vocab, *shape):
    return torch.randint(0, vocab, shape, dtype=torch.int64)


def lengths(B, T, lowest=1):
    """i64 lengths in [lowest, T] with max == T (one row, chosen at random, is full)."""
    result = torch.randint(lowest, T + 1, (B,), dtype=torch.int64)
    result[int(torch.randint(0, B, (1,)))] = T
    return result
