// Interpreter LSTM/GRU/RNN: single steps against the hand-written PyTorch
// formulas, then whole sequences (multi-layer, bidirectional, batch_first,
// initial states, lengths) against a reference that runs one batch row at a
// time in double precision.
#include "InterpTestSupport.h"

#include <cmath>
#include <map>

namespace attn::interp::testing {
namespace {

const Dim B = Dim::symbol("B"), T = Dim::symbol("T");

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

struct RecurrentConfig {
  OpKind op = OpKind::LSTM;
  int64_t input = 1, hidden = 1, layers = 1;
  bool bidirectional = false, batchFirst = false, bias = true, initialState = false;
  bool lengths = false;
  ir::OpKind nonlinearity = ir::OpKind::Tanh;

  int64_t gates() const { return op == OpKind::LSTM ? 4 : op == OpKind::GRU ? 3 : 1; }
  int64_t dirs() const { return bidirectional ? 2 : 1; }
};

/// Weight values by PyTorch name ("weight_ih_l0_reverse").
using WeightValues = std::map<std::string, std::vector<double>>;

std::string weightName(const std::string &kind, int64_t layer, int64_t dir) {
  return kind + "_l" + std::to_string(layer) + (dir ? "_reverse" : "");
}

/// Deterministic values in [-0.6, 0.6).
std::vector<double> pseudoRandom(int64_t n, uint32_t &state) {
  std::vector<double> v;
  for (int64_t i = 0; i < n; ++i) {
    state = state * 1664525u + 1013904223u;
    v.push_back((double(state >> 8) / double(1 << 24) - 0.5) * 1.2);
  }
  return v;
}

/// Adds the op with the given (or, where missing, random) weights; returns its results.
std::vector<ir::Value *> addRecurrent(ModelBuilder &m, const RecurrentConfig &c,
                                      std::vector<ir::Value *> operands, WeightValues &weights,
                                      uint32_t seed = 1) {
  int64_t rows = c.gates() * c.hidden;
  for (int64_t layer = 0; layer < c.layers; ++layer)
    for (int64_t dir = 0; dir < c.dirs(); ++dir) {
      int64_t in = layer == 0 ? c.input : c.dirs() * c.hidden;
      std::vector<std::pair<std::string, Shape>> specs = {
          {weightName("weight_ih", layer, dir), {rows, in}},
          {weightName("weight_hh", layer, dir), {rows, c.hidden}}};
      if (c.bias) {
        specs.push_back({weightName("bias_ih", layer, dir), {rows}});
        specs.push_back({weightName("bias_hh", layer, dir), {rows}});
      }
      for (auto &[name, shape] : specs) {
        if (!weights.count(name)) weights[name] = pseudoRandom(numElements(shape), seed);
        operands.push_back(m.weight("rnn." + name, f32(shape, weights[name])));
      }
    }
  ir::Attrs a;
  a.Hidden = c.hidden, a.Layers = c.layers, a.Bidirectional = c.bidirectional;
  a.BatchFirst = c.batchFirst, a.HasBias = c.bias, a.HasInitialState = c.initialState;
  a.HasLengths = c.lengths, a.Nonlinearity = c.nonlinearity;
  return m.node(c.op, operands, a);
}

using Matrix = std::vector<std::vector<double>>; // [time or layer*dirs][features]

/// y = W v (+ b), W [rows, v.size()].
std::vector<double> affine(const std::vector<double> &w, const std::vector<double> *b,
                           const std::vector<double> &v) {
  std::vector<double> y(w.size() / v.size(), 0.0);
  for (size_t r = 0; r < y.size(); ++r) {
    for (size_t k = 0; k < v.size(); ++k) y[r] += w[r * v.size() + k] * v[k];
    if (b) y[r] += (*b)[r];
  }
  return y;
}

struct ReferenceRun {
  Matrix out, hN, cN;
};

/// One sequence `seq` [len][input] through every layer and direction, as
/// torch.nn.LSTM/GRU/RNN compute it; h0/c0 [layers*dirs][H] (zeros if empty).
ReferenceRun reference(const RecurrentConfig &c, WeightValues &w, const Matrix &seq, Matrix h0,
                       Matrix c0) {
  int64_t H = c.hidden, len = int64_t(seq.size());
  if (h0.empty()) h0.assign(size_t(c.layers * c.dirs()), std::vector<double>(size_t(H), 0.0));
  if (c0.empty()) c0 = Matrix(h0.size(), std::vector<double>(size_t(H), 0.0));
  ReferenceRun run{seq, {}, {}};
  for (int64_t layer = 0; layer < c.layers; ++layer) {
    Matrix next(size_t(len), std::vector<double>(size_t(c.dirs() * H), 0.0));
    for (int64_t dir = 0; dir < c.dirs(); ++dir) {
      std::vector<double> h = h0[layer * c.dirs() + dir], cell = c0[layer * c.dirs() + dir];
      for (int64_t step = 0; step < len; ++step) {
        int64_t t = dir ? len - 1 - step : step;
        std::vector<double> gi =
            affine(w[weightName("weight_ih", layer, dir)],
                   c.bias ? &w[weightName("bias_ih", layer, dir)] : nullptr, run.out[t]);
        std::vector<double> gh =
            affine(w[weightName("weight_hh", layer, dir)],
                   c.bias ? &w[weightName("bias_hh", layer, dir)] : nullptr, h);
        for (int64_t j = 0; j < H; ++j) {
          if (c.op == OpKind::LSTM) {
            double i = sigmoid(gi[j] + gh[j]), f = sigmoid(gi[H + j] + gh[H + j]);
            double g = std::tanh(gi[2 * H + j] + gh[2 * H + j]),
                   o = sigmoid(gi[3 * H + j] + gh[3 * H + j]);
            cell[j] = f * cell[j] + i * g;
            h[j] = o * std::tanh(cell[j]);
          } else if (c.op == OpKind::GRU) {
            double r = sigmoid(gi[j] + gh[j]), z = sigmoid(gi[H + j] + gh[H + j]);
            double n = std::tanh(gi[2 * H + j] + r * gh[2 * H + j]);
            h[j] = (1 - z) * n + z * h[j];
          } else {
            double a = gi[j] + gh[j];
            h[j] = c.nonlinearity == ir::OpKind::Relu ? std::max(a, 0.0) : std::tanh(a);
          }
          next[t][dir * H + j] = h[j];
        }
      }
      run.hN.push_back(h);
      run.cN.push_back(cell);
    }
    run.out = next;
  }
  return run;
}

TEST(InterpRecurrent, LstmStepMatchesTheFormulas) {
  RecurrentConfig c{OpKind::LSTM};
  c.initialState = true;
  WeightValues w = {{"weight_ih_l0", {0.5, -0.3, 0.8, 0.1}},
                    {"weight_hh_l0", {0.2, 0.4, -0.6, 0.9}},
                    {"bias_ih_l0", {0.1, 0.2, 0.3, 0.4}},
                    {"bias_hh_l0", {-0.1, 0.05, 0.0, 0.2}}};
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {Dim(1), Dim(1), Dim(1)});
  ir::Value *h0 = m.argument("h0", DType::F32, {Dim(1), Dim(1), Dim(1)});
  ir::Value *c0 = m.argument("c0", DType::F32, {Dim(1), Dim(1), Dim(1)});
  auto r = addRecurrent(m, c, {x, h0, c0}, w);
  ASSERT_EQ(r.size(), 3u);
  m.result("out", r[0]), m.result("h", r[1]), m.result("c", r[2]);
  auto exe = m.compile();
  Tensor xs = f32({1, 1, 1}, {0.7}), hs = f32({1, 1, 1}, {0.3}), cs = f32({1, 1, 1}, {-0.2});
  auto y = runOk(*exe, {{"x", xs.view()}, {"h0", hs.view()}, {"c0", cs.view()}});
  ASSERT_EQ(y.size(), 3u);
  double i = sigmoid(0.5 * 0.7 + 0.1 + 0.2 * 0.3 - 0.1),
         f = sigmoid(-0.3 * 0.7 + 0.2 + 0.4 * 0.3 + 0.05);
  double g = std::tanh(0.8 * 0.7 + 0.3 - 0.6 * 0.3), o = sigmoid(0.1 * 0.7 + 0.4 + 0.9 * 0.3 + 0.2);
  double cell = f * -0.2 + i * g, h = o * std::tanh(cell);
  expectClose(valuesOf(y[0]), {h});
  expectClose(valuesOf(y[1]), {h});
  expectClose(valuesOf(y[2]), {cell});
}

TEST(InterpRecurrent, GruStepMatchesTheFormulas) {
  RecurrentConfig c{OpKind::GRU};
  c.initialState = true;
  WeightValues w = {{"weight_ih_l0", {0.5, -0.3, 0.8}},
                    {"weight_hh_l0", {0.2, 0.4, -0.6}},
                    {"bias_ih_l0", {0.1, 0.2, 0.3}},
                    {"bias_hh_l0", {-0.1, 0.05, 0.25}}};
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {Dim(1), Dim(1), Dim(1)});
  ir::Value *h0 = m.argument("h0", DType::F32, {Dim(1), Dim(1), Dim(1)});
  auto r = addRecurrent(m, c, {x, h0}, w);
  ASSERT_EQ(r.size(), 2u);
  m.result("out", r[0]), m.result("h", r[1]);
  auto exe = m.compile();
  Tensor xs = f32({1, 1, 1}, {0.7}), hs = f32({1, 1, 1}, {0.3});
  auto y = runOk(*exe, {{"x", xs.view()}, {"h0", hs.view()}});
  ASSERT_EQ(y.size(), 2u);
  double rGate = sigmoid(0.5 * 0.7 + 0.1 + 0.2 * 0.3 - 0.1);
  double z = sigmoid(-0.3 * 0.7 + 0.2 + 0.4 * 0.3 + 0.05);
  double n = std::tanh(0.8 * 0.7 + 0.3 + rGate * (-0.6 * 0.3 + 0.25)); // r gates W_hn h + b_hn
  double h = (1 - z) * n + z * 0.3;
  expectClose(valuesOf(y[0]), {h});
  expectClose(valuesOf(y[1]), {h});
}

