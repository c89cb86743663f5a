// Interpreter kernels for reductions, softmax and log_softmax, against
// hand-computed values.
#include "InterpTestSupport.h"

#include <cmath>
#include <limits>

namespace attn::interp::testing {
namespace {

// x = [[[1, 5], [3, -2], [0, 4]], [[2, 2], [-1, 7], [6, 0]]] : [2, 3, 2]
Tensor cube() { return f32({2, 3, 2}, {1, 5, 3, -2, 0, 4, 2, 2, -1, 7, 6, 0}); }

TEST(InterpReduction, SumMeanMaxArgmaxOverEachAxis) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {Dim(2), Dim(3), Dim(2)});
  m.result("sum1", m.value(OpKind::Sum, {x}, axisAttrs(1)));
  m.result("mean0", m.value(OpKind::Mean, {x}, axisAttrs(0)));
  m.result("max2", m.value(OpKind::Max, {x}, axisAttrs(2, true)));
  m.result("argmax1", m.value(OpKind::Argmax, {x}, axisAttrs(1)));
  auto exe = m.compile();
  Tensor input = cube();
  auto r = runOk(*exe, {{"x", input.view()}});
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].shape(), (Shape{2, 2}));
  expectClose(valuesOf(r[0]), {4, 7, 7, 9});
  EXPECT_EQ(r[1].shape(), (Shape{3, 2}));
  expectClose(valuesOf(r[1]), {1.5, 3.5, 1, 2.5, 3, 2});
  EXPECT_EQ(r[2].shape(), (Shape{2, 3, 1}));
  expectClose(valuesOf(r[2]), {5, 3, 4, 2, 7, 6});
  EXPECT_EQ(r[3].dtype(), DType::I64);
  EXPECT_EQ(valuesOf(r[3]), (std::vector<double>{1, 0, 2, 1}));
}

TEST(InterpReduction, AllAxesWithAndWithoutKeepdim) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {Dim(2), Dim(3), Dim(2)});
  m.result("sum", m.value(OpKind::Sum, {x}, axisAttrs(std::nullopt)));
  m.result("mean", m.value(OpKind::Mean, {x}, axisAttrs(std::nullopt, true)));
  m.result("max", m.value(OpKind::Max, {x}, axisAttrs(std::nullopt)));
  m.result("argmax", m.value(OpKind::Argmax, {x}, axisAttrs(std::nullopt)));
  auto exe = m.compile();
  Tensor input = cube();
  auto r = runOk(*exe, {{"x", input.view()}});
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].shape(), Shape{});
  expectClose(valuesOf(r[0]), {27});
  EXPECT_EQ(r[1].shape(), (Shape{1, 1, 1}));
  expectClose(valuesOf(r[1]), {27.0 / 12});
  expectClose(valuesOf(r[2]), {7});
  EXPECT_EQ(valuesOf(r[3]), std::vector<double>{9}); // index into the flattened tensor
}

TEST(InterpReduction, IntegerSumIsI64AndArgmaxTakesTheFirstMax) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::I32, {Dim(2), Dim(3)});
  ir::Value *sum = m.value(OpKind::Sum, {x}, axisAttrs(1));
  EXPECT_EQ(sum->type.dtype, DType::I64);
  m.result("sum", sum);
  m.result("argmax", m.value(OpKind::Argmax, {x}, axisAttrs(1)));
  auto exe = m.compile();
  Tensor input = makeTensor(DType::I32, {2, 3}, {2000000000, 2000000000, 1, 4, 9, 9});
  auto r = runOk(*exe, {{"x", input.view()}});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(valuesOf(r[0]), (std::vector<double>{4000000001, 22})); // no i32 overflow
  EXPECT_EQ(valuesOf(r[1]), (std::vector<double>{0, 1}));
}

TEST(InterpReduction, MaxTreatsNaNAsLargest) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {Dim(3)});
  m.result("max", m.value(OpKind::Max, {x}, axisAttrs(0)));
  m.result("argmax", m.value(OpKind::Argmax, {x}, axisAttrs(0)));
  auto exe = m.compile();
  Tensor input = f32({3}, {1, std::numeric_limits<double>::quiet_NaN(), 5});
  auto r = runOk(*exe, {{"x", input.view()}});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_TRUE(std::isnan(r[0].as<float>()[0]));
  EXPECT_EQ(valuesOf(r[1]), std::vector<double>{1});
}

TEST(InterpReduction, EmptyAxes) {
  Dim T = Dim::symbol("T");
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {Dim(2), T});
  m.result("sum", m.value(OpKind::Sum, {x}, axisAttrs(1)));
  m.result("max", m.value(OpKind::Max, {x}, axisAttrs(1)));
  auto exe = m.compile();
  Tensor empty(DType::F32, {2, 0});
  auto r = exe->run("f", {{"x", empty.view()}});
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.message(), "max: cannot reduce over axis 1, which has size 0");

  ModelBuilder sums;
  ir::Value *y = sums.argument("x", DType::F32, {Dim(2), T});
  sums.result("sum", sums.value(OpKind::Sum, {y}, axisAttrs(1)));
  sums.result("mean", sums.value(OpKind::Mean, {y}, axisAttrs(1)));
  auto r2 = runOk(*sums.compile(), {{"x", empty.view()}});
  ASSERT_EQ(r2.size(), 2u);
  EXPECT_EQ(valuesOf(r2[0]), (std::vector<double>{0, 0})); // as torch.sum
  EXPECT_TRUE(std::isnan(r2[1].as<float>()[0]));           // as torch.mean
}

