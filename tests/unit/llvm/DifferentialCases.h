// The op cases every backend runs against the interpreter
// (DifferentialOpTest.cpp): each builds a small graph with ir::Builder and
// gives input sets (odd sizes, B or T of 1, empty batches, extreme values).
// Together they use every op of ops.def; a test checks that.
#pragma once

#include "LLVMTestSupport.h"

#include <functional>
#include <string>
#include <vector>

namespace attn::llvmcg::testing {

struct OpCase {
  std::string name;
  std::function<void(ModelBuilder &)> build;
  std::vector<Inputs> inputs;
};

/// Leaves, elementwise ops, casts, reductions, softmax, shape ops.
std::vector<OpCase> elementwiseCases();
/// matmul, linear, embedding, layer_norm, conv1d, the fused ops of fuse-elementwise.
std::vector<OpCase> linearCases();
/// lstm, gru, rnn and the fused attention ops.
std::vector<OpCase> sequenceCases();

/// A recurrent layer stack (lstm, gru, rnn) as a test builds it.
struct RecurrentLayer {
  OpKind op;
  int64_t hidden, layers;
  bool bidirectional, batchFirst, bias, initialState, lengths;
  ir::OpKind nonlinearity = ir::OpKind::Tanh;
  double scale = 0.6; // the weights are uniform in [-scale, scale], the biases in [-0.5, 0.5]
};

/// A recurrent node over x (f32[B, T, F] or [T, B, F]) with random weights
/// named after `name`; initial states (when l.initialState) are arguments
/// name.h0 and name.c0; `lengths` is used when l.lengths.
std::vector<ir::Value *> recurrent(ModelBuilder &m, const std::string &name, const RecurrentLayer &l, ir::Value *x,
                                   ir::Value *lengths, uint32_t seed);

/// One random input: name, dtype, shape, range.
struct RandomArg {
  std::string name;
  DType dtype;
  Shape shape;
  double lo = -1, hi = 1;
};

inline Inputs randomInputs(uint32_t seed, const std::vector<RandomArg> &args) {
  Random random(seed);
  Inputs inputs;
  for (const RandomArg &a : args) inputs.add(a.name, random.tensor(a.dtype, a.shape, a.lo, a.hi));
  return inputs;
}

inline const ir::Dim kB = ir::Dim::symbol("B"), kT = ir::Dim::symbol("T");

inline ir::Attrs castTo(DType dtype) {
  ir::Attrs a;
  a.DType = dtype;
  return a;
}

inline ir::Attrs constantAttrs(double value, DType dtype) {
  ir::Attrs a;
  a.Value = value;
  a.DType = dtype;
  return a;
}

} // namespace attn::llvmcg::testing
