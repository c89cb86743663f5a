// Helpers for the llvm backend's tests: the targets they compile for
// (TestTargets.h), deterministic random tensors, and the
// comparison of a backend's results with the interpreter's (architecture.md's
// tolerance for f32, exact for integers and bools, the same error message
// when the interpreter fails).
#pragma once

#include "../interp/InterpTestSupport.h"
#include "TestTargets.h"

#include "codegen/dnnl/DnnlBackend.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace attn::llvmcg::testing {

using namespace attn::interp::testing;

/// Deterministic pseudo-random numbers (a linear congruential generator).
class Random {
public:
  explicit Random(uint32_t seed) : state_(seed * 2654435761u + 1) {}
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) {
    state_ = state_ * 1664525u + 1013904223u;
    return lo + (hi - lo) * double(state_ >> 8) / double(1 << 24);
  }
  int64_t integer(int64_t lo, int64_t hi) { return lo + int64_t(uniform(0, double(hi - lo))); }
  Tensor tensor(DType dtype, Shape shape, double lo = -1, double hi = 1) {
    std::vector<double> v;
    for (int64_t i = 0; i < numElements(shape); ++i)
      v.push_back(dtype == DType::F32 ? uniform(lo, hi) : double(integer(int64_t(lo), int64_t(hi))));
    return makeTensor(dtype, std::move(shape), v);
  }

private:
  uint32_t state_;
};

/// Named input tensors that own their data (copies copy the data).
struct Inputs {
  Inputs() = default;
  Inputs(const Inputs &o) { *this = o; }
  Inputs(Inputs &&) = default;
  Inputs &operator=(Inputs &&) = default;
  Inputs &operator=(const Inputs &o) {
    tensors.clear();
    for (const auto &[name, t] : o.tensors) tensors.emplace_back(name, Tensor::copyOf(t.view()));
    return *this;
  }

  std::vector<std::pair<std::string, Tensor>> tensors;
  void add(const std::string &name, Tensor t) { tensors.emplace_back(name, std::move(t)); }
  NamedTensorViews views() const {
    NamedTensorViews v;
    for (const auto &[name, t] : tensors) v.emplace_back(name, t.view());
    return v;
  }
};

inline std::unique_ptr<Executable> compileWithLLVM(const ModelBuilder &m, const LLVMOptions &options = {}) {
  auto exe = compileLLVM(m.sharedModule(), m.weightMap(), options);
  EXPECT_TRUE(exe.isOk()) << exe.message();
  return exe ? std::move(*exe) : nullptr;
}

/// m compiled for `target` (llvm or dnnl); `threads` threads per run when given.
inline std::unique_ptr<Executable> compileFor(const ModelBuilder &m, const TargetCase &target, unsigned threads = 0) {
  LLVMOptions options = target.options;
  if (threads) options.threads = threads;
  auto exe = target.backend == codegen::Backend::DNNL
                 ? dnnlcg::compileDnnl(m.sharedModule(), m.weightMap(), {options.threads})
                 : compileLLVM(m.sharedModule(), m.weightMap(), options);
  EXPECT_TRUE(exe.isOk()) << exe.message();
  return exe ? std::move(*exe) : nullptr;
}

/// Whether two results agree: f32 within 1e-5 + 1e-4 |ref| (NaN where the
/// reference is NaN, the same infinity), other dtypes exactly.
inline ::testing::AssertionResult sameTensor(const Tensor &got, const Tensor &ref, double relative = 1e-4) {
  if (got.dtype() != ref.dtype() || got.shape() != ref.shape())
    return ::testing::AssertionFailure() << "type " << dtypeName(got.dtype()) << shapeToString(got.shape())
                                         << " vs " << dtypeName(ref.dtype()) << shapeToString(ref.shape());
  std::vector<double> g = valuesOf(got), r = valuesOf(ref);
  int failures = 0;
  ::testing::AssertionResult result = ::testing::AssertionSuccess();
  for (size_t i = 0; i < g.size(); ++i) {
    bool ok;
    if (ref.dtype() != DType::F32) ok = g[i] == r[i];
    else if (std::isnan(r[i])) ok = std::isnan(g[i]);
    else if (std::isinf(r[i])) ok = g[i] == r[i];
    else ok = std::abs(g[i] - r[i]) <= 1e-5 + relative * std::abs(r[i]);
    if (!ok && failures++ < 5) {
      if (failures == 1) result = ::testing::AssertionFailure();
      result << "\n  [" << i << "] = " << g[i] << ", reference " << r[i];
    }
  }
  if (failures > 5) result << "\n  ... " << failures << " elements differ";
  return result;
}

/// Whether two tensors are bitwise identical.
inline bool identical(const Tensor &a, const Tensor &b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), a.byteSize()) == 0;
}

/// Row `row` along axis `axis` of t (the batch axis), as a tensor whose
/// `axis` has size 1.
inline Tensor batchRow(const Tensor &t, int64_t row, int axis) {
  Shape shape = t.shape();
  int64_t outer = 1, inner = int64_t(dtypeSize(t.dtype())), rows = shape[size_t(axis)];
  for (int k = 0; k < axis; ++k) outer *= shape[size_t(k)];
  for (size_t k = size_t(axis) + 1; k < shape.size(); ++k) inner *= shape[k];
  shape[size_t(axis)] = 1;
  Tensor out(t.dtype(), shape);
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(static_cast<char *>(out.data()) + o * inner,
                static_cast<const char *>(t.data()) + (o * rows + row) * inner, size_t(inner));
  return out;
}

/// Runs `fn` on both executables; the results (or the error) must agree.
inline void expectSameResults(const Executable &reference, const Executable &tested,
                              const Inputs &inputs, const std::string &fn = "f") {
  auto expected = reference.run(fn, inputs.views());
  auto got = tested.run(fn, inputs.views());
  if (!expected) {
    ASSERT_FALSE(got.isOk()) << "the reference failed (" << expected.message() << ") but "
                             << tested.backendName() << " did not";
    EXPECT_EQ(got.message(), expected.message());
    return;
  }
  ASSERT_TRUE(got.isOk()) << got.message();
  ASSERT_EQ(got->size(), expected->size());
  const FunctionSignature *signature = reference.findFunction(fn);
  for (size_t i = 0; i < got->size(); ++i)
    EXPECT_TRUE(sameTensor((*got)[i], (*expected)[i])) << "result " << signature->results[i].name;
  // Every element of every result is written: runInto over buffers full of
  // 0xff bytes (NaN, -1) gives the same bytes as run.
  std::vector<Tensor> filled;
  NamedTensorViews outputs;
  for (size_t i = 0; i < got->size(); ++i) {
    filled.push_back(std::move(*Tensor::allocate((*got)[i].dtype(), (*got)[i].shape(), Tensor::Init::Uninitialized)));
    std::memset(filled.back().data(), 0xff, filled.back().byteSize());
    outputs.emplace_back(signature->results[i].name, filled.back().view());
  }
  Status into = tested.runInto(fn, inputs.views(), outputs);
  ASSERT_TRUE(into) << into.message();
  for (size_t i = 0; i < got->size(); ++i)
    EXPECT_TRUE(identical(filled[i], (*got)[i])) << "result " << signature->results[i].name
                                                 << " has elements runInto did not write";
}

} // namespace attn::llvmcg::testing
