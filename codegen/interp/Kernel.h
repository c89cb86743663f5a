// What the interpreter's kernels see and share: the arguments of one node
// evaluation, the kernel entry points by op group, and small helpers for
// element types, axes and broadcasting. Kernels are plain loops, written so
// that their correctness is obvious; every other backend is tested against them.
#pragma once

#include "codegen/common/InputBinding.h"
#include "ir/Graph.h"
#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <cassert>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace attn::interp {

/// Values of the symbolic dims for one call, bound from its inputs.
using DimBindings = codegen::DimBindings;

/// One node to evaluate: its operands' data and its result shapes, which the
/// evaluator has computed from the node's result types and the bindings.
struct KernelArgs {
  const ir::Node &node;
  std::vector<TensorView> operands;
  std::vector<Shape> resultShapes;
  const DimBindings &dims;

  const ir::Attrs &attrs() const { return node.attrs; }
  const TensorView &operand(size_t i) const { return operands[i]; }
  /// A zeroed tensor for result `i`, of the node's result dtype and shape.
  Tensor makeResult(size_t i) const { return Tensor(node.results[i]->type.dtype, resultShapes[i]); }
};

/// The node's results in order, or a user-facing error (the evaluator adds
/// the source location).
using KernelResult = Result<std::vector<Tensor>>;

KernelResult results(Tensor a);
KernelResult results(Tensor a, Tensor b);
KernelResult results(Tensor a, Tensor b, Tensor c);

/// Evaluates one node: the switch over every op (Dispatch.cpp).
KernelResult evaluateNode(const KernelArgs &args);

/// How a backend evaluates one node (evaluateNode, or a backend's own
/// kernels that fall back on it: codegen/dnnl/).
using NodeEvaluator = std::function<KernelResult(const KernelArgs &)>;

/// One call of `graph`: each node's result shapes checked and counted
/// against a budget of `maxMemory` bytes (0: physical memory), then
/// `evaluate`d in order; every result freshly allocated and each run-time
/// error prefixed with its node's "file:line:col: " (Interpreter.cpp).
Result<std::vector<Tensor>> evaluateGraph(const ir::Module &module, const ir::Graph &graph,
                                          const codegen::BoundInputs &bound,
                                          const std::unordered_map<const ir::Value *, TensorView> &weightViews,
                                          uint64_t maxMemory, const NodeEvaluator &evaluate);

// The element type behind a DType. Bool is read as bytes, nonzero meaning
// true, since a byte other than 0 or 1 read as `bool` is undefined behaviour.
template <typename F> decltype(auto) visitDType(DType dtype, F &&f) {
  switch (dtype) {
  case DType::F32: return f(float{});
  case DType::I64: return f(int64_t{});
  case DType::I32: return f(int32_t{});
  case DType::Bool: return f(uint8_t{});
  }
  assert(false && "unknown dtype");
  __builtin_unreachable();
}

/// As visitDType for the dtypes arithmetic accepts (the typing rules keep
/// bool out of arithmetic).
template <typename F> decltype(auto) visitNumeric(DType dtype, F &&f) {
  switch (dtype) {
  case DType::F32: return f(float{});
  case DType::I64: return f(int64_t{});
  case DType::I32: return f(int32_t{});
  case DType::Bool: break;
  }
  assert(false && "arithmetic on bool");
  __builtin_unreachable();
}

/// Index of element `index` of an integer tensor of dtype i32 or i64.
int64_t integerAt(const TensorView &view, int64_t index);

/// A shape seen as [outer, size, inner] around one axis; with no axis, the
/// whole tensor is the reduced extent: [1, numElements, 1].
struct AxisSplit {
  int64_t outer = 1, size = 1, inner = 1;
};
AxisSplit splitAxis(const Shape &shape, std::optional<int64_t> axis);

/// For each element of `out` (row-major), the offset of the element of a
/// tensor of shape `in` that NumPy broadcasting maps onto it.
std::vector<int64_t> broadcastOffsets(const Shape &in, const Shape &out);

/// Row-major multi-index of element `index` of `shape`.
Shape unravelIndex(int64_t index, const Shape &shape);

/// Softmax over y[k*stride] = x[k*stride], k < n, max-subtracted. Where
/// keep is given, only elements with keep[k*keepStride] != 0 take part and the
/// others get exactly 0; a row with none kept is all zeros.
void maskedSoftmax(const float *x, const uint8_t *keep, int64_t n, int64_t stride,
                   int64_t keepStride, float *y);

// Kernels, by file. Each implements exactly the typing rule of its op
// (ir/ShapeInference.cpp) with the semantics of the PyTorch function.

// ElementwiseKernels.cpp (mapNumeric and friends are in Elementwise.h).
KernelResult constantKernel(const KernelArgs &args);
KernelResult dimValueKernel(const KernelArgs &args);
KernelResult castKernel(const KernelArgs &args);
KernelResult divKernel(const KernelArgs &args);
KernelResult whereKernel(const KernelArgs &args);

// ReductionKernels.cpp
KernelResult sumKernel(const KernelArgs &args);
KernelResult meanKernel(const KernelArgs &args);
KernelResult maxKernel(const KernelArgs &args);
KernelResult argmaxKernel(const KernelArgs &args);
KernelResult softmaxKernel(const KernelArgs &args);
KernelResult logSoftmaxKernel(const KernelArgs &args);

// ShapeKernels.cpp
KernelResult transposeKernel(const KernelArgs &args);
KernelResult permuteKernel(const KernelArgs &args);
/// reshape, squeeze, unsqueeze: the same elements under the result's shape.
KernelResult reshapeKernel(const KernelArgs &args);
KernelResult concatKernel(const KernelArgs &args);
KernelResult sliceKernel(const KernelArgs &args);
KernelResult sequenceMaskKernel(const KernelArgs &args);

// LinearKernels.cpp
KernelResult matmulKernel(const KernelArgs &args);
KernelResult linearKernel(const KernelArgs &args);
KernelResult embeddingKernel(const KernelArgs &args);
KernelResult layerNormKernel(const KernelArgs &args);
KernelResult conv1dKernel(const KernelArgs &args);

// RecurrentKernels.cpp: lstm, gru and rnn.
KernelResult recurrentKernel(const KernelArgs &args);
/// [second, first, F] from x [first, second, F]: time-major data of a
/// batch-first sequence and back (the swap is its own inverse).
std::vector<float> swapLeadingAxes(const float *x, int64_t first, int64_t second, int64_t F);

// AttentionKernels.cpp
KernelResult additiveAttentionKernel(const KernelArgs &args);
KernelResult dotAttentionKernel(const KernelArgs &args);

// FusedKernels.cpp: the ops of the fuse-elementwise pass, evaluated step by
// step with the kernels of the ops they fuse.
KernelResult linearActKernel(const KernelArgs &args);
KernelResult fusedElementwiseKernel(const KernelArgs &args);

} // namespace attn::interp
