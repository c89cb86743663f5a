// The ops fuse-elementwise makes: their typing rules (ir/ShapeInference.cpp)
// and their interpreter kernels against a direct evaluation of the definition.
#include "../interp/InterpTestSupport.h"
#include "ir/ShapeInference.h"

#include <cmath>

namespace attn::interp::testing {
namespace {

const Dim B = Dim::symbol("B");

ir::ElementwiseStep step(OpKind op, std::vector<int32_t> operands, DType dtype = DType::F32) {
  return ir::ElementwiseStep{op, std::move(operands), dtype};
}

TEST(FusedOpTypes, LinearActTypesAsLinearWithAUnaryActivation) {
  ir::Attrs a;
  a.Activation = OpKind::Tanh;
  ir::Type x{DType::F32, {B, 4}}, w{DType::F32, {3, 4}}, b{DType::F32, {3}};
  auto r = ir::inferResultTypes(OpKind::LinearAct, {x, w, b}, a);
  ASSERT_TRUE(r.isOk()) << r.message();
  EXPECT_EQ(r->front(), (ir::Type{DType::F32, {B, 3}}));
  a.Activation = OpKind::Add;
  EXPECT_FALSE(ir::inferResultTypes(OpKind::LinearAct, {x, w, b}, a).isOk());
  a.Activation = OpKind::Cast;
  EXPECT_FALSE(ir::inferResultTypes(OpKind::LinearAct, {x, w}, a).isOk());
}

TEST(FusedOpTypes, FusedElementwiseTypesEachStepAndBroadcastsTheInputs) {
  ir::Attrs a;
  a.Body.numInputs = 2;
  a.Body.steps = {step(OpKind::Mul, {0, 1}), step(OpKind::Cast, {2}, DType::I64)};
  ir::Type x{DType::F32, {B, 1, 4}}, y{DType::F32, {3, 1}};
  auto r = ir::inferResultTypes(OpKind::FusedElementwise, {x, y}, a);
  ASSERT_TRUE(r.isOk()) << r.message();
  EXPECT_EQ(r->front(), (ir::Type{DType::I64, {B, 3, 4}}));

  a.Body.steps = {step(OpKind::Mul, {0, 2})}; // reads itself
  EXPECT_FALSE(ir::inferResultTypes(OpKind::FusedElementwise, {x, y}, a).isOk());
  a.Body.steps = {step(OpKind::Softmax, {0})};
  EXPECT_FALSE(ir::inferResultTypes(OpKind::FusedElementwise, {x, y}, a).isOk());
  a.Body.steps = {step(OpKind::Where, {0, 0, 1})}; // f32 condition
  EXPECT_FALSE(ir::inferResultTypes(OpKind::FusedElementwise, {x, y}, a).isOk());
  a.Body.steps = {step(OpKind::Tanh, {0})};
  a.Body.numInputs = 3;
  EXPECT_FALSE(ir::inferResultTypes(OpKind::FusedElementwise, {x, y}, a).isOk());
  a.Body.numInputs = 2;
  a.Body.steps.clear();
  EXPECT_FALSE(ir::inferResultTypes(OpKind::FusedElementwise, {x, y}, a).isOk());
}

TEST(FusedOpKernels, LinearActByDefinition) {
  std::vector<double> x = {1, -2, 0.5, 3, 0.25, -1}, w = {0.5, -1, 2, 0.1, 0.3, -0.4},
                      b = {0.2, -0.7};
  for (OpKind act : {OpKind::Tanh, OpKind::Relu, OpKind::Sigmoid}) {
    ModelBuilder m;
    ir::Value *xs = m.argument("x", DType::F32, {B, 3});
    ir::Attrs a;
    a.Activation = act;
    m.result("y", m.value(OpKind::LinearAct,
                          {xs, m.weight("w", f32({2, 3}, w)), m.weight("b", f32({2}, b))}, a));
    auto exe = m.compile();
    Tensor in = f32({2, 3}, x);
    auto y = runOk(*exe, {{"x", in.view()}});
    ASSERT_EQ(y.size(), 1u);
    std::vector<double> expected;
    for (int r = 0; r < 2; ++r)
      for (int o = 0; o < 2; ++o) {
        double s = b[o];
        for (int i = 0; i < 3; ++i)
          s += x[r * 3 + i] * w[o * 3 + i];
        expected.push_back(act == OpKind::Tanh   ? std::tanh(s)
                           : act == OpKind::Relu ? std::max(s, 0.0)
                                                 : 1 / (1 + std::exp(-s)));
      }
    expectClose(valuesOf(y[0]), expected);
  }
}

TEST(FusedOpKernels, FusedElementwiseByDefinitionWithBroadcastingAndCast) {
  // z = cast(exp(x * y) - x, i64) + n, x [B, 3], y [3], n i64 scalar... as a body.
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {B, 3});
  ir::Value *y = m.argument("y", DType::F32, {3});
  ir::Value *n = m.argument("n", DType::I64, {B, 1});
  ir::Attrs a;
  a.Body.numInputs = 3;
  a.Body.steps = {step(OpKind::Mul, {0, 1}), step(OpKind::Exp, {3}), step(OpKind::Sub, {4, 0}),
                  step(OpKind::Cast, {5}, DType::I64), step(OpKind::Add, {6, 2})};
  m.result("z", m.value(OpKind::FusedElementwise, {x, y, n}, a));
  auto exe = m.compile();
  std::vector<double> xv = {0.5, 1, 2, -1, 0.25, 1.5}, yv = {1, 2, -0.5}, nv = {10, -3};
  Tensor xt = f32({2, 3}, xv), yt = f32({3}, yv), nt = i64({2, 1}, nv);
  auto z = runOk(*exe, {{"x", xt.view()}, {"y", yt.view()}, {"n", nt.view()}});
  ASSERT_EQ(z.size(), 1u);
  std::vector<double> expected;
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) {
      float e = std::exp(float(xv[r * 3 + c]) * float(yv[c])) - float(xv[r * 3 + c]);
      expected.push_back(double(int64_t(std::trunc(e))) + nv[r]);
    }
  EXPECT_EQ(valuesOf(z[0]), expected);
}

TEST(FusedOpKernels, AnInputTheBodyDoesNotReachStillShapesTheResult) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {3});
  ir::Value *wide = m.argument("wide", DType::F32, {B, 3});
  ir::Attrs a;
  a.Body.numInputs = 2;
  a.Body.steps = {step(OpKind::Neg, {0})};
  m.result("z", m.value(OpKind::FusedElementwise, {x, wide}, a));
  auto exe = m.compile();
  Tensor xt = f32({3}, {1, 2, 3}), wt = f32({2, 3}, {0, 0, 0, 0, 0, 0});
  auto z = runOk(*exe, {{"x", xt.view()}, {"wide", wt.view()}});
  ASSERT_EQ(z.size(), 1u);
  EXPECT_EQ(valuesOf(z[0]), (std::vector<double>{-1, -2, -3, -1, -2, -3}));
}

} // namespace
} // namespace attn::interp::testing
