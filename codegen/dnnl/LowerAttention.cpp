// The fused attention ops in the fewest primitives (architecture.md's
// semantics; codegen/interp/AttentionKernels.cpp is the reference):
//   additive_attention(h, W, b, v [, mask]): one matmul U = tanh(h W^T + b)
//     over the B*T rows of h (bias and tanh post-op, W reordered once), one
//     matmul e = U v;
//   dot_attention(h, q [, mask]): one batched matmul e = q h^T ([B, S, D] x
//     h read transposed through its strides);
// then the mask (the fill attribute's value at masked scores, or -inf and
// the masked weights set to exactly 0 afterwards, so a fully masked row is
// zeros), the softmax primitive over T, and a
// batched matmul context = alpha h ([B, S, T] x [B, T, D]).
#include "codegen/dnnl/Lowering.h"

#include <limits>

namespace attn::dnnlcg {

namespace {

using K = ir::OpKind;

/// The primitives of one call's shapes after the scores.
struct AttendPlan {
  Plan<dnnl::softmax_forward> softmax;
  Plan<dnnl::matmul> context;
  std::optional<Plan<dnnl::matmul>> scores; // dot_attention's
};

class AttentionKernel : public NodeKernel {
public:
  AttentionKernel(const ir::Node &node, const LowerContext &context)
      : fill_(node.attrs.Fill), plans_(context.shapesPerNode) {}

  KernelResult run(const KernelArgs &args, RunContext &context) const override {
    const TensorView &h = args.operand(0);
    int64_t B = h.shape[0], T = h.shape[1], D = h.shape[2], S = queriesPerRow(args);
    auto plan = plans_.get(shapeKey(args), [&] {
      dnnl::softmax_forward::desc softmax(dnnl::prop_kind::forward_inference, {{B * S, T}, DataType::f32, Tag::ab},
                                          1);
      auto weighted = matmulDesc(context.engine, {{B, S, T}, DataType::f32, Tag::abc},
                                 {{B, T, D}, DataType::f32, Tag::abc}, nullptr,
                                 {{B, S, D}, DataType::f32, Tag::abc}, std::nullopt);
      AttendPlan p{Plan<dnnl::softmax_forward>(primitiveDesc<dnnl::softmax_forward>(softmax, context.engine)),
                   Plan<dnnl::matmul>(weighted), std::nullopt};
      if (dot()) {
        // h^T [B, D, T]: h's own data, strides swapped.
        dnnl::memory::desc keys({B, D, T}, DataType::f32, Dims{T * D, 1, D});
        p.scores.emplace(matmulDesc(context.engine, {{B, S, D}, DataType::f32, Tag::abc}, keys, nullptr,
                                    {{B, S, T}, DataType::f32, Tag::abc}, std::nullopt));
      }
      return p;
    });
    float *scores = context.temporary(size_t(B * S * T));
    computeScores(args, context, plan->scores ? &*plan->scores : nullptr, scores);
    Tensor context_ = args.makeResult(0), alpha = args.makeResult(1);
    mask(args, B, S, T, scores);
    const TensorView *keep = fill_ ? nullptr : maskOf(args);
    const auto &softmax = plan->softmax;
    context.execute(softmax.primitive, softmax.pd,
                    {{DNNL_ARG_SRC, memoryOf(softmax.pd.src_desc(), context.engine, scores)},
                     {DNNL_ARG_DST, memoryOf(softmax.pd.dst_desc(), context.engine, alpha.data())}});
    // Masked positions exactly 0, whatever oneDNN's exp makes of -inf; so a
    // row with none kept (NaN from -inf everywhere) is all zeros.
    if (keep)
      for (int64_t r = 0; r < B * S; ++r)
        for (int64_t t = 0; t < T; ++t)
          if (!keep->as<uint8_t>()[(r / S) * T + t]) alpha.as<float>()[r * T + t] = 0.0f;
    nanRows(alpha.as<float>(), {B * S, T, 1},
            [&](int64_t e) { return !keep || keep->as<uint8_t>()[(e / T / S) * T + e % T]; });
    const auto &weighted = plan->context;
    context.execute(weighted.primitive, weighted.pd,
                    {{DNNL_ARG_SRC, memoryOf(weighted.pd.src_desc(), context.engine, alpha.data())},
                     {DNNL_ARG_WEIGHTS, memoryOf(weighted.pd.weights_desc(), context.engine, h.data)},
                     {DNNL_ARG_DST, memoryOf(weighted.pd.dst_desc(), context.engine, context_.data())}});
    return interp::results(std::move(context_), std::move(alpha));
  }

protected:
  virtual bool dot() const = 0;
  virtual int64_t queriesPerRow(const KernelArgs &args) const = 0;
  virtual const TensorView *maskOf(const KernelArgs &args) const = 0;
  /// scores [B*S, T]; `plan` is the scores matmul (dot_attention's).
  virtual void computeScores(const KernelArgs &args, RunContext &context, const Plan<dnnl::matmul> *plan,
                             float *scores) const = 0;

private:
  /// Applies the mask to `scores` [B*S, T] (query row r reads batch row
  /// r / S of the mask [B, T]): the fill where it is given (PyTorch's
  /// softmax then sees it as any other score), else -inf.
  void mask(const KernelArgs &args, int64_t B, int64_t S, int64_t T, float *scores) const {
    const TensorView *m = maskOf(args);
    if (!m) return;
    float masked = fill_ ? float(*fill_) : -std::numeric_limits<float>::infinity();
    for (int64_t r = 0; r < B * S; ++r)
      for (int64_t t = 0; t < T; ++t)
        if (!m->as<uint8_t>()[(r / S) * T + t]) scores[r * T + t] = masked;
  }

