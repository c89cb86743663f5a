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