TEST(InterpRecurrent, RnnStepTanhAndRelu) {
  for (ir::OpKind nonlinearity : {ir::OpKind::Tanh, ir::OpKind::Relu}) {
    RecurrentConfig c{OpKind::RNN};
    c.hidden = 2, c.nonlinearity = nonlinearity, c.bias = false;
    WeightValues w = {{"weight_ih_l0", {1.0, -2.0}}, {"weight_hh_l0", {0.5, 0.5, 0.5, 0.5}}};
    ModelBuilder m;
    ir::Value *x = m.argument("x", DType::F32, {Dim(2), Dim(1), Dim(1)});
    auto r = addRecurrent(m, c, {x}, w);
    ASSERT_EQ(r.size(), 2u);
    m.result("out", r[0]), m.result("h", r[1]);
    auto exe = m.compile();
    Tensor xs = f32({2, 1, 1}, {0.3, 0.1});
    auto y = runOk(*exe, {{"x", xs.view()}});
    ASSERT_EQ(y.size(), 2u);
    auto act = [&](double v) { return nonlinearity == ir::OpKind::Relu ? std::max(v, 0.0) : std::tanh(v); };
    double h1a = act(0.3), h1b = act(-0.6); // h0 = 0
    double h2a = act(0.1 + 0.5 * (h1a + h1b)), h2b = act(-0.2 + 0.5 * (h1a + h1b));
    expectClose(valuesOf(y[0]), {h1a, h1b, h2a, h2b});
    expectClose(valuesOf(y[1]), {h2a, h2b});
  }
}

