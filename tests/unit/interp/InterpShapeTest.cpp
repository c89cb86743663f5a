// Interpreter kernels for shape ops, sequence_mask and matmul (torch.matmul's
// 1-D promotion and batch broadcasting).
#include "InterpTestSupport.h"

namespace attn::interp::testing {
namespace {

const Dim B = Dim::symbol("B"), T = Dim::symbol("T");

std::vector<double> iota(int64_t n, double start = 0) {
  std::vector<double> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(start + double(i));
  return v;
}

TEST(InterpShape, TransposeAndPermute) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {Dim(2), Dim(3)});
  ir::Value *y = m.argument("y", DType::I64, {Dim(2), Dim(3), Dim(4)});
  ir::Attrs transpose;
  transpose.Axis = 0, transpose.Axis2 = 1;
  ir::Attrs permute;
  permute.Perm = {2, 0, 1};
  m.result("t", m.value(OpKind::Transpose, {x}, transpose));
  m.result("p", m.value(OpKind::Permute, {y}, permute));
  auto exe = m.compile();
  Tensor xs = f32({2, 3}, {1, 2, 3, 4, 5, 6}), ys = i64({2, 3, 4}, iota(24));
  auto r = runOk(*exe, {{"x", xs.view()}, {"y", ys.view()}});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(valuesOf(r[0]), (std::vector<double>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(r[1].shape(), (Shape{4, 2, 3}));
  std::vector<double> expected; // p[k, i, j] = y[i, j, k] = 12 i + 4 j + k
  for (int k = 0; k < 4; ++k)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j) expected.push_back(12 * i + 4 * j + k);
  EXPECT_EQ(valuesOf(r[1]), expected);
}

TEST(InterpShape, ReshapeSqueezeUnsqueezeKeepTheOrder) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(2)});
  ir::Value *ones = m.argument("ones", DType::F32, {Dim(1), Dim(3), Dim(1)});
  ir::Attrs reshape;
  reshape.Shape = {B, Dim(2) * T};
  m.result("reshaped", m.value(OpKind::Reshape, {x}, reshape));
  m.result("squeezed1", m.value(OpKind::Squeeze, {ones}, axisAttrs(2)));
  m.result("squeezed", m.value(OpKind::Squeeze, {ones}, axisAttrs(std::nullopt)));
  m.result("unsqueezed", m.value(OpKind::Unsqueeze, {x}, axisAttrs(1)));
  auto exe = m.compile();
  Tensor xs = f32({2, 3, 2}, iota(12)), os = f32({1, 3, 1}, {7, 8, 9});
  auto r = runOk(*exe, {{"x", xs.view()}, {"ones", os.view()}});
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].shape(), (Shape{2, 6}));
  EXPECT_EQ(valuesOf(r[0]), iota(12));
  EXPECT_EQ(r[1].shape(), (Shape{1, 3}));
  EXPECT_EQ(r[2].shape(), (Shape{3}));
  EXPECT_EQ(valuesOf(r[2]), (std::vector<double>{7, 8, 9}));
  EXPECT_EQ(r[3].shape(), (Shape{2, 1, 3, 2}));
  EXPECT_EQ(valuesOf(r[3]), iota(12));
}

TEST(InterpShape, ConcatAlongInnerAndOuterAxes) {
  ModelBuilder m;
  ir::Value *a = m.argument("a", DType::I64, {Dim(2), Dim(1)});
  ir::Value *b = m.argument("b", DType::I64, {Dim(2), T});
  m.result("inner", m.value(OpKind::Concat, {a, b, a}, axisAttrs(1)));
  m.result("outer", m.value(OpKind::Concat, {b, b}, axisAttrs(0)));
  auto exe = m.compile();
  Tensor as = i64({2, 1}, {1, 2}), bs = i64({2, 2}, {10, 11, 20, 21});
  auto r = runOk(*exe, {{"a", as.view()}, {"b", bs.view()}});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].shape(), (Shape{2, 4}));
  EXPECT_EQ(valuesOf(r[0]), (std::vector<double>{1, 10, 11, 1, 2, 20, 21, 2}));
  EXPECT_EQ(r[1].shape(), (Shape{4, 2}));
  EXPECT_EQ(valuesOf(r[1]), (std::vector<double>{10, 11, 20, 21, 10, 11, 20, 21}));

  Tensor empty(DType::I64, {2, 0}); // T = 0: concat of nothing along the axis
  auto e = runOk(*exe, {{"a", as.view()}, {"b", empty.view()}});
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(valuesOf(e[0]), (std::vector<double>{1, 1, 2, 2}));
  EXPECT_EQ(e[1].shape(), (Shape{4, 0}));
}

