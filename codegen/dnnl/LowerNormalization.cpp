// Reductions and normalisations on f32 tensors, each over one axis seen as
// [outer, size, inner] (the whole tensor as [1, n, 1] when there is no axis):
//   sum, mean: the reduction primitive ([outer, 1, inner] results), or a
//     matmul by ones where oneDNN has only reference code; max runs
//     on the loops, since oneDNN's reduction_max drops a NaN that torch.max
//     propagates;
//   softmax: the softmax primitive. A mask (bool, broadcast to the scores)
//     becomes an additive -inf input (a copy of the scores with the masked
//     positions -inf); masked positions are set to exactly 0 afterwards and
//     a row with no position kept to all zeros, as in every backend; a row
//     with a NaN in it is NaN at every kept position, as PyTorch's;
//   log_softmax: the logsoftmax primitive;
//   layer_norm: layer_normalization over the trailing NormRank axes seen as
//     one, with the weight and bias as its scale and shift.
// argmax and integer reductions run on the loops.
#include "codegen/dnnl/Lowering.h"

#include <limits>

namespace attn::dnnlcg {

namespace {

using K = ir::OpKind;

/// x's shape around the node's axis, as oneDNN dims.
Dims axisDims(const TensorView &x, std::optional<int64_t> axis) {
  interp::AxisSplit s = interp::splitAxis(x.shape, axis);
  return {s.outer, s.size, s.inner};
}

/// A reduction for one shape: the reduction primitive where oneDNN has an
/// optimised one, else (its reference code, measured 50 times slower for
/// the middle axis of [32, 128, 128]) a matmul ones [1, K] x x [outer, K,
/// inner] with the mean's 1/K as an eltwise post-op.
struct ReductionPlan {
  std::optional<Plan<dnnl::reduction>> reduction;
  std::optional<Plan<dnnl::matmul>> matmul;
  std::vector<float> ones;
};

class ReductionKernel final : public NodeKernel {
public:
  ReductionKernel(dnnl::algorithm algorithm, const LowerContext &context)
      : algorithm_(algorithm), plans_(context.shapesPerNode) {}

  KernelResult run(const KernelArgs &args, RunContext &context) const override {
    Dims src = axisDims(args.operand(0), args.attrs().Axis);
    // oneDNN refuses a reduction that reduces nothing (an axis of size 1).
    if (src[1] == 1) return interp::evaluateNode(args);
    auto plan = plans_.get(src, [&] {
      ReductionPlan p;
      dnnl::memory::desc from(src, DataType::f32, Tag::abc), to({src[0], 1, src[2]}, DataType::f32, Tag::abc);
      auto pd = primitiveDesc<dnnl::reduction>(dnnl::reduction::desc(algorithm_, from, to, 0.0f, 0.0f), context.engine);
      if (std::string_view(pd.impl_info_str()).rfind("ref", 0) != 0) {
        p.reduction.emplace(pd);
        return p;
      }
      std::optional<Eltwise> scale;
      if (algorithm_ == dnnl::algorithm::reduction_mean)
        scale = Eltwise{dnnl::algorithm::eltwise_linear, 1.0f / float(src[1]), 0.0f};
      p.matmul.emplace(matmulDesc(context.engine, {{1, 1, src[1]}, DataType::f32, Tag::abc}, from, nullptr, to, scale));
      p.ones.assign(size_t(src[1]), 1.0f);
      return p;
    });
    Tensor y = args.makeResult(0);
    const void *x = args.operand(0).data;
    if (plan->reduction) {
      const auto &r = *plan->reduction;
      context.execute(r.primitive, r.pd,
                      {{DNNL_ARG_SRC, memoryOf(r.pd.src_desc(), context.engine, x)},
                       {DNNL_ARG_DST, memoryOf(r.pd.dst_desc(), context.engine, y.data())}});
    } else {
      const auto &m = *plan->matmul;
      context.execute(m.primitive, m.pd,
                      {{DNNL_ARG_SRC, memoryOf(m.pd.src_desc(), context.engine, plan->ones.data())},
                       {DNNL_ARG_WEIGHTS, memoryOf(m.pd.weights_desc(), context.engine, x)},
                       {DNNL_ARG_DST, memoryOf(m.pd.dst_desc(), context.engine, y.data())}});
    }
    return interp::results(std::move(y));
  }

private:
  dnnl::algorithm algorithm_;
  PlanCache<ReductionPlan> plans_;
};

/// softmax or log_softmax over axis 1 of [outer, size, inner].
template <typename Primitive> class SoftmaxKernel final : public NodeKernel {
public:
  explicit SoftmaxKernel(const LowerContext &context) : plans_(context.shapesPerNode) {}

  KernelResult run(const KernelArgs &args, RunContext &context) const override {
    const TensorView &x = args.operand(0);
    Dims dims = axisDims(x, args.attrs().Axis);
    auto plan = plans_.get(dims, [&] {
      typename Primitive::desc desc(dnnl::prop_kind::forward_inference, {dims, DataType::f32, Tag::abc}, 1);
      return Plan<Primitive>(primitiveDesc<Primitive>(desc, context.engine));
    });
    Tensor y = args.makeResult(0);
    std::vector<uint8_t> keep; // the mask at each score
    const void *scores = x.data;
    if (args.operands.size() == 2) {
      const uint8_t *mask = args.operand(1).as<uint8_t>();
      for (int64_t offset : interp::broadcastOffsets(args.operand(1).shape, x.shape)) keep.push_back(mask[offset]);
      float *masked = context.temporary(keep.size());
      for (size_t e = 0; e < keep.size(); ++e)
        masked[e] = keep[e] ? x.as<float>()[e] : -std::numeric_limits<float>::infinity();
      scores = masked;
    }
    context.execute(plan->primitive, plan->pd,
                    {{DNNL_ARG_SRC, memoryOf(plan->pd.src_desc(), context.engine, scores)},
                     {DNNL_ARG_DST, memoryOf(plan->pd.dst_desc(), context.engine, y.data())}});
    if (!keep.empty()) zeroMasked(keep, y.as<float>());
    nanRows(y.as<float>(), dims, [&](int64_t e) { return keep.empty() || keep[size_t(e)]; });
    return interp::results(std::move(y));
  }

private:
  /// Masked positions are exactly 0, whatever oneDNN's exp makes of -inf;
  /// so a row with no position kept (NaN from -inf everywhere) is all zeros.
  static void zeroMasked(const std::vector<uint8_t> &keep, float *y) {
    for (size_t e = 0; e < keep.size(); ++e)
      if (!keep[e]) y[e] = 0.0f;
  }

  PlanCache<Plan<Primitive>> plans_;
};

class LayerNormKernel final : public NodeKernel {
public:
  LayerNormKernel(const ir::Node &node, const LowerContext &context)
      : eps_(float(node.attrs.Eps)), rank_(node.attrs.NormRank), scale_(node.numOperands() > 1),
        shift_(node.numOperands() > 2), plans_(context.shapesPerNode) {}