/// Inputs of one sequence test: x in the op's layout, h0 and c0 [L*dirs, B, H].
struct SequenceInputs {
  int64_t T, B;
  std::vector<int64_t> lengths;
  std::vector<double> x, h0, c0;

  /// Offset of x[t, b, :] (and of out[t, b, :]) in units of rows.
  int64_t row(const RecurrentConfig &c, int64_t t, int64_t b) const {
    return c.batchFirst ? b * T + t : t * B + b;
  }
};

/// Builds the op with random weights (returned in w) and runs it.
std::vector<Tensor> runInterpreter(const RecurrentConfig &c, const SequenceInputs &in,
                                   WeightValues &w) {
  ModelBuilder m;
  ir::DimList xDims = c.batchFirst ? ir::DimList{B, T, Dim(c.input)}
                                   : ir::DimList{T, B, Dim(c.input)};
  ir::DimList stateDims = {Dim(c.layers * c.dirs()), B, Dim(c.hidden)};
  std::vector<ir::Value *> operands = {m.argument("x", DType::F32, xDims)};
  bool initialC = c.initialState && c.op == OpKind::LSTM;
  if (c.initialState) operands.push_back(m.argument("h0", DType::F32, stateDims));
  if (initialC) operands.push_back(m.argument("c0", DType::F32, stateDims));
  if (c.lengths) operands.push_back(m.argument("lengths", DType::I64, {B}));
  auto r = addRecurrent(m, c, operands, w);
  for (size_t i = 0; i < r.size(); ++i) m.result("r" + std::to_string(i), r[i]);
  auto exe = m.compile();
  if (!exe) return {};
  Shape xShape = c.batchFirst ? Shape{in.B, in.T, c.input} : Shape{in.T, in.B, c.input};
  Shape stateShape = {c.layers * c.dirs(), in.B, c.hidden};
  Tensor xs = f32(xShape, in.x), h0 = f32(stateShape, in.h0), c0 = f32(stateShape, in.c0);
  Tensor lengths = i64({in.B}, std::vector<double>(in.lengths.begin(), in.lengths.end()));
  NamedTensorViews inputs = {{"x", xs.view()}};
  if (c.initialState) inputs.push_back({"h0", h0.view()});
  if (initialC) inputs.push_back({"c0", c0.view()});
  if (c.lengths) inputs.push_back({"lengths", lengths.view()});
  return runOk(*exe, inputs);
}

