// Symbolic dimension arithmetic.
#include "ir/Dim.h"

#include <gtest/gtest.h>

using attn::ir::Dim;

TEST(Dim, ConstantsFold) {
  EXPECT_EQ(Dim(2) * Dim(12), Dim(24));
  EXPECT_EQ((Dim(3) + Dim(4)).constant(), 7);
  EXPECT_TRUE(Dim(5).isConstant());
}

TEST(Dim, SymbolsAreCanonicalPolynomials) {
  Dim B = Dim::symbol("B"), T = Dim::symbol("T");
  EXPECT_EQ(B * T, T * B);
  EXPECT_EQ(T + T, Dim(2) * T);
  EXPECT_NE(B, T);
  EXPECT_EQ((T + T - T), T);
  EXPECT_EQ((B * T + Dim(2) * T + Dim(1)).str(), "B*T + 2*T + 1");
  EXPECT_EQ((T - Dim(1)).str(), "T - 1");
  EXPECT_EQ(T.asSymbol(), "T");
  EXPECT_FALSE((Dim(2) * T).asSymbol());
}

TEST(Dim, ExactDivision) {
  Dim B = Dim::symbol("B"), T = Dim::symbol("T");
  EXPECT_EQ((B * T).divideExact(T), B);
  EXPECT_EQ((Dim(6) * T).divideExact(Dim(2)), Dim(3) * T);
  EXPECT_FALSE((Dim(5) * T).divideExact(Dim(2)));
  EXPECT_FALSE(B.divideExact(T));
}

TEST(Dim, Evaluate) {
  Dim B = Dim::symbol("B"), T = Dim::symbol("T");
  EXPECT_EQ((B * T + Dim(3)).evaluate({{"B", 2}, {"T", 5}}), 13);
  EXPECT_FALSE(B.evaluate({{"T", 5}}));
}

TEST(Dim, ArithmeticThatOverflowsIsMarkedAndStaysMarked) {
  const int64_t max = INT64_MAX, min = INT64_MIN;
  Dim T = Dim::symbol("T");
  Dim big = Dim(int64_t(1) << 32) * Dim(int64_t(1) << 32);
  EXPECT_TRUE(big.overflowed());
  EXPECT_FALSE(big.constant());
  EXPECT_EQ(big.str(), "overflow");
  EXPECT_NE(big, big); // an overflowed dim equals nothing
  EXPECT_TRUE((big + Dim(1)).overflowed());
  EXPECT_TRUE((Dim(0) * big).overflowed()); // even times zero: it has no value
  EXPECT_TRUE((Dim(max) + Dim(1)).overflowed());
  EXPECT_TRUE((Dim(0) - Dim(min)).overflowed());
  EXPECT_TRUE((Dim(max) * T + Dim(max) * T).overflowed()); // a coefficient overflows
  EXPECT_FALSE((Dim(max) * T - Dim(max) * T).overflowed());
  EXPECT_EQ((Dim(max) - Dim(max)).constant(), 0);
  EXPECT_EQ(Dim(min).str(), "-9223372036854775808");
  EXPECT_FALSE(Dim(min).divideExact(Dim(-1)));
}

TEST(Dim, EvaluateThatOverflowsHasNoValue) {
  Dim B = Dim::symbol("B"), T = Dim::symbol("T");
  EXPECT_FALSE((B * T).evaluate({{"B", int64_t(1) << 32}, {"T", int64_t(1) << 32}}));
  EXPECT_FALSE((B + T).evaluate({{"B", INT64_MAX}, {"T", 1}}));
  EXPECT_EQ((B * T).evaluate({{"B", int64_t(1) << 31}, {"T", int64_t(1) << 31}}), int64_t(1) << 62);
}
