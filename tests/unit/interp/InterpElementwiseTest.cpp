// Interpreter kernels for leaves and elementwise ops, against hand-computed values.
#include "InterpTestSupport.h"

#include <cmath>
#include <limits>

namespace attn::interp::testing {
namespace {

const Dim B = Dim::symbol("B"), T = Dim::symbol("T");

ir::Attrs constantAttrs(double value, DType dtype) {
  ir::Attrs a;
  a.Value = value;
  a.DType = dtype;
  return a;
}

TEST(InterpElementwise, ConstantsAndDimValues) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {B, T});
  ir::Attrs dim;
  dim.Symbol = "T";
  m.result("c", m.value(OpKind::Constant, {}, constantAttrs(2.5, DType::F32)));
  m.result("i", m.value(OpKind::Constant, {}, constantAttrs(-3.7, DType::I64)));
  m.result("b", m.value(OpKind::Constant, {}, constantAttrs(2.0, DType::Bool)));
  m.result("t", m.value(OpKind::DimValue, {}, dim));
  m.result("x", x);
  auto exe = m.compile();
  Tensor input = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  auto r = runOk(*exe, {{"x", input.view()}});
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[0].shape(), Shape{});
  EXPECT_EQ(valuesOf(r[0]), std::vector<double>{2.5});
  EXPECT_EQ(valuesOf(r[1]), std::vector<double>{-3}); // truncated toward zero
  EXPECT_EQ(valuesOf(r[2]), std::vector<double>{1});
  EXPECT_EQ(r[3].dtype(), DType::I64);
  EXPECT_EQ(valuesOf(r[3]), std::vector<double>{3});
  EXPECT_EQ(valuesOf(r[4]), valuesOf(input)); // an argument returned as it is
}

TEST(InterpElementwise, FloatUnaryOps) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {Dim(4)});
  ir::Value *p = m.argument("p", DType::F32, {Dim(3)});
  for (OpKind op :
       {OpKind::Tanh, OpKind::Sigmoid, OpKind::Relu, OpKind::Exp, OpKind::Abs, OpKind::Neg})
    m.result(std::string(ir::mnemonic(op)), m.value(op, {x}));
  m.result("log", m.value(OpKind::Log, {p}));
  m.result("sqrt", m.value(OpKind::Sqrt, {p}));
  auto exe = m.compile();
  std::vector<double> in = {-2, -0.5, 0, 1.5}, positive = {0.25, 1, 4};
  Tensor xs = f32({4}, in), ps = f32({3}, positive);
  auto r = runOk(*exe, {{"x", xs.view()}, {"p", ps.view()}});
  ASSERT_EQ(r.size(), 8u);
  std::vector<double> tanhs, sigmoids, exps;
  for (double v : in) {
    tanhs.push_back(std::tanh(v));
    sigmoids.push_back(1 / (1 + std::exp(-v)));
    exps.push_back(std::exp(v));
  }
  expectClose(valuesOf(r[0]), tanhs);
  expectClose(valuesOf(r[1]), sigmoids);
  expectClose(valuesOf(r[2]), {0, 0, 0, 1.5});
  expectClose(valuesOf(r[3]), exps);
  expectClose(valuesOf(r[4]), {2, 0.5, 0, 1.5});
  expectClose(valuesOf(r[5]), {2, 0.5, 0, -1.5});
  expectClose(valuesOf(r[6]), {std::log(0.25), 0, std::log(4.0)});
  expectClose(valuesOf(r[7]), {0.5, 1, 2});
}

TEST(InterpElementwise, IntegerUnaryOpsWrapLikePyTorch) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::I64, {Dim(4)});
  m.result("relu", m.value(OpKind::Relu, {x}));
  m.result("abs", m.value(OpKind::Abs, {x}));
  m.result("neg", m.value(OpKind::Neg, {x}));
  auto exe = m.compile();
  Tensor xs = i64({4}, {-3, 0, 5, 0});
  xs.as<int64_t>()[3] = std::numeric_limits<int64_t>::min();
  auto r = runOk(*exe, {{"x", xs.view()}});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].as<int64_t>()[0], 0);
  EXPECT_EQ(r[0].as<int64_t>()[2], 5);
  EXPECT_EQ(r[1].as<int64_t>()[0], 3);
  EXPECT_EQ(r[2].as<int64_t>()[2], -5);
  EXPECT_EQ(r[2].as<int64_t>()[3], std::numeric_limits<int64_t>::min()); // -min wraps to min
}