  KernelResult run(const KernelArgs &args, RunContext &context) const override {
    const TensorView &x = args.operand(0);
    int64_t n = numElements(std::span(x.shape).last(size_t(rank_)));
    Dims dims = {x.numElements() / n, n};
    auto plan = plans_.get(dims, [&] {
      auto flags = dnnl::normalization_flags::none;
      if (scale_) flags |= dnnl::normalization_flags::use_scale;
      if (shift_) flags |= dnnl::normalization_flags::use_shift;
      dnnl::layer_normalization_forward::desc desc(dnnl::prop_kind::forward_inference,
                                                   {dims, DataType::f32, Tag::ab}, eps_, flags);
      return Plan<dnnl::layer_normalization_forward>(
          primitiveDesc<dnnl::layer_normalization_forward>(desc, context.engine));
    });
    Tensor y = args.makeResult(0);
    std::unordered_map<int, dnnl::memory> memories = {
        {DNNL_ARG_SRC, memoryOf(plan->pd.src_desc(), context.engine, x.data)},
        {DNNL_ARG_DST, memoryOf(plan->pd.dst_desc(), context.engine, y.data())}};
    dnnl::memory::desc channels({n}, DataType::f32, Tag::a);
    if (scale_) memories.emplace(DNNL_ARG_SCALE, memoryOf(channels, context.engine, args.operand(1).data));
    if (shift_) memories.emplace(DNNL_ARG_SHIFT, memoryOf(channels, context.engine, args.operand(2).data));
    context.execute(plan->primitive, plan->pd, std::move(memories));
    return interp::results(std::move(y));
  }

private:
  float eps_;
  int64_t rank_;
  bool scale_, shift_;
  PlanCache<Plan<dnnl::layer_normalization_forward>> plans_;
};

} // namespace

KernelPtr lowerNormalization(const ir::Node &node, const LowerContext &context) {
  if (node.operand(0)->type.dtype != DType::F32 || node.results[0]->type.dtype != DType::F32) return nullptr;
  using A = dnnl::algorithm;
  if (node.op == K::Sum) return std::make_unique<ReductionKernel>(A::reduction_sum, context);
  if (node.op == K::Mean) return std::make_unique<ReductionKernel>(A::reduction_mean, context);
  if (node.op == K::Softmax) return std::make_unique<SoftmaxKernel<dnnl::softmax_forward>>(context);
  if (node.op == K::LogSoftmax) return std::make_unique<SoftmaxKernel<dnnl::logsoftmax_forward>>(context);
  if (node.op == K::LayerNorm) return std::make_unique<LayerNormKernel>(node, context);
  return nullptr;
}

} // namespace attn::dnnlcg
