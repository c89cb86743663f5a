// Interpreter fused attention ops (architecture.md) against a direct
// double-precision evaluation of their definitions.
#include "InterpTestSupport.h"

#include <cmath>

namespace attn::interp::testing {
namespace {

const Dim B = Dim::symbol("B"), T = Dim::symbol("T");
constexpr int64_t kB = 3, kT = 4, kD = 2, kA = 3;

// h[b, t, d] = 0.1 (b + 1) (t - 1.5) + 0.2 d
std::vector<double> hData() {
  std::vector<double> h;
  for (int b = 0; b < kB; ++b)
    for (int t = 0; t < kT; ++t)
      for (int d = 0; d < kD; ++d) h.push_back(0.1 * (b + 1) * (t - 1.5) + 0.2 * d);
  return h;
}
// Row 0 unmasked, row 1 keeps t = 1, 2, row 2 fully masked.
const std::vector<double> kMask = {1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0};

/// context and alpha from scores e [B, T] by the definition.
std::pair<std::vector<double>, std::vector<double>>
attendByDefinition(const std::vector<double> &e) {
  std::vector<double> h = hData(), context(kB * kD, 0.0), alpha(kB * kT, 0.0);
  for (int b = 0; b < kB; ++b) {
    double sum = 0;
    for (int t = 0; t < kT; ++t) sum += kMask[b * kT + t] ? std::exp(e[b * kT + t]) : 0.0;
    for (int t = 0; t < kT; ++t)
      alpha[b * kT + t] = kMask[b * kT + t] ? std::exp(e[b * kT + t]) / sum : 0.0;
    for (int d = 0; d < kD; ++d)
      for (int t = 0; t < kT; ++t)
        context[b * kD + d] += alpha[b * kT + t] * h[(b * kT + t) * kD + d];
  }
  return {context, alpha};
}

TEST(InterpAttention, AdditiveAttentionByDefinition) {
  std::vector<double> w = {0.5, -1, 0.3, 0.8, -0.7, 0.2}, bias = {0.1, -0.2, 0.05},
                      v = {1, 0.5, -2};
  ModelBuilder m;
  ir::Value *h = m.argument("h", DType::F32, {B, T, Dim(kD)});
  ir::Value *mask = m.argument("mask", DType::Bool, {B, T});
  auto r = m.node(OpKind::AdditiveAttention,
                  {h, m.weight("W", f32({kA, kD}, w)), m.weight("b", f32({kA}, bias)),
                   m.weight("v", f32({kA}, v)), mask});
  ASSERT_EQ(r.size(), 2u);
  m.result("context", r[0]), m.result("alpha", r[1]);
  auto exe = m.compile();
  Tensor hs = f32({kB, kT, kD}, hData()), masks = boolean({kB, kT}, kMask);
  auto y = runOk(*exe, {{"h", hs.view()}, {"mask", masks.view()}});
  ASSERT_EQ(y.size(), 2u);
  std::vector<double> hv = hData(), e;
  for (int bt = 0; bt < kB * kT; ++bt) {
    double score = 0;
    for (int a = 0; a < kA; ++a)
      score +=
          v[a] * std::tanh(w[a * kD] * hv[bt * kD] + w[a * kD + 1] * hv[bt * kD + 1] + bias[a]);
    e.push_back(score);
  }
  auto [context, alpha] = attendByDefinition(e);
  expectClose(valuesOf(y[0]), context);
  expectClose(valuesOf(y[1]), alpha);
  for (int i = 8; i < 12; ++i) EXPECT_EQ(valuesOf(y[1])[i], 0.0) << "fully masked row";
}

TEST(InterpAttention, DotAttentionByDefinition) {
  std::vector<double> q = {1, -1, 0.5, 2, -3, 0.25};
  ModelBuilder m;
  ir::Value *h = m.argument("h", DType::F32, {B, T, Dim(kD)});
  ir::Value *qs = m.argument("q", DType::F32, {B, Dim(kD)});
  ir::Value *mask = m.argument("mask", DType::Bool, {B, T});
  auto r = m.node(OpKind::DotAttention, {h, qs, mask});
  ASSERT_EQ(r.size(), 2u);
  m.result("context", r[0]), m.result("alpha", r[1]);
  auto exe = m.compile();
  Tensor hs = f32({kB, kT, kD}, hData()), qt = f32({kB, kD}, q), masks = boolean({kB, kT}, kMask);
  auto y = runOk(*exe, {{"h", hs.view()}, {"q", qt.view()}, {"mask", masks.view()}});
  ASSERT_EQ(y.size(), 2u);
  std::vector<double> hv = hData(), e;
  for (int b = 0; b < kB; ++b)
    for (int t = 0; t < kT; ++t)
      e.push_back(q[b * kD] * hv[(b * kT + t) * kD] + q[b * kD + 1] * hv[(b * kT + t) * kD + 1]);
  auto [context, alpha] = attendByDefinition(e);
  expectClose(valuesOf(y[0]), context);
  expectClose(valuesOf(y[1]), alpha);
  EXPECT_EQ(valuesOf(y[0])[4], 0.0); // fully masked row: context 0
  EXPECT_EQ(valuesOf(y[0])[5], 0.0);
}

TEST(InterpAttention, NoTimeStepsGivesZeroContext) {
  ModelBuilder m;
  ir::Value *h = m.argument("h", DType::F32, {B, T, Dim(kD)});
  ir::Value *q = m.argument("q", DType::F32, {B, Dim(kD)});
  auto r = m.node(OpKind::DotAttention, {h, q});
  m.result("context", r[0]), m.result("alpha", r[1]);
  auto exe = m.compile();
  Tensor hs(DType::F32, {2, 0, kD}), qs = f32({2, kD}, {1, 2, 3, 4});
  auto y = runOk(*exe, {{"h", hs.view()}, {"q", qs.view()}});
  ASSERT_EQ(y.size(), 2u);
  EXPECT_EQ(valuesOf(y[0]), std::vector<double>(4, 0.0));
  EXPECT_EQ(y[1].shape(), (Shape{2, 0}));
}

} // namespace
} // namespace attn::interp::testing
