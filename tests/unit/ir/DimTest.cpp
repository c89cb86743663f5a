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

TEST(Dim, FloorDivMinMaxAreAtomsOfThePolynomial) {
  Dim T = Dim::symbol("T"), B = Dim::symbol("B");
  // Constants fold, with Python's rounding toward -inf.
  EXPECT_EQ(Dim::floorDiv(Dim(7), Dim(2)), Dim(3));
  EXPECT_EQ(Dim::floorDiv(Dim(-7), Dim(2)), Dim(-4));
  EXPECT_EQ(Dim::floorDiv(Dim(7), Dim(-2)), Dim(-4));
  EXPECT_EQ(Dim::min(Dim(3), Dim(-1)), Dim(-1));
  EXPECT_EQ(Dim::max(T, T), T);
  EXPECT_EQ(Dim::floorDiv(T, Dim(1)), T);
  // A conv1d output length: (T + 2p - d (k - 1) - 1) // s + 1.
  Dim out = Dim::floorDiv(T + Dim(2 * 1) - Dim(1 * (3 - 1)) - Dim(1), Dim(2)) + Dim(1);
  EXPECT_EQ(out.str(), "floordiv(T - 1, 2) + 1");
  EXPECT_EQ(out, Dim::floorDiv(T - Dim(1), Dim(2)) + Dim(1)); // equal by canonical text
  EXPECT_NE(out, Dim::floorDiv(T, Dim(2)) + Dim(1));
  EXPECT_EQ(out.symbols(), std::vector<std::string>{"T"});
  EXPECT_FALSE(out.asSymbol());
  for (int64_t t : {1, 2, 5, 8}) EXPECT_EQ(out.evaluate({{"T", t}}), (t - 1) / 2 + 1) << t;
  // Atoms multiply and divide like symbols.
  Dim product = B * Dim::min(T, Dim(4)) * Dim(3);
  EXPECT_EQ(product.str(), "3*B*min(T, 4)");
  EXPECT_EQ(product.divideExact(B), Dim(3) * Dim::min(T, Dim(4)));
  EXPECT_EQ(product.evaluate({{"B", 2}, {"T", 9}}), 24);
  EXPECT_EQ(Dim::max(T - Dim(8), Dim(0)).evaluate({{"T", 5}}), 0);
  // No value: division by zero, an unbound symbol inside an atom.
  Dim byZero = Dim::floorDiv(T, Dim(0));
  EXPECT_FALSE(byZero.evaluate({{"T", 4}}));
  EXPECT_FALSE(Dim::floorDiv(T, B).evaluate({{"T", 4}, {"B", 0}}));
  EXPECT_FALSE(Dim::min(T, B).evaluate({{"T", 4}}));
  EXPECT_TRUE(Dim::floorDiv(Dim(INT64_MIN), Dim(-1)).overflowed());
}