/// The given rows of `data`, `width` values each.
Matrix rows(const std::vector<double> &data, const std::vector<int64_t> &which, int64_t width) {
  Matrix m;
  for (int64_t r : which) m.emplace_back(data.begin() + r * width, data.begin() + (r + 1) * width);
  return m;
}

/// The op's output compared row by row with the reference run on each row's
/// first lengths[b] steps, and zero after them; h_n and c_n likewise.
void expectMatchesReference(const RecurrentConfig &c, int64_t TT, int64_t BB,
                            const std::vector<int64_t> &lengths) {
  SCOPED_TRACE(std::string(ir::mnemonic(c.op)) + " layers=" + std::to_string(c.layers) +
               " bidirectional=" + std::to_string(c.bidirectional) +
               " batchFirst=" + std::to_string(c.batchFirst));
  uint32_t seed = 7;
  int64_t states = c.layers * c.dirs(), width = c.dirs() * c.hidden;
  SequenceInputs in{TT, BB, lengths, pseudoRandom(TT * BB * c.input, seed),
                    pseudoRandom(states * BB * c.hidden, seed),
                    pseudoRandom(states * BB * c.hidden, seed)};
  WeightValues w;
  std::vector<Tensor> y = runInterpreter(c, in, w);
  ASSERT_EQ(y.size(), c.op == OpKind::LSTM ? 3u : 2u);
  std::vector<double> out = valuesOf(y[0]), hN = valuesOf(y[1]);
  std::vector<double> cN = c.op == OpKind::LSTM ? valuesOf(y[2]) : std::vector<double>{};
  for (int64_t b = 0; b < BB; ++b) {
    std::vector<int64_t> steps, stateRows;
    for (int64_t t = 0; t < lengths[b]; ++t) steps.push_back(in.row(c, t, b));
    for (int64_t s = 0; c.initialState && s < states; ++s) stateRows.push_back(s * BB + b);
    Matrix c0 = c.op == OpKind::LSTM ? rows(in.c0, stateRows, c.hidden) : Matrix{};
    ReferenceRun ref = reference(c, w, rows(in.x, steps, c.input),
                                 rows(in.h0, stateRows, c.hidden), c0);
    for (int64_t t = 0; t < TT; ++t)
      for (int64_t j = 0; j < width; ++j) {
        double expected = t < lengths[b] ? ref.out[t][j] : 0.0;
        EXPECT_NEAR(out[in.row(c, t, b) * width + j], expected, 1e-5) << "t=" << t << " b=" << b;
      }
    for (int64_t s = 0; s < states; ++s)
      for (int64_t j = 0; j < c.hidden; ++j) {
        EXPECT_NEAR(hN[(s * BB + b) * c.hidden + j], ref.hN[s][j], 1e-5) << "h_n " << s;
        if (!cN.empty()) {
          EXPECT_NEAR(cN[(s * BB + b) * c.hidden + j], ref.cN[s][j], 1e-5) << "c_n " << s;
        }
      }
  }
}

TEST(InterpRecurrent, SequencesMatchTheReference) {
  for (OpKind op : {OpKind::LSTM, OpKind::GRU, OpKind::RNN})
    for (bool bidirectional : {false, true})
      for (bool batchFirst : {false, true}) {
        RecurrentConfig c{op, 3, 2, 2, bidirectional, batchFirst};
        c.initialState = batchFirst; // covers both
        expectMatchesReference(c, 4, 2, {4, 4});
      }
  RecurrentConfig relu{OpKind::RNN, 2, 3};
  relu.nonlinearity = ir::OpKind::Relu, relu.bias = false;
  expectMatchesReference(relu, 3, 1, {3});
}

