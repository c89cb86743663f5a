// Typing rules: broadcasting with symbolic dims, matmul, reductions, layers.
#include "ir/ShapeInference.h"

#include <gtest/gtest.h>

using namespace attn;
using namespace attn::ir;

namespace {
Dim B = Dim::symbol("B"), T = Dim::symbol("T");
Type f32(DimList shape) { return Type{DType::F32, std::move(shape)}; }

Type inferOne(OpKind op, std::vector<Type> in, Attrs a = {}) {
  auto r = inferResultTypes(op, in, a);
  EXPECT_TRUE(r.isOk()) << r.message();
  return r.isOk() ? r->front() : Type{};
}

std::string inferError(OpKind op, std::vector<Type> in, Attrs a = {}) {
  auto r = inferResultTypes(op, in, a);
  EXPECT_FALSE(r.isOk());
  return r.message();
}
} // namespace

TEST(ShapeInference, BroadcastsSymbolicAndOnes) {
  EXPECT_EQ(inferOne(OpKind::Mul, {f32({B, T, 1}), f32({B, T, 24})}), f32({B, T, 24}));
  EXPECT_EQ(inferOne(OpKind::Add, {f32({B, T, 24}), f32({24})}), f32({B, T, 24}));
  EXPECT_EQ(inferOne(OpKind::Add, {f32({}), f32({B})}), f32({B}));
  EXPECT_EQ(inferOne(OpKind::Sub, {f32({1, T}), f32({B, 1})}), f32({B, T}));
}

TEST(ShapeInference, BroadcastMismatchNamesBothShapes) {
  std::string e = inferError(OpKind::Add, {f32({B, T}), f32({T, B})});
  EXPECT_NE(e.find("[B, T]"), std::string::npos) << e;
  EXPECT_NE(e.find("[T, B]"), std::string::npos) << e;
  EXPECT_NE(inferError(OpKind::Add, {f32({B, 3}), f32({B, 4})}).find("do not broadcast"),
            std::string::npos);
}

TEST(ShapeInference, BinaryOperandsShareADType) {
  EXPECT_NE(inferError(OpKind::Add, {f32({B}), Type{DType::I64, {B}}}).find("dtypes"),
            std::string::npos);
}

TEST(ShapeInference, MatmulFollowsTorch) {
  EXPECT_EQ(inferOne(OpKind::MatMul, {f32({B, T, 24}), f32({24, 8})}), f32({B, T, 8}));
  EXPECT_EQ(inferOne(OpKind::MatMul, {f32({B, T, 24}), f32({24})}), f32({B, T}));
  EXPECT_EQ(inferOne(OpKind::MatMul, {f32({24}), f32({24, 8})}), f32({8}));
  EXPECT_EQ(inferOne(OpKind::MatMul, {f32({24}), f32({24})}), f32({}));
  EXPECT_EQ(inferOne(OpKind::MatMul, {f32({B, 1, T}), f32({B, T, 24})}), f32({B, 1, 24}));
  EXPECT_EQ(inferOne(OpKind::MatMul, {f32({3, 1, 4, 5}), f32({2, 5, 6})}), f32({3, 2, 4, 6}));
  EXPECT_NE(inferError(OpKind::MatMul, {f32({B, T, 24}), f32({12, 8})}).find("inner dimensions"),
            std::string::npos);
}

TEST(ShapeInference, Reductions) {
  Attrs a;
  a.Axis = 1;
  EXPECT_EQ(inferOne(OpKind::Sum, {f32({B, T, 24})}, a), f32({B, 24}));
  a.Keepdim = true;
  EXPECT_EQ(inferOne(OpKind::Max, {f32({B, T, 24})}, a), f32({B, 1, 24}));
  EXPECT_EQ(inferOne(OpKind::Argmax, {f32({B, T})}, a), (Type{DType::I64, {B, 1}}));
  EXPECT_EQ(inferOne(OpKind::Mean, {f32({B, T})}), f32({}));
  EXPECT_EQ(inferOne(OpKind::Sum, {Type{DType::I32, {B}}}), (Type{DType::I64, {}}));
}

