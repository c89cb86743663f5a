// Differential cases: lstm, gru, rnn (layers, directions, layouts, lengths,
// initial states, odd hidden sizes) and the fused attention ops.
#include "DifferentialCases.h"

#include "ir/ShapeInference.h"

#include <limits>

namespace attn::llvmcg::testing {

namespace {

using K = OpKind;
const Dim B = kB, T = kT;

using Layer = RecurrentLayer;

} // namespace

std::vector<ir::Value *> recurrent(ModelBuilder &m, const std::string &name, const RecurrentLayer &l, ir::Value *x,
                                   ir::Value *lengths, uint32_t seed) {
  Random random(seed);
  ir::Attrs a;
  a.Hidden = l.hidden, a.Layers = l.layers, a.Bidirectional = l.bidirectional, a.BatchFirst = l.batchFirst;
  a.HasBias = l.bias, a.HasInitialState = l.initialState, a.HasLengths = l.lengths, a.Nonlinearity = l.nonlinearity;
  int64_t dirs = l.bidirectional ? 2 : 1, G = ir::recurrentGateCount(l.op), F = *x->type.shape[2].constant();
  std::vector<ir::Value *> operands = {x};
  Dim batch = l.batchFirst ? x->type.shape[0] : x->type.shape[1];
  if (l.initialState) {
    operands.push_back(m.argument(name + ".h0", DType::F32, {Dim(l.layers * dirs), batch, Dim(l.hidden)}));
    if (l.op == K::LSTM) operands.push_back(m.argument(name + ".c0", DType::F32, {Dim(l.layers * dirs), batch, Dim(l.hidden)}));
  }
  if (l.lengths) operands.push_back(lengths);
  for (int64_t layer = 0; layer < l.layers; ++layer)
    for (int64_t d = 0; d < dirs; ++d) {
      std::string w = name + ".l" + std::to_string(layer) + (d ? "r" : "");
      int64_t in = layer == 0 ? F : dirs * l.hidden;
      operands.push_back(m.weight(w + ".w_ih", random.tensor(DType::F32, {G * l.hidden, in}, -l.scale, l.scale)));
      operands.push_back(m.weight(w + ".w_hh", random.tensor(DType::F32, {G * l.hidden, l.hidden}, -l.scale, l.scale)));
      if (l.bias) {
        operands.push_back(m.weight(w + ".b_ih", random.tensor(DType::F32, {G * l.hidden}, -0.5, 0.5)));
        operands.push_back(m.weight(w + ".b_hh", random.tensor(DType::F32, {G * l.hidden}, -0.5, 0.5)));
      }
    }
  return m.node(l.op, operands, a);
}

namespace {

void addResults(ModelBuilder &m, const std::string &name, const std::vector<ir::Value *> &results) {
  for (size_t i = 0; i < results.size(); ++i) m.result(name + "." + std::to_string(i), results[i]);
}

/// Inputs for the recurrent case: x in both layouts, lengths, initial states.
Inputs recurrentInputs(uint32_t seed, int64_t batch, int64_t time, std::vector<double> lengths) {
  Inputs in = randomInputs(seed, {{"x", DType::F32, {batch, time, 3}, -2, 2}, {"xt", DType::F32, {time, batch, 3}, -2, 2},
                                  {"lstm2.h0", DType::F32, {4, batch, 5}}, {"lstm2.c0", DType::F32, {4, batch, 5}},
                                  {"gru.h0", DType::F32, {4, batch, 3}}});
  in.add("lengths", i64({batch}, lengths));
  return in;
}

OpCase recurrentLayers() {
  Inputs badLengths = recurrentInputs(43, 2, 3, {2, 4});
  return {"recurrent",
          [](ModelBuilder &m) {
            ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(3)});
            ir::Value *xt = m.argument("xt", DType::F32, {T, B, Dim(3)});
            ir::Value *lengths = m.argument("lengths", DType::I64, {B});
            addResults(m, "lstm2", recurrent(m, "lstm2", {K::LSTM, 5, 2, true, true, true, true, true}, x, lengths, 1));
            addResults(m, "lstm1", recurrent(m, "lstm1", {K::LSTM, 17, 1, false, false, false, false, false}, xt, lengths, 2));
            addResults(m, "gru", recurrent(m, "gru", {K::GRU, 3, 2, true, true, true, true, true}, x, lengths, 3));
            addResults(m, "gru_tm", recurrent(m, "gru_tm", {K::GRU, 4, 1, true, false, true, false, true}, xt, lengths, 4));
            addResults(m, "rnn", recurrent(m, "rnn", {K::RNN, 6, 1, false, true, true, false, false}, x, lengths, 5));
            addResults(m, "rnn_relu", recurrent(m, "rnn_relu", {K::RNN, 2, 2, true, false, false, false, true, K::Relu}, xt, lengths, 6));
          },
          {recurrentInputs(40, 3, 5, {5, 2, 3}), recurrentInputs(41, 1, 1, {1}), std::move(badLengths),
           recurrentInputs(42, 2, 0, {1, 1})}};
}

