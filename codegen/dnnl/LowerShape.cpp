// Data movement on oneDNN: transpose and permute are a reorder from the
// operand read with permuted strides, concat the concat primitive. Both
// only move bytes, so every dtype is seen as u8 with one more, innermost,
// axis of the element's size. reshape, squeeze, unsqueeze, slice and
// sequence_mask run on the loops.
#include "codegen/dnnl/Lowering.h"

namespace attn::dnnlcg {

namespace {

using K = ir::OpKind;

/// `shape` + [bytes per element], as u8.
Dims byteDims(Shape shape, DType dtype) {
  shape.push_back(int64_t(dtypeSize(dtype)));
  return shape;
}

dnnl::memory::desc byteDesc(const Shape &shape, DType dtype) { return plainDesc(byteDims(shape, dtype), DataType::u8); }

class PermuteKernel final : public NodeKernel {
public:
  PermuteKernel(std::vector<int64_t> perm, const LowerContext &context)
      : perm_(std::move(perm)), plans_(context.shapesPerNode) {}

  KernelResult run(const KernelArgs &args, RunContext &context) const override {
    const TensorView &x = args.operand(0);
    const Shape &out = args.resultShapes[0];
    auto plan = plans_.get(shapeKey(args), [&] {
      // The operand's strides (in bytes, the element axis last), taken in
      // the result's axis order.
      Dims inStrides = rowMajorStrides(byteDims(x.shape, x.dtype)), strides(inStrides.size());
      for (size_t k = 0; k < perm_.size(); ++k) strides[k] = inStrides[size_t(perm_[k])];
      strides.back() = 1;
      dnnl::memory::desc from(byteDims(out, x.dtype), DataType::u8, strides);
      dnnl::reorder::primitive_desc pd(context.engine, from, context.engine, byteDesc(out, x.dtype),
                                       userScratchpad());
      return Plan<dnnl::reorder>(pd);
    });
    Tensor y = args.makeResult(0);
    context.execute(plan->primitive, plan->pd,
                    {{DNNL_ARG_FROM, memoryOf(plan->pd.src_desc(), context.engine, x.data)},
                     {DNNL_ARG_TO, memoryOf(plan->pd.dst_desc(), context.engine, y.data())}});
    return interp::results(std::move(y));
  }

private:
  std::vector<int64_t> perm_;
  PlanCache<Plan<dnnl::reorder>> plans_;
};

class ConcatKernel final : public NodeKernel {
public:
  ConcatKernel(int64_t axis, const LowerContext &context) : axis_(axis), plans_(context.shapesPerNode) {}

  KernelResult run(const KernelArgs &args, RunContext &context) const override {
    auto plan = plans_.get(shapeKey(args), [&] {
      std::vector<dnnl::memory::desc> sources;
      for (const TensorView &v : args.operands) sources.push_back(byteDesc(v.shape, v.dtype));
      dnnl::concat::primitive_desc pd(byteDesc(args.resultShapes[0], args.operand(0).dtype), int(axis_), sources,
                                      context.engine, userScratchpad());
      return Plan<dnnl::concat>(pd);
    });
    Tensor y = args.makeResult(0);
    std::unordered_map<int, dnnl::memory> memories = {
        {DNNL_ARG_DST, memoryOf(plan->pd.dst_desc(), context.engine, y.data())}};
    for (size_t i = 0; i < args.operands.size(); ++i)
      memories.emplace(DNNL_ARG_MULTIPLE_SRC + int(i),
                       memoryOf(plan->pd.src_desc(int(i)), context.engine, args.operand(i).data));
    context.execute(plan->primitive, plan->pd, std::move(memories));
    return interp::results(std::move(y));
  }

private:
  int64_t axis_;
  PlanCache<Plan<dnnl::concat>> plans_;
};

} // namespace

KernelPtr lowerShape(const ir::Node &node, const LowerContext &context) {
  size_t rank = node.results[0]->type.shape.size();
  if (rank + 1 > DNNL_MAX_NDIMS) return nullptr;
  if (node.op == K::Transpose) {
    std::vector<int64_t> perm(rank);
    for (size_t k = 0; k < rank; ++k) perm[k] = int64_t(k);
    std::swap(perm[size_t(*node.attrs.Axis)], perm[size_t(node.attrs.Axis2)]);
    return std::make_unique<PermuteKernel>(std::move(perm), context);
  }
  if (node.op == K::Permute) return std::make_unique<PermuteKernel>(node.attrs.Perm, context);
  if (node.op == K::Concat) return std::make_unique<ConcatKernel>(*node.attrs.Axis, context);
  return nullptr;
}

} // namespace attn::dnnlcg