TEST(InterpElementwise, CastTruncatesTowardZeroAndTestsNonZero) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {Dim(7)});
  ir::Value *n = m.argument("n", DType::I64, {Dim(2)});
  ir::Attrs toI64, toBool, toF32, toI32;
  toI64.DType = DType::I64, toBool.DType = DType::Bool, toF32.DType = DType::F32;
  toI32.DType = DType::I32;
  ir::Value *asBool = m.value(OpKind::Cast, {x}, toBool);
  m.result("i", m.value(OpKind::Cast, {x}, toI64));
  m.result("b", asBool);
  m.result("f", m.value(OpKind::Cast, {asBool}, toF32));
  m.result("narrow", m.value(OpKind::Cast, {n}, toI32));
  auto exe = m.compile();
  double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor xs = f32({7}, {-2.7, -0.5, 0, 0.5, 2.7, nan, 1e30});
  Tensor ns = i64({2}, {double((int64_t(1) << 32) + 5), -1});
  auto r = runOk(*exe, {{"x", xs.view()}, {"n", ns.view()}});
  ASSERT_EQ(r.size(), 4u);
  double lowest = double(std::numeric_limits<int64_t>::min());
  EXPECT_EQ(valuesOf(r[0]), (std::vector<double>{-2, 0, 0, 0, 2, lowest, lowest}));
  EXPECT_EQ(valuesOf(r[1]), (std::vector<double>{1, 1, 0, 1, 1, 1, 1})); // NaN != 0
  EXPECT_EQ(valuesOf(r[2]), (std::vector<double>{1, 1, 0, 1, 1, 1, 1}));
  EXPECT_EQ(r[3].dtype(), DType::I32);
  EXPECT_EQ(valuesOf(r[3]), (std::vector<double>{5, -1})); // modulo 2^32
}

TEST(InterpElementwise, BinaryOpsBroadcast) {
  ModelBuilder m;
  ir::Value *a = m.argument("a", DType::F32, {Dim(2), Dim(3)});
  ir::Value *row = m.argument("row", DType::F32, {Dim(3)});
  ir::Value *column = m.argument("column", DType::F32, {Dim(2), Dim(1)});
  ir::Value *scalar = m.argument("s", DType::F32, {});
  m.result("add", m.value(OpKind::Add, {a, row}));
  m.result("mul", m.value(OpKind::Mul, {column, row}));
  m.result("sub", m.value(OpKind::Sub, {scalar, a}));
  m.result("div", m.value(OpKind::Div, {a, column}));
  auto exe = m.compile();
  Tensor as = f32({2, 3}, {1, 2, 3, 4, 5, 6}), rows = f32({3}, {10, 20, 30});
  Tensor columns = f32({2, 1}, {2, -1}), s = f32({}, {1});
  auto r = runOk(
      *exe, {{"a", as.view()}, {"row", rows.view()}, {"column", columns.view()}, {"s", s.view()}});
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].shape(), (Shape{2, 3}));
  expectClose(valuesOf(r[0]), {11, 22, 33, 14, 25, 36});
  EXPECT_EQ(r[1].shape(), (Shape{2, 3}));
  expectClose(valuesOf(r[1]), {20, 40, 60, -10, -20, -30});
  expectClose(valuesOf(r[2]), {0, -1, -2, -3, -4, -5});
  expectClose(valuesOf(r[3]), {0.5, 1, 1.5, -4, -5, -6});
}

