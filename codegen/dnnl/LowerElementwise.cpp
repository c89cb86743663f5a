// Elementwise ops on f32 tensors.
//   the T_ACTIVATION ops (tanh, sigmoid, relu, exp, log, sqrt, abs, neg,
//     gelu): the eltwise primitive over the flat tensor, one per size;
//   add, sub, mul, div, maximum, minimum: the binary primitive, whose second
//     operand may broadcast to the first's shape (the result's): an operand
//     pair where only the first broadcasts is swapped when the op commutes;
//     otherwise, and for the comparisons, where, casts and bitwise ops, the
//     loops.
#include "codegen/dnnl/Lowering.h"

namespace attn::dnnlcg {

namespace {

using K = ir::OpKind;

class EltwiseKernel final : public NodeKernel {
public:
  EltwiseKernel(Eltwise eltwise, const LowerContext &context) : eltwise_(eltwise), plans_(context.shapesPerNode) {}

  KernelResult run(const KernelArgs &args, RunContext &context) const override {
    int64_t n = args.operand(0).numElements();
    auto plan = plans_.get({n}, [&] {
      dnnl::memory::desc flat({n}, DataType::f32, Tag::a);
      dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, eltwise_.algorithm, flat, eltwise_.alpha,
                                       eltwise_.beta);
      return Plan<dnnl::eltwise_forward>(primitiveDesc<dnnl::eltwise_forward>(desc, context.engine));
    });
    Tensor y = args.makeResult(0);
    context.execute(plan->primitive, plan->pd,
                    {{DNNL_ARG_SRC, memoryOf(plan->pd.src_desc(), context.engine, args.operand(0).data)},
                     {DNNL_ARG_DST, memoryOf(plan->pd.dst_desc(), context.engine, y.data())}});
    return interp::results(std::move(y));
  }

private:
  Eltwise eltwise_;
  PlanCache<Plan<dnnl::eltwise_forward>> plans_;
};

/// `shape` with leading 1s up to `rank`.
Shape padded(Shape shape, size_t rank) {
  shape.insert(shape.begin(), rank - shape.size(), 1);
  return shape;
}

class BinaryKernel final : public NodeKernel {
public:
  BinaryKernel(dnnl::algorithm algorithm, bool commutes, const LowerContext &context)
      : algorithm_(algorithm), commutes_(commutes), plans_(context.shapesPerNode) {}

  KernelResult run(const KernelArgs &args, RunContext &context) const override {
    const Shape &out = args.resultShapes[0];
    Shape a = padded(args.operand(0).shape, out.size()), b = padded(args.operand(1).shape, out.size());
    bool swapped = a != out;
    if (swapped && (!commutes_ || b != out)) return interp::evaluateNode(args); // both broadcast
    auto plan = plans_.get(shapeKey(args), [&] {
      const Shape &first = swapped ? b : a, &second = swapped ? a : b;
      dnnl::binary::desc desc(algorithm_, plainDesc(first), plainDesc(second), plainDesc(out));
      return Plan<dnnl::binary>(primitiveDesc<dnnl::binary>(desc, context.engine));
    });
    // The key (the operand shapes) decides `swapped`.
    const void *src0 = args.operand(swapped ? 1 : 0).data, *src1 = args.operand(swapped ? 0 : 1).data;
    Tensor y = args.makeResult(0);
    context.execute(plan->primitive, plan->pd,
                    {{DNNL_ARG_SRC_0, memoryOf(plan->pd.src_desc(0), context.engine, src0)},
                     {DNNL_ARG_SRC_1, memoryOf(plan->pd.src_desc(1), context.engine, src1)},
                     {DNNL_ARG_DST, memoryOf(plan->pd.dst_desc(), context.engine, y.data())}});
    return interp::results(std::move(y));
  }

private:
  dnnl::algorithm algorithm_;
  bool commutes_;
  PlanCache<Plan<dnnl::binary>> plans_;
};

} // namespace

KernelPtr lowerElementwise(const ir::Node &node, const LowerContext &context) {
  if (!allOf(node, DType::F32)) return nullptr;
  if (ir::hasTrait(node.op, ir::T_ACTIVATION))
    if (auto eltwise = eltwiseFor(node.op)) return std::make_unique<EltwiseKernel>(*eltwise, context);
  using A = dnnl::algorithm;
  static const std::pair<K, A> binaries[] = {{K::Add, A::binary_add}, {K::Sub, A::binary_sub},
                                             {K::Mul, A::binary_mul}, {K::Div, A::binary_div},
                                             {K::Maximum, A::binary_max}, {K::Minimum, A::binary_min}};
  for (const auto &[kind, algorithm] : binaries)
    if (node.op == kind) {
      if (node.results[0]->type.shape.size() > DNNL_MAX_NDIMS) return nullptr;
      return std::make_unique<BinaryKernel>(algorithm, ir::hasTrait(kind, ir::T_COMMUTATIVE), context);
    }
  return nullptr;
}

} // namespace attn::dnnlcg