  std::optional<double> fill_;
  PlanCache<AttendPlan> plans_;
};

class AdditiveKernel final : public AttentionKernel {
public:
  AdditiveKernel(const ir::Node &node, const LowerContext &context, const TensorView &w, const TensorView &b,
                 const TensorView &v)
      : AttentionKernel(node, context), projection_(context, w, &b, Eltwise{dnnl::algorithm::eltwise_tanh}),
        score_(context, TensorView{DType::F32, {1, v.numElements()}, v.data}, nullptr, std::nullopt),
        A_(w.shape[0]) {}

private:
  bool dot() const override { return false; }
  int64_t queriesPerRow(const KernelArgs &) const override { return 1; }
  const TensorView *maskOf(const KernelArgs &args) const override {
    return args.operands.size() == 5 ? &args.operand(4) : nullptr;
  }
  void computeScores(const KernelArgs &args, RunContext &context, const Plan<dnnl::matmul> *,
                     float *scores) const override {
    const TensorView &h = args.operand(0);
    int64_t rows = h.shape[0] * h.shape[1];
    float *u = context.temporary(size_t(rows * A_));
    projection_.run(context, h.data, rows, u);
    score_.run(context, u, rows, scores);
  }

  WeightMatmul projection_, score_;
  int64_t A_;
};

class DotKernel final : public AttentionKernel {
public:
  using AttentionKernel::AttentionKernel;

private:
  bool dot() const override { return true; }
  int64_t queriesPerRow(const KernelArgs &args) const override {
    const Shape &q = args.operand(1).shape;
    return q.size() == 3 ? q[1] : 1;
  }
  const TensorView *maskOf(const KernelArgs &args) const override {
    return args.operands.size() == 3 ? &args.operand(2) : nullptr;
  }
  void computeScores(const KernelArgs &args, RunContext &context, const Plan<dnnl::matmul> *plan,
                     float *scores) const override {
    context.execute(plan->primitive, plan->pd,
                    {{DNNL_ARG_SRC, memoryOf(plan->pd.src_desc(), context.engine, args.operand(1).data)},
                     {DNNL_ARG_WEIGHTS, memoryOf(plan->pd.weights_desc(), context.engine, args.operand(0).data)},
                     {DNNL_ARG_DST, memoryOf(plan->pd.dst_desc(), context.engine, scores)}});
  }
};

} // namespace

KernelPtr lowerAttention(const ir::Node &node, const LowerContext &context) {
  if (node.op == K::DotAttention) return std::make_unique<DotKernel>(node, context);
  if (node.op != K::AdditiveAttention) return nullptr;
  const TensorView *w = context.weight(node.operand(1)), *b = context.weight(node.operand(2)),
                   *v = context.weight(node.operand(3));
  if (!w || !b || !v || w->numElements() == 0) return nullptr; // computed or empty: the loops
  return std::make_unique<AdditiveKernel>(node, context, *w, *b, *v);
}

} // namespace attn::dnnlcg