std::vector<double> softmaxOf(const std::vector<double> &x) {
  double maxValue = *std::max_element(x.begin(), x.end()), sum = 0;
  std::vector<double> y;
  for (double v : x) sum += std::exp(v - maxValue);
  for (double v : x) y.push_back(std::exp(v - maxValue) / sum);
  return y;
}

TEST(InterpReduction, SoftmaxAlongAnInnerAxis) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {Dim(2), Dim(3)});
  m.result("y", m.value(OpKind::Softmax, {x}, axisAttrs(0)));
  m.result("large", m.value(OpKind::Softmax, {x}, axisAttrs(1)));
  auto exe = m.compile();
  Tensor input = f32({2, 3}, {1, 2, 1000, 3, 0, 1001});
  auto r = runOk(*exe, {{"x", input.view()}});
  ASSERT_EQ(r.size(), 2u);
  std::vector<double> c0 = softmaxOf({1, 3}), c1 = softmaxOf({2, 0}), c2 = softmaxOf({1000, 1001});
  expectClose(valuesOf(r[0]), {c0[0], c1[0], c2[0], c0[1], c1[1], c2[1]});
  std::vector<double> r0 = softmaxOf({1, 2, 1000}), r1 = softmaxOf({3, 0, 1001});
  expectClose(valuesOf(r[1]), {r0[0], r0[1], r0[2], r1[0], r1[1], r1[2]}); // no overflow
}

TEST(InterpReduction, MaskedSoftmaxZeroesMaskedAndFullyMaskedRows) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {Dim(3), Dim(3)});
  ir::Value *mask = m.argument("mask", DType::Bool, {Dim(3), Dim(3)});
  ir::Value *columns = m.argument("columns", DType::Bool, {Dim(3)});
  m.result("y", m.value(OpKind::Softmax, {x, mask}, axisAttrs(1)));
  m.result("broadcast", m.value(OpKind::Softmax, {x, columns}, axisAttrs(1)));
  auto exe = m.compile();
  Tensor input = f32({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  Tensor masks = boolean({3, 3}, {1, 1, 0, 0, 0, 0, 1, 1, 1});
  Tensor column = boolean({3}, {0, 1, 1});
  auto r = runOk(*exe, {{"x", input.view()}, {"mask", masks.view()}, {"columns", column.view()}});
  ASSERT_EQ(r.size(), 2u);
  std::vector<double> first = softmaxOf({1, 2}), last = softmaxOf({7, 8, 9});
  std::vector<double> y = valuesOf(r[0]);
  expectClose(y, {first[0], first[1], 0, 0, 0, 0, last[0], last[1], last[2]});
  EXPECT_EQ(y[2], 0.0); // masked: exactly zero
  for (int i = 3; i < 6; ++i) EXPECT_EQ(y[i], 0.0) << "fully masked row";
  std::vector<double> pair = softmaxOf({2, 3});
  expectClose(valuesOf(r[1]), {0, pair[0], pair[1], 0, pair[0], pair[1], 0, pair[0], pair[1]});
}

// A row whose kept scores are all -inf, or one with a NaN score, is NaN where
// kept (PyTorch's softmax of such a row) and still exactly 0 where masked.
TEST(InterpReduction, MaskedSoftmaxKeepsMaskedZerosInNaNRows) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {Dim(2), Dim(3)});
  ir::Value *mask = m.argument("mask", DType::Bool, {Dim(2), Dim(3)});
  m.result("y", m.value(OpKind::Softmax, {x, mask}, axisAttrs(1)));
  auto exe = m.compile();
  float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  Tensor input = f32({2, 3}, {-inf, 1, -inf, nan, 2, 3});
  Tensor masks = boolean({2, 3}, {1, 0, 1, 1, 1, 0});
  auto r = runOk(*exe, {{"x", input.view()}, {"mask", masks.view()}});
  std::vector<double> y = valuesOf(r[0]);
  for (int i : {0, 2, 3, 4}) EXPECT_TRUE(std::isnan(y[i])) << i;
  EXPECT_EQ(y[1], 0.0);
  EXPECT_EQ(y[5], 0.0);
}

TEST(InterpReduction, LogSoftmaxIsLogSumExpStable) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {Dim(2), Dim(3)});
  m.result("y", m.value(OpKind::LogSoftmax, {x}, axisAttrs(1)));
  auto exe = m.compile();
  Tensor input = f32({2, 3}, {1, 2, 3, -1000, 0, 1000});
  auto r = runOk(*exe, {{"x", input.view()}});
  ASSERT_EQ(r.size(), 1u);
  double lse = 3 + std::log(std::exp(-2.0) + std::exp(-1.0) + 1);
  // Row 2: softmax underflows to 0 at -1000, log_softmax is still finite.
  expectClose(valuesOf(r[0]), {1 - lse, 2 - lse, 3 - lse, -2000, -1000, 0});
}

} // namespace
} // namespace attn::interp::testing
