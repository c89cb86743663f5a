// Semantic analysis: promotion, literals, layers and their weights, -D,
// shape functions, and the namespace rules of language.md.
#include "frontend/Builtins.h"
#include "FrontendTestSupport.h"

#include <gtest/gtest.h>

using attn::testing::compileText;

namespace {
std::string fnOf(const std::string &signature, const std::string &body) {
  return "model M\ndim B, T\nlet hidden = 4\nfn f(" + signature + " {\n" + body + "\n}\n";
}
} // namespace

TEST(Sema, LiteralTakesTheTensorsDType) {
  auto c = compileText(fnOf("x: i32[B]) -> (y: i32[B])", "  return x * 2 + 1"));
  ASSERT_TRUE(c.module) << c.diagnostics;
  EXPECT_NE(c.ir().find("constant() {value = 2.0, dtype = i32} : i32"), std::string::npos) << c.ir();
  EXPECT_EQ(c.ir().find("cast"), std::string::npos) << c.ir();
}

TEST(Sema, FloatLiteralPromotesIntegerTensor) {
  auto c = compileText(fnOf("x: i64[B]) -> (y: f32[B])", "  return x * 0.5"));
  ASSERT_TRUE(c.module) << c.diagnostics;
  EXPECT_NE(c.ir().find("cast(%x) {dtype = f32} : f32[B]"), std::string::npos) << c.ir();
}

TEST(Sema, DivisionIsTrueDivision) {
  auto c = compileText(fnOf("x: i64[B], y: i64[B]) -> (z: f32[B])", "  return x / y"));
  ASSERT_TRUE(c.module) << c.diagnostics;
}

TEST(Sema, MixedTensorDTypesPromoteLikePyTorch) {
  EXPECT_TRUE(compileText(fnOf("x: i32[B], y: f32[B]) -> (z: f32[B])", "  return x + y")).module);
  EXPECT_TRUE(compileText(fnOf("x: i32[B], y: i64[B]) -> (z: i64[B])", "  return x + y")).module);
  EXPECT_TRUE(compileText(fnOf("x: i32[B], y: bool[B]) -> (z: i32[B])", "  return x * y")).module);
  // A zero-dim i64 does not widen an i32 tensor.
  EXPECT_TRUE(compileText(fnOf("x: i32[B], y: i64) -> (z: i32[B])", "  return x + y")).module);
}

TEST(Sema, LiteralsFoldAndLetsAreConstants) {
  auto c = compileText(fnOf("x: f32[B]) -> (y: f32[B])", "  return x * (2 * hidden - 1)"));
  ASSERT_TRUE(c.module) << c.diagnostics;
  EXPECT_NE(c.ir().find("{value = 7.0, dtype = f32}"), std::string::npos) << c.ir();
}

TEST(Sema, DimAsValueIsI64Scalar) {
  auto c = compileText(fnOf("x: f32[B, T]) -> (y: f32[B])", "  return sum(x, axis=1) / T"));
  ASSERT_TRUE(c.module) << c.diagnostics;
  EXPECT_NE(c.ir().find("dim_value() {symbol = \"T\"} : i64"), std::string::npos) << c.ir();
}

TEST(Sema, IntegerTensorIsConvertedForTanh) {
  auto c = compileText(fnOf("x: i64[B]) -> (y: f32[B])", "  return tanh(x)"));
  ASSERT_TRUE(c.module) << c.diagnostics;
}

TEST(Sema, LayersDeclareStateDictWeightsInOrder) {
  auto c = compileText("model M\nlayer gru = GRU(3, 5, num_layers=2, bidirectional=true, bias=false)\n"
                       "layer ln = LayerNorm([2, 5], elementwise_affine=true)\n"
                       "layer emb = Embedding(10, 3, padding_idx=0)\n"
                       "fn f(x: f32[2]) -> (y: f32[2]) {\n  return x\n}\n");
  ASSERT_TRUE(c.module) << c.diagnostics;
  std::vector<std::string> names;
  for (const auto &w : c.module->weights()) names.push_back(w->name + " " + w->type.str());
  std::vector<std::string> expected = {
      "gru.weight_ih_l0 f32[15, 3]",          "gru.weight_hh_l0 f32[15, 5]",
      "gru.weight_ih_l0_reverse f32[15, 3]",  "gru.weight_hh_l0_reverse f32[15, 5]",
      "gru.weight_ih_l1 f32[15, 10]",         "gru.weight_hh_l1 f32[15, 5]",
      "gru.weight_ih_l1_reverse f32[15, 10]", "gru.weight_hh_l1_reverse f32[15, 5]",
      "ln.weight f32[2, 5]",                  "ln.bias f32[2, 5]",
      "emb.weight f32[10, 3]"};
  EXPECT_EQ(names, expected);
}

