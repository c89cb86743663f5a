// linear, linear_act and matmul on oneDNN's matmul primitive.
//   linear(x, W [, b]) {activation}: x seen as [M, K] (M the product of its
//     leading axes), W [N, K] read transposed as [K, N] and reordered once
//     into the layout the primitives ask for; the bias and the activation
//     (linear_act) are the primitive's bias and eltwise post-op. One
//     primitive per M (WeightMatmul).
//   matmul(a, b) (f32): torch.matmul's shapes (a 1-D operand as a row or a
//     column, the batch axes broadcast, as oneDNN's matmul does), one
//     primitive per distinct pair of shapes.
#include "codegen/dnnl/Lowering.h"

namespace attn::dnnlcg {

namespace {

using K = ir::OpKind;

class LinearKernel final : public NodeKernel {
public:
  LinearKernel(const ir::Node &node, const LowerContext &context, const TensorView &weight, const TensorView *bias)
      : matmul_(context, weight, bias,
                node.op == K::LinearAct ? eltwiseFor(node.attrs.Activation) : std::nullopt) {}

  KernelResult run(const KernelArgs &args, RunContext &context) const override {
    const TensorView &x = args.operand(0);
    Tensor y = args.makeResult(0);
    matmul_.run(context, x.data, x.numElements() / matmul_.inputs(), y.data());
    return interp::results(std::move(y));
  }

private:
  WeightMatmul matmul_;
};

/// torch.matmul's operand shapes as oneDNN's: the same rank, a vector made
/// a row (a) or a column (b), missing batch axes 1.
struct MatmulShapes {
  Dims a, b, dst;
};

MatmulShapes matmulShapes(Shape a, Shape b) {
  if (a.size() == 1) a.insert(a.begin(), 1);
  if (b.size() == 1) b.push_back(1);
  size_t rank = std::max(a.size(), b.size());
  a.insert(a.begin(), rank - a.size(), 1);
  b.insert(b.begin(), rank - b.size(), 1);
  Dims dst(rank);
  for (size_t i = 0; i + 2 < rank; ++i) dst[i] = a[i] == 1 ? b[i] : a[i];
  dst[rank - 2] = a[rank - 2];
  dst[rank - 1] = b[rank - 1];
  return {a, b, dst};
}

class MatMulKernel final : public NodeKernel {
public:
  explicit MatMulKernel(const LowerContext &context) : plans_(context.shapesPerNode) {}

  KernelResult run(const KernelArgs &args, RunContext &context) const override {
    auto plan = plans_.get(shapeKey(args), [&] {
      MatmulShapes s = matmulShapes(args.operand(0).shape, args.operand(1).shape);
      auto pd = matmulDesc(context.engine, plainDesc(s.a), plainDesc(s.b), nullptr, plainDesc(s.dst), std::nullopt);
      return Plan<dnnl::matmul>(pd);
    });
    Tensor y = args.makeResult(0);
    context.execute(plan->primitive, plan->pd,
                    {{DNNL_ARG_SRC, memoryOf(plan->pd.src_desc(), context.engine, args.operand(0).data)},
                     {DNNL_ARG_WEIGHTS, memoryOf(plan->pd.weights_desc(), context.engine, args.operand(1).data)},
                     {DNNL_ARG_DST, memoryOf(plan->pd.dst_desc(), context.engine, y.data())}});
    return interp::results(std::move(y));
  }

private:
  PlanCache<Plan<dnnl::matmul>> plans_;
};

} // namespace

dnnl::matmul::primitive_desc matmulDesc(const dnnl::engine &engine, const dnnl::memory::desc &src,
                                        const dnnl::memory::desc &weights, const dnnl::memory::desc *bias,
                                        const dnnl::memory::desc &dst, std::optional<Eltwise> post) {
  dnnl::primitive_attr attr;
  if (post) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.0f, post->algorithm, post->alpha, post->beta);
    attr.set_post_ops(ops);
  }
  auto desc = bias ? dnnl::matmul::desc(src, weights, *bias, dst) : dnnl::matmul::desc(src, weights, dst);
  return primitiveDesc<dnnl::matmul>(desc, engine, attr);
}

WeightMatmul::WeightMatmul(const LowerContext &context, const TensorView &weight, const TensorView *bias,
                           std::optional<Eltwise> post)
    : N_(weight.shape[0]), K_(weight.shape[1]), bias_(bias), post_(post),
      weights_({{K_, N_}, DataType::f32, Tag::ba}, weight.data), plans_(context.shapesPerNode) {}

void WeightMatmul::run(RunContext &context, const void *x, int64_t M, void *y) const {
  dnnl::memory::desc biasDesc({1, N_}, DataType::f32, Tag::ab);
  auto rows = plans_.get({M}, [&] {
    auto pd = matmulDesc(context.engine, {{M, K_}, DataType::f32, Tag::ab}, {{K_, N_}, DataType::f32, Tag::any},
                         bias_ ? &biasDesc : nullptr, {{M, N_}, DataType::f32, Tag::ab}, post_);
    return ForRows(pd, weights_.get(pd.weights_desc(), context.engine));
  });
  const dnnl::matmul::primitive_desc &pd = rows->plan.pd;
  std::unordered_map<int, dnnl::memory> memories = {{DNNL_ARG_SRC, memoryOf(pd.src_desc(), context.engine, x)},
                                                    {DNNL_ARG_WEIGHTS, rows->weights},
                                                    {DNNL_ARG_DST, memoryOf(pd.dst_desc(), context.engine, y)}};
  if (bias_) memories.emplace(DNNL_ARG_BIAS, memoryOf(biasDesc, context.engine, bias_->data));
  context.execute(rows->plan.primitive, pd, std::move(memories));
}

KernelPtr lowerLinear(const ir::Node &node, const LowerContext &context) {
  if (!allOf(node, DType::F32)) return nullptr;
  if (node.op == K::MatMul) {
    // oneDNN's matmul takes at most DNNL_MAX_NDIMS axes.
    for (const ir::Value *v : node.operands())
      if (v->type.shape.size() + 1 > DNNL_MAX_NDIMS) return nullptr;
    return std::make_unique<MatMulKernel>(context);
  }
  if (node.op != K::Linear && node.op != K::LinearAct) return nullptr;
  const TensorView *weight = context.weight(node.operand(1));
  const TensorView *bias = node.numOperands() == 3 ? context.weight(node.operand(2)) : nullptr;
  if (!weight || (node.numOperands() == 3 && !bias)) return nullptr; // a computed weight: the loops
  if (weight->numElements() == 0) return nullptr;                      // nothing to multiply
  if (node.op == K::LinearAct && !eltwiseFor(node.attrs.Activation)) return nullptr;
  return std::make_unique<LinearKernel>(node, context, *weight, bias);
}

} // namespace attn::dnnlcg
