// Interpreter kernels for the simple layers: linear, embedding, layer_norm.
#include "InterpTestSupport.h"

#include <cmath>

namespace attn::interp::testing {
namespace {

const Dim B = Dim::symbol("B"), T = Dim::symbol("T");

TEST(InterpLayer, LinearWithAndWithoutBias) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(3)});
  ir::Value *w = m.weight("fc.weight", f32({2, 3}, {1, 0, -1, 0.5, 0.5, 0.5}));
  ir::Value *b = m.weight("fc.bias", f32({2}, {10, 20}));
  m.result("y", m.value(OpKind::Linear, {x, w, b}));
  m.result("noBias", m.value(OpKind::Linear, {x, w}));
  auto exe = m.compile();
  Tensor xs = f32({1, 2, 3}, {1, 2, 3, 4, 6, 8});
  auto r = runOk(*exe, {{"x", xs.view()}});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].shape(), (Shape{1, 2, 2}));
  expectClose(valuesOf(r[0]), {1 - 3 + 10, 3 + 20, 4 - 8 + 10, 9 + 20});
  expectClose(valuesOf(r[1]), {-2, 3, -4, 9});
}

TEST(InterpLayer, EmbeddingLooksUpRows) {
  ModelBuilder m;
  ir::Value *ids = m.argument("ids", DType::I64, {B, T});
  ir::Value *ids32 = m.argument("ids32", DType::I32, {Dim(2)});
  ir::Value *table = m.weight("embedding.weight", f32({3, 2}, {0, 1, 10, 11, 20, 21}));
  m.result("y", m.value(OpKind::Embedding, {ids, table}));
  m.result("y32", m.value(OpKind::Embedding, {ids32, table}));
  auto exe = m.compile();
  Tensor is = i64({2, 2}, {2, 0, 1, 1}), is32 = makeTensor(DType::I32, {2}, {1, 2});
  auto r = runOk(*exe, {{"ids", is.view()}, {"ids32", is32.view()}});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(valuesOf(r[0]), (std::vector<double>{20, 21, 0, 1, 10, 11, 10, 11}));
  EXPECT_EQ(valuesOf(r[1]), (std::vector<double>{10, 11, 20, 21}));
}

TEST(InterpLayer, EmbeddingRejectsOutOfRangeIds) {
  ModelBuilder m;
  ir::Value *ids = m.argument("ids", DType::I64, {B, T});
  m.result("y",
           m.value(OpKind::Embedding, {ids, m.weight("e.weight", Tensor(DType::F32, {8000, 2}))}));
  auto exe = m.compile();
  Tensor big = i64({2, 4}, {0, 1, 2, 3, 4, 5, 6, 9001});
  big.as<int64_t>()[6] = 9001;
  auto r = exe->run("f", {{"ids", big.view()}});
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.message(), "embedding: token id 9001 at position [1, 2] is out of range [0, 8000)");
  Tensor negative = i64({1, 1}, {-1});
  r = exe->run("f", {{"ids", negative.view()}});
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.message(), "embedding: token id -1 at position [0, 0] is out of range [0, 8000)");
}

TEST(InterpLayer, RunTimeErrorsCarryTheSourceLocation) {
  ModelBuilder m;
  m.module().fileName = "model.attn";
  ir::Value *ids = m.argument("ids", DType::I64, {T});
  ir::Value *table = m.weight("e.weight", Tensor(DType::F32, {4, 2}));
  ir::Builder builder(m.graph());
  auto y = builder.createValue(OpKind::Embedding, {ids, table}, {}, ir::SourceLoc{12, 7});
  ASSERT_TRUE(y.isOk()) << y.message();
  m.result("y", *y);
  auto exe = m.compile();
  Tensor bad = i64({1}, {4});
  auto r = exe->run("f", {{"ids", bad.view()}});
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.message(),
            "model.attn:12:7: embedding: token id 4 at position [0] is out of range [0, 4)");
}

TEST(InterpLayer, LayerNormUsesTheBiasedVariance) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {Dim(2), Dim(4)});
  ir::Value *w = m.weight("ln.weight", f32({4}, {1, 2, 1, 1}));
  ir::Value *b = m.weight("ln.bias", f32({4}, {0, 0, 0, 1}));
  ir::Attrs a;
  a.NormRank = 1, a.Eps = 1e-5;
  m.result("y", m.value(OpKind::LayerNorm, {x, w, b}, a));
  m.result("plain", m.value(OpKind::LayerNorm, {x}, a));
  ir::Attrs both = a;
  both.NormRank = 2;
  m.result("all", m.value(OpKind::LayerNorm, {x}, both));
  auto exe = m.compile();
  Tensor xs = f32({2, 4}, {1, 2, 3, 4, 2, 2, 2, 2});
  auto r = runOk(*exe, {{"x", xs.view()}});
  ASSERT_EQ(r.size(), 3u);
  double s = 1 / std::sqrt(1.25 + 1e-5); // row 1: mean 2.5, biased variance 1.25
  expectClose(valuesOf(r[0]), {-1.5 * s, -0.5 * s * 2, 0.5 * s, 1.5 * s + 1, 0, 0, 0, 1});
  expectClose(valuesOf(r[1]), {-1.5 * s, -0.5 * s, 0.5 * s, 1.5 * s, 0, 0, 0, 0});
  // Over both axes: mean 2.25, variance (1.5625 + 0.0625 + 0.5625 + 3.0625 + 4*0.0625)/8.
  double allScale = 1 / std::sqrt(5.5 / 8 + 1e-5);
  std::vector<double> expected;
  for (double v : {1, 2, 3, 4, 2, 2, 2, 2}) expected.push_back((v - 2.25) * allScale);
  expectClose(valuesOf(r[2]), expected);
}

} // namespace
} // namespace attn::interp::testing