TEST(Sema, RecurrentCallsTakeStatesAndLengths) {
  auto c = compileText(
      "model M\ndim B, T\nlayer lstm = LSTM(4, 8, num_layers=2)\n"
      "fn f(x: f32[T, B, 4], h: f32[2, B, 8], c: f32[2, B, 8], n: i64[B]) -> (o: f32[T, B, 8]) {\n"
      "  o, hn, cn = lstm(x, h, c, lengths=n)\n  return o\n}\n");
  ASSERT_TRUE(c.module) << c.diagnostics;
  EXPECT_NE(c.ir().find("lstm(%x, %h, %c, %n, @lstm.weight_ih_l0"), std::string::npos) << c.ir();
  EXPECT_NE(c.ir().find("initial_state = true, lengths = true"), std::string::npos) << c.ir();
}

TEST(Sema, DefinesOverrideLets) {
  attn::frontend::FrontendOptions options;
  options.defines = {{"hidden", "6"}};
  auto c = compileText("model M\nlet hidden = 4\nlet twice = 2 * hidden\nlayer fc = Linear(twice, hidden)\n"
                       "fn f(x: f32[12]) -> (y: f32[6]) {\n  return fc(x)\n}\n",
                       options);
  ASSERT_TRUE(c.module) << c.diagnostics;
  EXPECT_EQ(c.module->weights()[0]->type.str(), "f32[6, 12]");
  options.defines = {{"hidden", "abc"}};
  EXPECT_FALSE(compileText("model M\nlet hidden = 4\nfn f(x: f32) -> (y: f32) {\n  return x\n}\n", options).module);
}

TEST(Sema, ReshapeInfersMinusOneSymbolically) {
  auto c = compileText(fnOf("x: f32[B, T, 6]) -> (y: f32[B, 3*T, 2])", "  return reshape(x, [B, -1, 2])"));
  ASSERT_TRUE(c.module) << c.diagnostics;
}

TEST(Sema, SliceFollowsPython) {
  auto c = compileText(fnOf("x: f32[B, 10], q: f32[B, T]) -> (y: f32[B, 3], z: f32[B, T - 1])",
                            "  return slice(x, 1, -3, 100), slice(q, 1, 1, T)"));
  ASSERT_TRUE(c.module) << c.diagnostics;
}

TEST(Sema, SqueezeOfNonOneConstantAxisIsANoOp) {
  auto c = compileText(fnOf("x: f32[B, 3, 1]) -> (y: f32[B, 3])", "  return squeeze(squeeze(x, 1), 2)"));
  ASSERT_TRUE(c.module) << c.diagnostics;
  auto all = compileText(fnOf("x: f32[1, B, 1, 3]) -> (y: f32[B, 3])", "  return squeeze(x)"));
  ASSERT_TRUE(all.module) << all.diagnostics;
}

TEST(Sema, RebindingShadowsAndUnderscoreDiscards) {
  auto c = compileText(fnOf("x: f32[B]) -> (y: f32[B])", "  x = tanh(x)\n  x = exp(x)\n  return x"));
  ASSERT_TRUE(c.module) << c.diagnostics;
  EXPECT_NE(c.ir().find("%x.1 = tanh(%x)"), std::string::npos) << c.ir();
  EXPECT_NE(c.ir().find("%x.2 = exp(%x.1)"), std::string::npos) << c.ir();
  auto bad = compileText(fnOf("x: f32[B]) -> (y: f32[B])", "  return _"));
  EXPECT_FALSE(bad.module);
  EXPECT_NE(bad.diagnostics.find("'_' discards a result"), std::string::npos) << bad.diagnostics;
}

TEST(Sema, FunctionsShareWeights) {
  auto c = compileText("model M\nlayer fc = Linear(2, 2)\nfn a(x: f32[2]) -> (y: f32[2]) {\n  return fc(x)\n}\n"
                       "fn b(x: f32[2]) -> (y: f32[2]) {\n  return fc(fc(x))\n}\n");
  ASSERT_TRUE(c.module) << c.diagnostics;
  EXPECT_EQ(c.module->functions.size(), 2u);
  EXPECT_EQ(c.module->weights().size(), 2u);
}

