// LSTM, GRU and RNN exactly as torch.nn's, including multi-layer,
// bidirectional, batch_first, initial states and packed-sequence lengths.
//
// Per step, with gi = W_ih x_t + b_ih and gh = W_hh h + b_hh (G*H rows each):
//   LSTM (gates i, f, g, o): c' = sig(f) c + sig(i) tanh(g), h' = sig(o) tanh(c')
//   GRU  (gates r, z, n):    n = tanh(gi_n + sig(r) gh_n), h' = (1 - sig(z)) n + sig(z) h
//   RNN:                     h' = tanh(gi + gh) or relu(gi + gh)
// Layer k > 0 reads the [forward, reverse] concatenated output of layer k-1.
// Each batch row b runs on its own over its first lengths[b] steps (all T
// without lengths): forward t = 0..len-1, reverse t = len-1..0. Outputs past
// len stay 0; h_n and c_n are the states after each direction's last step.
#include "codegen/interp/Elementwise.h"
#include "ir/ShapeInference.h"

#include <algorithm>

namespace attn::interp {

namespace {

struct RecurrentShape {
  ir::OpKind op;
  int64_t T, B, H, layers, dirs, gates;
  bool relu = false; // rnn's nonlinearity
};

/// The weights of one direction of one layer; biases null without bias.
struct DirectionWeights {
  const float *wIh, *wHh;
  int64_t inputSize = 0;
  const float *bIh = nullptr, *bHh = nullptr;
};

/// y = W v + bias for W [rows, cols].
void affine(const float *w, const float *bias, const float *v, int64_t rows, int64_t cols,
            float *y) {
  for (int64_t r = 0; r < rows; ++r) {
    float sum = 0.0f;
    for (int64_t c = 0; c < cols; ++c) sum += w[r * cols + c] * v[c];
    y[r] = bias ? sum + bias[r] : sum;
  }
}

/// One step of the cell: updates h (and c for LSTM) from gi and gh.
void cellStep(const RecurrentShape &s, const float *gi, const float *gh, float *h, float *c) {
  int64_t H = s.H;
  for (int64_t j = 0; j < H; ++j) {
    if (s.op == ir::OpKind::LSTM) {
      float i = sigmoid(gi[j] + gh[j]), f = sigmoid(gi[H + j] + gh[H + j]);
      float g = std::tanh(gi[2 * H + j] + gh[2 * H + j]);
      float o = sigmoid(gi[3 * H + j] + gh[3 * H + j]);
      c[j] = f * c[j] + i * g;
      h[j] = o * std::tanh(c[j]);
    } else if (s.op == ir::OpKind::GRU) {
      float r = sigmoid(gi[j] + gh[j]), z = sigmoid(gi[H + j] + gh[H + j]);
      float n = std::tanh(gi[2 * H + j] + r * gh[2 * H + j]);
      h[j] = (1.0f - z) * n + z * h[j];
    } else {
      float a = gi[j] + gh[j];
      h[j] = s.relu ? std::max(a, 0.0f) : std::tanh(a);
    }
  }
}

/// Runs direction `dir` over batch row b for `length` steps of the time-major
/// sequence `in` [T, B, inputSize], starting from (h, c) and leaving the final
/// state there; writes h_t into out [T, B, dirs*H] at columns dir*H.
void runRow(const RecurrentShape &s, const DirectionWeights &w, const float *in, int64_t b,
            int64_t length, int64_t dir, float *h, float *c, float *out) {
  std::vector<float> gi(size_t(s.gates * s.H)), gh(size_t(s.gates * s.H));
  for (int64_t step = 0; step < length; ++step) {
    int64_t t = dir == 0 ? step : length - 1 - step;
    affine(w.wIh, w.bIh, in + (t * s.B + b) * w.inputSize, s.gates * s.H, w.inputSize, gi.data());
    affine(w.wHh, w.bHh, h, s.gates * s.H, s.H, gh.data());
    cellStep(s, gi.data(), gh.data(), h, c);
    std::copy(h, h + s.H, out + (t * s.B + b) * s.dirs * s.H + dir * s.H);
  }
}

/// The lengths operand, checked: each in [1, T] as pack_padded_sequence
/// requires; without the operand every row has all T steps.
Result<std::vector<int64_t>> rowLengths(const RecurrentShape &s, const TensorView *lengths) {
  std::vector<int64_t> result(size_t(s.B), s.T);
  if (!lengths) return result;
  for (int64_t b = 0; b < s.B; ++b) {
    result[b] = integerAt(*lengths, b);
    if (result[b] < 1 || result[b] > s.T)
      return Status::error(std::string(ir::mnemonic(s.op)) + ": lengths[" + std::to_string(b) +
                           "] = " + std::to_string(result[b]) + " is out of range [1, " +
                           std::to_string(s.T) + "] (T = " + std::to_string(s.T) + ")");
  }
  return result;
}

/// The operands after x, in ops.def's order.
struct RecurrentOperands {
  const TensorView *h0 = nullptr, *c0 = nullptr, *lengths = nullptr;
  std::vector<DirectionWeights> directions; // index layer*dirs + dir
};

RecurrentOperands splitOperands(const KernelArgs &args, const RecurrentShape &s) {
  const ir::RecurrentOperands layout(s.op, args.attrs());
  RecurrentOperands r;
  if (layout.h0) r.h0 = &args.operand(*layout.h0);
  if (layout.c0) r.c0 = &args.operand(*layout.c0);
  if (layout.lengths) r.lengths = &args.operand(*layout.lengths);
  for (int64_t layer = 0; layer < s.layers; ++layer)
    for (int64_t dir = 0; dir < s.dirs; ++dir) {
      size_t next = layout.weights(layer, dir);
      DirectionWeights w{args.operand(next).as<float>(), args.operand(next + 1).as<float>(),
                         layer == 0 ? args.operand(0).shape[2] : s.dirs * s.H};
      if (layout.hasBias) {
        w.bIh = args.operand(next + 2).as<float>();
        w.bHh = args.operand(next + 3).as<float>();
      }
      r.directions.push_back(w);
    }
  return r;
}

/// Runs every layer over the time-major sequence `seq`, replacing it by the
/// last layer's output [T, B, dirs*H]. hN and cN ([layers*dirs, B, H], zeroed;
/// cN null but for LSTM) receive the final states.
void runLayers(const RecurrentShape &s, const RecurrentOperands &operands,
               const std::vector<int64_t> &lengths, std::vector<float> &seq, float *hN, float *cN) {
  for (int64_t layer = 0; layer < s.layers; ++layer) {
    std::vector<float> out(size_t(s.T * s.B * s.dirs * s.H), 0.0f);
    for (int64_t dir = 0; dir < s.dirs; ++dir) {
      int64_t index = layer * s.dirs + dir;
      for (int64_t b = 0; b < s.B; ++b) {
        int64_t state = (index * s.B + b) * s.H; // [index, b, :] of h0, c0, h_n, c_n
        float *h = hN + state, *c = cN ? cN + state : nullptr;
        if (operands.h0) std::copy_n(operands.h0->as<float>() + state, s.H, h);
        if (operands.c0) std::copy_n(operands.c0->as<float>() + state, s.H, c);
        runRow(s, operands.directions[index], seq.data(), b, lengths[b], dir, h, c, out.data());
      }
    }
    seq = std::move(out);
  }
}

RecurrentShape recurrentShape(const KernelArgs &args) {
  const ir::Attrs &a = args.attrs();
  const Shape &x = args.operand(0).shape;
  ir::OpKind op = args.node.op;
  RecurrentShape s{};
  s.op = op;
  s.T = a.BatchFirst ? x[1] : x[0];
  s.B = a.BatchFirst ? x[0] : x[1];
  s.H = a.Hidden;
  s.layers = a.Layers;
  s.dirs = a.Bidirectional ? 2 : 1;
  s.gates = ir::recurrentGateCount(op);
  s.relu = op == ir::OpKind::RNN && a.Nonlinearity == ir::OpKind::Relu;
  return s;
}

} // namespace

std::vector<float> swapLeadingAxes(const float *x, int64_t first, int64_t second, int64_t F) {
  std::vector<float> y(size_t(first * second * F));
  for (int64_t i = 0; i < first; ++i)
    for (int64_t j = 0; j < second; ++j)
      std::copy(x + (i * second + j) * F, x + (i * second + j + 1) * F,
                y.data() + (j * first + i) * F);
  return y;
}

// T = 0 is an error, as in PyTorch ("Expected sequence length to be larger
// than 0 in RNN"); lengths outside [1, T] are errors too (see rowLengths).
KernelResult recurrentKernel(const KernelArgs &args) {
  const ir::Attrs &a = args.attrs();
  const TensorView &x = args.operand(0);
  RecurrentShape s = recurrentShape(args);
  bool isLstm = s.op == ir::OpKind::LSTM;
  std::string name(ir::mnemonic(s.op));
  if (s.T == 0)
    return Status::error(name + ": the input has no time steps (T = 0); a recurrent layer " +
                         "needs at least one, as in PyTorch");
  if (s.B == 0) { // every result is empty; T may be any size (an input [0, 2^40, F])
    if (isLstm) return results(args.makeResult(0), args.makeResult(1), args.makeResult(2));
    return results(args.makeResult(0), args.makeResult(1));
  }
  RecurrentOperands operands = splitOperands(args, s);
  auto lengths = rowLengths(s, operands.lengths);
  if (!lengths) return lengths.status();

  int64_t F = x.shape[2];
  std::vector<float> seq(x.as<float>(), x.as<float>() + x.numElements());
  if (a.BatchFirst) seq = swapLeadingAxes(seq.data(), s.B, s.T, F);
  Tensor hN = args.makeResult(1), cN = isLstm ? args.makeResult(2) : Tensor();
  runLayers(s, operands, *lengths, seq, hN.as<float>(), isLstm ? cN.as<float>() : nullptr);
  if (a.BatchFirst) seq = swapLeadingAxes(seq.data(), s.T, s.B, s.dirs * s.H);
  Tensor y = args.makeResult(0);
  std::copy(seq.begin(), seq.end(), y.as<float>());
  if (isLstm) return results(std::move(y), std::move(hN), std::move(cN));
  return results(std::move(y), std::move(hN));
}

} // namespace attn::interp