TEST(InterpElementwise, SymbolicBroadcastToOuterProduct) {
  ModelBuilder m;
  ir::Value *a = m.argument("a", DType::I64, {B, Dim(1)});
  ir::Value *b = m.argument("b", DType::I64, {T});
  ir::Value *sum = m.value(OpKind::Add, {a, b});
  EXPECT_EQ(sum->type.shape, (ir::DimList{B, T}));
  m.result("sum", sum);
  auto exe = m.compile();
  Tensor as = i64({2, 1}, {100, 200}), bs = i64({3}, {1, 2, 3});
  auto r = runOk(*exe, {{"a", as.view()}, {"b", bs.view()}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(valuesOf(r[0]), (std::vector<double>{101, 102, 103, 201, 202, 203}));
}

TEST(InterpElementwise, MaximumMinimumPropagateNaN) {
  ModelBuilder m;
  ir::Value *a = m.argument("a", DType::F32, {Dim(3)});
  ir::Value *b = m.argument("b", DType::F32, {Dim(3)});
  m.result("max", m.value(OpKind::Maximum, {a, b}));
  m.result("min", m.value(OpKind::Minimum, {a, b}));
  auto exe = m.compile();
  double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor as = f32({3}, {1, 5, nan}), bs = f32({3}, {2, -5, 0});
  auto r = runOk(*exe, {{"a", as.view()}, {"b", bs.view()}});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].as<float>()[0], 2.0f);
  EXPECT_EQ(r[0].as<float>()[1], 5.0f);
  EXPECT_TRUE(std::isnan(r[0].as<float>()[2]));
  EXPECT_EQ(r[1].as<float>()[0], 1.0f);
  EXPECT_EQ(r[1].as<float>()[1], -5.0f);
  EXPECT_TRUE(std::isnan(r[1].as<float>()[2]));
}

TEST(InterpElementwise, IntegerArithmeticWrapsAndDivisionFloors) {
  ModelBuilder m;
  ir::Value *a = m.argument("a", DType::I64, {Dim(4)});
  ir::Value *b = m.argument("b", DType::I64, {Dim(4)});
  m.result("div", m.value(OpKind::Div, {a, b}));
  m.result("add", m.value(OpKind::Add, {a, b}));
  auto exe = m.compile();
  Tensor as = i64({4}, {7, -7, 7, 0}), bs = i64({4}, {2, 2, -2, 1});
  as.as<int64_t>()[3] = std::numeric_limits<int64_t>::max();
  auto r = runOk(*exe, {{"a", as.view()}, {"b", bs.view()}});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].as<int64_t>()[0], 3);
  EXPECT_EQ(r[0].as<int64_t>()[1], -4); // Python's -7 // 2
  EXPECT_EQ(r[0].as<int64_t>()[2], -4);
  EXPECT_EQ(r[1].as<int64_t>()[3], std::numeric_limits<int64_t>::min()); // max + 1 wraps

  Tensor zeros = i64({4}, {1, 0, 1, 1});
  auto failed = exe->run("f", {{"a", as.view()}, {"b", zeros.view()}});
  ASSERT_FALSE(failed.isOk());
  EXPECT_EQ(failed.message(), "div: integer division by zero");
}

TEST(InterpElementwise, WhereBroadcastsAllThreeOperands) {
  ModelBuilder m;
  ir::Value *cond = m.argument("cond", DType::Bool, {Dim(2), Dim(1)});
  ir::Value *a = m.argument("a", DType::F32, {Dim(2), Dim(2)});
  ir::Value *b = m.argument("b", DType::F32, {});
  m.result("y", m.value(OpKind::Where, {cond, a, b}));
  auto exe = m.compile();
  Tensor conds = boolean({2, 1}, {1, 0}), as = f32({2, 2}, {1, 2, 3, 4}), bs = f32({}, {-1});
  auto r = runOk(*exe, {{"cond", conds.view()}, {"a", as.view()}, {"b", bs.view()}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(valuesOf(r[0]), (std::vector<double>{1, 2, -1, -1}));
}

} // namespace
} // namespace attn::interp::testing