OpCase attention() {
  Inputs masked = randomInputs(51, {{"h", DType::F32, {4, 6, 7}, -2, 2}, {"q", DType::F32, {4, 7}, -2, 2},
                                    {"mask", DType::Bool, {4, 6}, 0, 2}});
  for (int t = 0; t < 6; ++t) masked.tensors[2].second.as<uint8_t>()[t] = 0; // row 0 fully masked
  return {"attention",
          [](ModelBuilder &m) {
            Random random(50);
            ir::Value *h = m.argument("h", DType::F32, {B, T, Dim(7)});
            ir::Value *q = m.argument("q", DType::F32, {B, Dim(7)});
            ir::Value *mask = m.argument("mask", DType::Bool, {B, T});
            std::vector<ir::Value *> weights = {m.weight("W", random.tensor(DType::F32, {5, 7})),
                                                m.weight("b", random.tensor(DType::F32, {5})),
                                                m.weight("v", random.tensor(DType::F32, {5}))};
            auto additive = [&](ir::Value *maskOrNull) {
              std::vector<ir::Value *> operands = {h, weights[0], weights[1], weights[2]};
              if (maskOrNull) operands.push_back(maskOrNull);
              return m.node(K::AdditiveAttention, operands);
            };
            addResults(m, "additive", additive(nullptr));
            addResults(m, "additive_masked", additive(mask));
            addResults(m, "dot", m.node(K::DotAttention, {h, q}));
            addResults(m, "dot_masked", m.node(K::DotAttention, {h, q, mask}));
            // Only the context used: alpha need not be written.
            m.result("context_only", m.node(K::DotAttention, {h, q, mask})[0]);
          },
          {std::move(masked), randomInputs(52, {{"h", DType::F32, {1, 1, 7}}, {"q", DType::F32, {1, 7}}, {"mask", DType::Bool, {1, 1}, 1, 2}}),
           randomInputs(53, {{"h", DType::F32, {2, 0, 7}}, {"q", DType::F32, {2, 7}}, {"mask", DType::Bool, {2, 0}}}),
           randomInputs(54, {{"h", DType::F32, {2, 150, 7}, -3, 3}, {"q", DType::F32, {2, 7}, -3, 3}, {"mask", DType::Bool, {2, 150}, 0, 2}})}};
}