TEST(InterpShape, SliceWithSymbolicBounds) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {Dim(2), T});
  ir::Attrs inner = axisAttrs(1);
  inner.Start = Dim(1), inner.End = T - Dim(1);
  m.result("inner", m.value(OpKind::Slice, {x}, inner));
  auto exe = m.compile();
  Tensor xs = f32({2, 4}, iota(8));
  auto r = runOk(*exe, {{"x", xs.view()}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(valuesOf(r[0]), (std::vector<double>{1, 2, 5, 6}));

  Tensor shorter = f32({2, 1}, {0, 1});
  auto e = exe->run("f", {{"x", shorter.view()}});
  ASSERT_FALSE(e.isOk());
  EXPECT_EQ(e.message(),
            "slice: result shape [2, T - 2] is [2, -1], which has a negative dim (T = 1)");
}

TEST(InterpShape, SliceBeyondTheAxisIsAnError) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {T});
  ir::Attrs a = axisAttrs(0);
  a.Start = Dim(0), a.End = Dim(5);
  m.result("y", m.value(OpKind::Slice, {x}, a));
  auto exe = m.compile();
  Tensor xs = f32({3}, {1, 2, 3});
  auto e = exe->run("f", {{"x", xs.view()}});
  ASSERT_FALSE(e.isOk());
  EXPECT_EQ(e.message(), "slice: [0, 5) is out of range for axis 0 of size 3");
}

TEST(InterpShape, SequenceMask) {
  ModelBuilder m;
  ir::Value *lengths = m.argument("lengths", DType::I64, {B});
  m.argument("x", DType::F32, {B, T});
  ir::Attrs a;
  a.Length = T;
  m.result("mask", m.value(OpKind::SequenceMask, {lengths}, a));
  auto exe = m.compile();
  Tensor ls = i64({3}, {2, 0, 4}), xs(DType::F32, {3, 4});
  auto r = runOk(*exe, {{"lengths", ls.view()}, {"x", xs.view()}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].dtype(), DType::Bool);
  EXPECT_EQ(valuesOf(r[0]), (std::vector<double>{1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1}));
}

/// A 1-D left operand acts as a row, a 1-D right operand as a column, and
/// the added axis is dropped from the result.
TEST(InterpMatMul, MatricesVectorsAndBroadcastBatches) {
  ModelBuilder m;
  ir::Value *mat = m.argument("mat", DType::F32, {Dim(2), Dim(3)});
  ir::Value *vec = m.argument("vec", DType::F32, {Dim(3)});
  ir::Value *vec2 = m.argument("vec2", DType::F32, {Dim(2)});
  m.result("mv", m.value(OpKind::MatMul, {mat, vec}));
  m.result("vm", m.value(OpKind::MatMul, {vec2, mat}));
  m.result("vv", m.value(OpKind::MatMul, {vec, vec}));
  ir::Value *transposed = m.argument("matT", DType::F32, {Dim(3), Dim(2)});
  m.result("mm", m.value(OpKind::MatMul, {mat, transposed}));
  auto exe = m.compile();
  Tensor mats = f32({2, 3}, {1, 2, 3, 4, 5, 6}), vecs = f32({3}, {1, 0, -1});
  Tensor vec2s = f32({2}, {2, 1}), matTs = f32({3, 2}, {1, 4, 2, 5, 3, 6});
  auto r = runOk(
      *exe,
      {{"mat", mats.view()}, {"vec", vecs.view()}, {"vec2", vec2s.view()}, {"matT", matTs.view()}});
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].shape(), (Shape{2}));
  expectClose(valuesOf(r[0]), {-2, -2});
  EXPECT_EQ(r[1].shape(), (Shape{3}));
  expectClose(valuesOf(r[1]), {6, 9, 12});
  EXPECT_EQ(r[2].shape(), Shape{});
  expectClose(valuesOf(r[2]), {2});
  EXPECT_EQ(r[3].shape(), (Shape{2, 2}));
  expectClose(valuesOf(r[3]), {14, 32, 32, 77});
}

/// a [2, 1 | 2, 3] @ b [4 | 3, 2]: the batch axes [2, 1] and [4] broadcast to [2, 4].
TEST(InterpMatMul, BatchDimensionsBroadcast) {
  ModelBuilder m;
  ir::Value *a = m.argument("a", DType::I64, {Dim(2), Dim(1), Dim(2), Dim(3)});
  ir::Value *b = m.argument("b", DType::I64, {Dim(4), Dim(3), Dim(2)});
  ir::Value *v = m.argument("v", DType::I64, {Dim(3)});
  m.result("ab", m.value(OpKind::MatMul, {a, b}));
  m.result("av", m.value(OpKind::MatMul, {a, v}));
  auto exe = m.compile();
  Tensor as = i64({2, 1, 2, 3}, iota(12)), bs = i64({4, 3, 2}, iota(24, -5)),
         vs = i64({3}, {1, 2, 3});
  auto r = runOk(*exe, {{"a", as.view()}, {"b", bs.view()}, {"v", vs.view()}});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].shape(), (Shape{2, 4, 2, 2}));
  std::vector<double> expected;
  for (int x = 0; x < 2; ++x)
    for (int y = 0; y < 4; ++y)
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) {
          double sum = 0;
          for (int p = 0; p < 3; ++p) sum += (x * 6 + i * 3 + p) * (y * 6 + p * 2 + j - 5);
          expected.push_back(sum);
        }
  EXPECT_EQ(valuesOf(r[0]), expected);
  EXPECT_EQ(r[1].shape(), (Shape{2, 1, 2}));
  EXPECT_EQ(valuesOf(r[1]), (std::vector<double>{8, 26, 44, 62}));
}

} // namespace
} // namespace attn::interp::testing