TEST(InterpRecurrent, LengthsStopEachRowAndZeroTheTail) {
  for (OpKind op : {OpKind::LSTM, OpKind::GRU, OpKind::RNN}) {
    RecurrentConfig c{op, 2, 3, 2, true, true};
    c.lengths = true;
    expectMatchesReference(c, 5, 3, {5, 2, 1});
    c.initialState = true, c.batchFirst = false;
    expectMatchesReference(c, 4, 2, {3, 4});
  }
}

/// The reverse direction of a row with lengths starts at lengths[b] - 1: its
/// output equals running the layer on the truncated sequence alone.
TEST(InterpRecurrent, ReverseDirectionStartsAtTheRowsLastStep) {
  RecurrentConfig c{OpKind::LSTM, 2, 2, 1, true, true};
  c.lengths = true;
  WeightValues w;
  ModelBuilder packed;
  ir::Value *x = packed.argument("x", DType::F32, {B, T, Dim(2)});
  ir::Value *lengths = packed.argument("lengths", DType::I64, {B});
  auto r = addRecurrent(packed, c, {x, lengths}, w);
  packed.result("out", r[0]), packed.result("h", r[1]);
  c.lengths = false;
  ModelBuilder plain;
  ir::Value *x2 = plain.argument("x", DType::F32, {B, T, Dim(2)});
  auto r2 = addRecurrent(plain, c, {x2}, w);
  plain.result("out", r2[0]), plain.result("h", r2[1]);
  auto packedExe = packed.compile(), plainExe = plain.compile();

  Tensor xs = f32({1, 4, 2}, {0.1, 0.2, -0.3, 0.4, 0.5, -0.6, 9, 9}), ls = i64({1}, {3});
  Tensor truncated = f32({1, 3, 2}, {0.1, 0.2, -0.3, 0.4, 0.5, -0.6});
  auto a = runOk(*packedExe, {{"x", xs.view()}, {"lengths", ls.view()}});
  auto b = runOk(*plainExe, {{"x", truncated.view()}});
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  std::vector<double> packedOut = valuesOf(a[0]), plainOut = valuesOf(b[0]);
  expectClose(std::vector<double>(packedOut.begin(), packedOut.begin() + 12), plainOut);
  EXPECT_EQ(std::vector<double>(packedOut.begin() + 12, packedOut.end()),
            std::vector<double>(4, 0.0));
  expectClose(valuesOf(a[1]), valuesOf(b[1]));
  // The reverse h_n is the reverse output at t = 0.
  expectClose({packedOut[2], packedOut[3]}, {valuesOf(a[1])[2], valuesOf(a[1])[3]});
}

TEST(InterpRecurrent, EmptySequencesAndBadLengthsAreErrors) {
  RecurrentConfig c{OpKind::LSTM, 1, 1};
  c.lengths = true;
  WeightValues w;
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {T, B, Dim(1)});
  ir::Value *lengths = m.argument("lengths", DType::I64, {B});
  auto r = addRecurrent(m, c, {x, lengths}, w);
  m.result("out", r[0]);
  auto exe = m.compile();
  Tensor xs = f32({3, 2, 1}, {1, 2, 3, 4, 5, 6}), zero = i64({2}, {3, 0}), long_ = i64({2}, {4, 1});
  auto e = exe->run("f", {{"x", xs.view()}, {"lengths", zero.view()}});
  ASSERT_FALSE(e.isOk());
  EXPECT_EQ(e.message(), "lstm: lengths[1] = 0 is out of range [1, 3] (T = 3)");
  e = exe->run("f", {{"x", xs.view()}, {"lengths", long_.view()}});
  ASSERT_FALSE(e.isOk());
  EXPECT_EQ(e.message(), "lstm: lengths[0] = 4 is out of range [1, 3] (T = 3)");
  Tensor empty(DType::F32, {0, 2, 1}), ones = i64({2}, {1, 1});
  e = exe->run("f", {{"x", empty.view()}, {"lengths", ones.view()}});
  ASSERT_FALSE(e.isOk());
  EXPECT_EQ(e.message(), "lstm: the input has no time steps (T = 0); a recurrent layer needs at "
                         "least one, as in PyTorch");
}

} // namespace
} // namespace attn::interp::testing