TEST(Sema, ReturningAMultiResultCallExpandsIt) {
  auto c = compileText("model M\ndim B, T\nlayer gru = GRU(2, 3)\n"
                       "fn f(x: f32[T, B, 2]) -> (o: f32[T, B, 3], h: f32[1, B, 3]) {\n  return gru(x)\n}\n");
  ASSERT_TRUE(c.module) << c.diagnostics;
}

TEST(Sema, ErrorsStopAtTheFirst) {
  auto c = compileText(fnOf("x: f32[B]) -> (y: f32[B])", "  a = nope1\n  b = nope2\n  return x"));
  EXPECT_FALSE(c.module);
  EXPECT_EQ(c.errorCount, 1u);
  EXPECT_NE(c.diagnostics.find("test.attn:5:7: error: unknown name 'nope1'"), std::string::npos)
      << c.diagnostics;
}

TEST(Sema, WhereBranchesPromoteLikeBinaryOperators) {
  auto c = compileText(fnOf("m: bool[B], x: i32[B], y: i64[B]) -> (z: i64[B])", "  return where(m, x, y)"));
  ASSERT_TRUE(c.module) << c.diagnostics;
  auto f = compileText(fnOf("m: bool[B], x: i64[B]) -> (z: f32[B])", "  return where(m, x, 0.5)"));
  ASSERT_TRUE(f.module) << f.diagnostics;
}

// ops.def's builtin column is the builtin table: every op it exposes is a
// function of the language under its mnemonic (one with a signature of its
// own must have an entry in Builtins.cpp), and no other op is, except where
// PyTorch has a function of that name (torch.add, torch.matmul: PyTorch.cpp).
TEST(Sema, BuiltinsAreTheOpsTheOpTableExposes) {
  for (attn::ir::OpKind op : attn::ir::allOpKinds()) {
    std::string name(attn::ir::mnemonic(op));
    auto c = compileText(fnOf("x: f32[B]) -> (y: f32[B])", "  return " + name + "()"));
    bool unknown = c.diagnostics.find("unknown function '" + name + "'") != std::string::npos;
    bool pytorch = attn::frontend::pytorchFunctions().count(name) != 0;
    EXPECT_EQ(unknown, attn::ir::opInfo(op).builtin == attn::ir::BuiltinForm::None && !pytorch)
        << name << ": " << c.diagnostics;
  }
}

// Two literals fold by the op's own rule (maximum(3, 2) is 3, not 3 * 2),
// with the checks every constant gets.
TEST(Sema, LiteralsFoldByTheOpsRule) {
  auto c = compileText(fnOf("x: i64[B]) -> (y: i64[B])", "  return x * maximum(3, 2) + minimum(-4, 5)"));
  ASSERT_TRUE(c.module) << c.diagnostics;
  EXPECT_NE(c.ir().find("{value = 3.0, dtype = i64}"), std::string::npos) << c.ir();
  EXPECT_NE(c.ir().find("{value = -4.0, dtype = i64}"), std::string::npos) << c.ir();
  auto zero = compileText(fnOf("x: f32[B]) -> (y: f32[B])", "  return x * (hidden / 0)"));
  EXPECT_FALSE(zero.module);
  EXPECT_NE(zero.diagnostics.find("division by zero in a constant expression"), std::string::npos)
      << zero.diagnostics;
}

// The activation modules are layers without weights whose call is the op of
// the same name (an integer input cast to f32 for the f32 ops, as nn.Tanh does).
TEST(Sema, ActivationModulesAreTheirOps) {
  auto c = compileText("model M\ndim B\nlayer t = Tanh()\nlayer s = Sigmoid()\nlayer r = ReLU(inplace=true)\n"
                       "layer g = GELU(approximate=\"none\")\n"
                       "fn f(x: f32[B, 4], i: i64[B]) -> (y: f32[B, 4], z: f32[B]) {\n"
                       "  return g(r(s(t(x)))), t(i)\n}\n");
  ASSERT_TRUE(c.module) << c.diagnostics;
  std::string ir = c.ir();
  for (const char *op : {"tanh(%x)", "sigmoid(", "relu(", "gelu(", "cast(%i) {dtype = f32}"})
    EXPECT_NE(ir.find(op), std::string::npos) << op << "\n" << ir;
  EXPECT_TRUE(c.module->weights().empty());
}
