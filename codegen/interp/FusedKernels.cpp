// The ops made by the fuse-elementwise pass, evaluated the unfused way: each
// step by the kernel of the op it fuses, so fused and unfused programs agree
// bit for bit on the interpreter.
//   linear_act(x, W [, b]) {activation = f}: f(linear(x, W [, b]))
//   fused_elementwise(in0, in1, ...) {body = [t0 = op(...); ...]}: each step
//   on its operands' broadcast shape, the last broadcast to the result shape.
#include "codegen/interp/Kernel.h"
#include "ir/ShapeInference.h"

#include <cstring>

namespace attn::interp {

namespace {

Shape broadcastShape(const Shape &a, const Shape &b) {
  size_t n = std::max(a.size(), b.size());
  Shape r(n, 1);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    r[i] = da == 1 ? db : da;
  }
  return r;
}

/// Elementwise `op` on `operands` by its own kernel (a node made up for the
/// call), the result in the operands' broadcast shape.
Result<Tensor> applyElementwise(ir::OpKind op, DType castTo,
                                const std::vector<TensorView> &operands, const DimBindings &dims) {
  std::vector<ir::Type> scalarTypes;
  Shape shape;
  for (const TensorView &v : operands) {
    scalarTypes.push_back(ir::Type{v.dtype, {}});
    shape = broadcastShape(shape, v.shape);
  }
  ir::Node node;
  node.op = op;
  node.attrs.DType = castTo;
  auto types = ir::inferResultTypes(op, scalarTypes, node.attrs);
  assert(types && "the verifier checked every step's types");
  ir::Value result;
  result.kind = ir::Value::Kind::NodeResult;
  result.type = types->front();
  result.def = &node;
  node.results.push_back(&result);
  KernelArgs args{node, operands, {shape}, dims};
  KernelResult r = evaluateNode(args);
  if (!r) return r.status();
  return std::move(r->front());
}

} // namespace

KernelResult linearActKernel(const KernelArgs &args) {
  KernelResult linear = linearKernel(args);
  if (!linear) return linear;
  auto y =
      applyElementwise(args.attrs().Activation, DType::F32, {linear->front().view()}, args.dims);
  if (!y) return y.status();
  return results(std::move(*y));
}

KernelResult fusedElementwiseKernel(const KernelArgs &args) {
  const ir::ElementwiseBody &body = args.attrs().Body;
  std::vector<TensorView> values = args.operands; // inputs, then each step's result
  std::vector<Tensor> storage; // moving a Tensor keeps its data, so views stay valid
  for (const ir::ElementwiseStep &step : body.steps) {
    std::vector<TensorView> operands;
    for (int32_t k : step.operands)
      operands.push_back(values[size_t(k)]);
    auto t = applyElementwise(step.op, step.dtype, operands, args.dims);
    if (!t) return t.status();
    storage.push_back(std::move(*t));
    values.push_back(storage.back().view());
  }
  Tensor y = args.makeResult(0);
  const TensorView &last = values.back();
  std::vector<int64_t> at = broadcastOffsets(last.shape, y.shape());
  size_t bytes = dtypeSize(y.dtype());
  for (int64_t i = 0; i < y.numElements(); ++i)
    std::memcpy(static_cast<std::byte *>(y.data()) + size_t(i) * bytes,
                static_cast<const std::byte *>(last.data) + size_t(at[i]) * bytes, bytes);
  return results(std::move(y));
}

} // namespace attn::interp