/// Non-finite values, two input sets. (1) An inf and a NaN in h at dropped
/// steps: alpha 0 times either is NaN, so the row's context is NaN, as in
/// the interpreter and PyTorch's bmm (the kernels add 0 h_t for a dropped
/// step, they do not skip it); in a fully masked row too. (2) NaN among the
/// kept scores: a NaN in one batch row's query (every dot score of that row
/// NaN) and in h at a kept step (that row's scores through it NaN). PyTorch's
/// row is NaN: alpha NaN at every kept position, masked positions 0 under
/// mask= and NaN under a fill of -inf, the context NaN.
OpCase attentionNonFinite() {
  Inputs dropped = randomInputs(55, {{"h", DType::F32, {3, 70, 8}, -2, 2}, {"q", DType::F32, {3, 8}, -2, 2},
                                     {"mask", DType::Bool, {3, 70}, 0, 2}});
  uint8_t *keep = dropped.tensors[2].second.as<uint8_t>();
  float *h = dropped.tensors[0].second.as<float>();
  keep[70 + 2] = keep[140 + 66] = 0;
  h[(70 + 2) * 8 + 3] = std::numeric_limits<float>::infinity();
  h[(140 + 66) * 8 + 5] = std::numeric_limits<float>::quiet_NaN();
  // Row 0 fully masked, an inf in its second chunk: alpha 0, the context NaN.
  for (int t = 0; t < 70; ++t) keep[t] = 0;
  h[67 * 8 + 1] = -std::numeric_limits<float>::infinity();
  Inputs kept = randomInputs(58, {{"h", DType::F32, {3, 70, 8}, -2, 2}, {"q", DType::F32, {3, 8}, -2, 2},
                                  {"mask", DType::Bool, {3, 70}, 0, 2}});
  kept.tensors[2].second.as<uint8_t>()[140 + 40] = 1;
  kept.tensors[0].second.as<float>()[(140 + 40) * 8 + 2] = std::numeric_limits<float>::quiet_NaN();
  kept.tensors[1].second.as<float>()[8 + 5] = std::numeric_limits<float>::quiet_NaN();
  return {"attention_nonfinite",
          [](ModelBuilder &m) {
            Random random(57);
            ir::Value *h = m.argument("h", DType::F32, {B, T, Dim(8)});
            ir::Value *q = m.argument("q", DType::F32, {B, Dim(8)});
            ir::Value *mask = m.argument("mask", DType::Bool, {B, T});
            addResults(m, "additive", m.node(K::AdditiveAttention, {h, m.weight("W", random.tensor(DType::F32, {6, 8})),
                                                                     m.weight("b", random.tensor(DType::F32, {6})),
                                                                     m.weight("v", random.tensor(DType::F32, {6})), mask}));
            addResults(m, "dot", m.node(K::DotAttention, {h, q, mask}));
            addResults(m, "dot_unmasked", m.node(K::DotAttention, {h, q}));
            ir::Attrs fill;
            fill.Fill = -std::numeric_limits<double>::infinity();
            addResults(m, "dot_fill", m.node(K::DotAttention, {h, q, mask}, fill));
          },
          {std::move(dropped), std::move(kept)}};
}

/// Attention over a symbolic D, with W an argument: the step-by-step path
/// (LowerAttention.cpp), its online-softmax rescaling, masks and a fully
/// masked row, over two chunks.
OpCase symbolicAttention() {
  Inputs masked = randomInputs(56, {{"h", DType::F32, {3, 70, 9}, -2, 2}, {"q", DType::F32, {3, 9}, -2, 2},
                                    {"W", DType::F32, {5, 9}}, {"b", DType::F32, {5}}, {"v", DType::F32, {5}},
                                    {"mask", DType::Bool, {3, 70}, 0, 2}});
  for (int t = 0; t < 70; ++t) masked.tensors[5].second.as<uint8_t>()[70 + t] = 0; // row 1 fully masked
  // An inf in h at a dropped step of row 2: its context is NaN (see attention()).
  masked.tensors[5].second.as<uint8_t>()[140 + 66] = 0;
  masked.tensors[0].second.as<float>()[(140 + 66) * 9 + 4] = std::numeric_limits<float>::infinity();
  return {"attention_symbolic",
          [](ModelBuilder &m) {
            Dim D = Dim::symbol("D");
            ir::Value *h = m.argument("h", DType::F32, {B, T, D});
            ir::Value *q = m.argument("q", DType::F32, {B, D});
            ir::Value *w = m.argument("W", DType::F32, {Dim(5), D});
            ir::Value *b = m.argument("b", DType::F32, {Dim(5)});
            ir::Value *v = m.argument("v", DType::F32, {Dim(5)});
            ir::Value *mask = m.argument("mask", DType::Bool, {B, T});
            addResults(m, "additive", m.node(K::AdditiveAttention, {h, w, b, v}));
            addResults(m, "additive_masked", m.node(K::AdditiveAttention, {h, w, b, v, mask}));
            addResults(m, "dot_masked", m.node(K::DotAttention, {h, q, mask}));
          },
          {std::move(masked)}};
}

} // namespace

std::vector<OpCase> sequenceCases() {
  return {recurrentLayers(), attention(), attentionNonFinite(), symbolicAttention()};
}

} // namespace attn::llvmcg::testing