TEST(ShapeInference, ShapeOps) {
  Attrs r;
  r.Shape = {B * T, 24};
  EXPECT_EQ(inferOne(OpKind::Reshape, {f32({B, T, 24})}, r), f32({B * T, 24}));
  r.Shape = {B, 25};
  EXPECT_NE(inferError(OpKind::Reshape, {f32({B, T, 24})}, r).find("element counts"),
            std::string::npos);
  Attrs c;
  c.Axis = 1;
  EXPECT_EQ(inferOne(OpKind::Concat, {f32({B, T}), f32({B, T}), f32({B, 3})}, c),
            f32({B, Dim(2) * T + Dim(3)}));
  Attrs s;
  s.Axis = 2;
  EXPECT_EQ(inferOne(OpKind::Squeeze, {f32({B, T, 1})}, s), f32({B, T}));
  s.Axis = 1;
  EXPECT_NE(inferError(OpKind::Squeeze, {f32({B, T, 1})}, s).find("symbolic"), std::string::npos);
  Attrs sl;
  sl.Axis = 1;
  sl.Start = 1;
  sl.End = T;
  EXPECT_EQ(inferOne(OpKind::Slice, {f32({B, T})}, sl), f32({B, T - Dim(1)}));
}

TEST(ShapeInference, RecurrentLayers) {
  Attrs a;
  a.Hidden = 12;
  a.Layers = 2;
  a.Bidirectional = true;
  a.BatchFirst = true;
  a.HasBias = true;
  std::vector<Type> in = {f32({B, T, 16})};
  for (int layer = 0; layer < 2; ++layer)
    for (int dir = 0; dir < 2; ++dir) {
      in.push_back(f32({48, layer == 0 ? 16 : 24}));
      in.push_back(f32({48, 12}));
      in.push_back(f32({48}));
      in.push_back(f32({48}));
    }
  auto r = inferResultTypes(OpKind::LSTM, in, a);
  ASSERT_TRUE(r.isOk()) << r.message();
  EXPECT_EQ((*r)[0], f32({B, T, 24}));
  EXPECT_EQ((*r)[1], f32({4, B, 12}));
  EXPECT_EQ((*r)[2], f32({4, B, 12}));
  in[9] = f32({48, 16}); // layer 1 forward weight_ih must take 2H inputs
  EXPECT_NE(inferError(OpKind::LSTM, in, a).find("weight_ih"), std::string::npos);
}

TEST(ShapeInference, FusedAttention) {
  auto r = inferResultTypes(OpKind::AdditiveAttention,
                            {f32({B, T, 24}), f32({10, 24}), f32({10}), f32({10})}, {});
  ASSERT_TRUE(r.isOk()) << r.message();
  EXPECT_EQ((*r)[0], f32({B, 24}));
  EXPECT_EQ((*r)[1], f32({B, T}));
  auto bad = inferResultTypes(OpKind::DotAttention,
                              {f32({B, T, 24}), f32({B, 24}), Type{DType::F32, {B, T}}}, {});
  EXPECT_FALSE(bad.isOk());
}

TEST(ShapeInference, LayerWeightsMustBeF32) {
  Type i32w{DType::I32, {2, 3}};
  EXPECT_EQ(inferError(OpKind::Linear, {f32({B, 3}), i32w}), "linear weight expects f32, got i32[2, 3]");
  Attrs ln;
  ln.NormRank = 1;
  EXPECT_NE(inferError(OpKind::LayerNorm, {f32({B, 3}), Type{DType::I64, {3}}}, ln).find("must be f32"),
            std::string::npos);
  EXPECT_NE(inferError(OpKind::DotAttention, {f32({B, T, 3}), Type{DType::I32, {B, 3}}}).find("must be f32"),
            std::string::npos);
}
