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
/// matmul, linear, embedding, layer_norm, the fused ops of fuse-elementwise.
std::vector<OpCase> linearCases();
/// lstm, gru, rnn and the fused attention ops.
std::vector<OpCase> sequenceCases();

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
