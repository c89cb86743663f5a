// Each pass on a small model: the rewrite it should make (or not), and the
// interpreter's results unchanged by it.
#include "PassTestSupport.h"

namespace attn::testing {
namespace {

/// Runs exactly `passes` on `text` (numerically checked) and returns the IR.
std::string after(const std::string &text, std::vector<std::string> passes) {
  auto module = expectSameResults(text, onlyPasses(std::move(passes)));
  return module ? ir::moduleToString(*module) : "";
}

bool contains(const std::string &ir, const std::string &text) {
  return ir.find(text) != std::string::npos;
}

TEST(Canonicalize, LinearNormalForm) {
  std::string ir = after(R"(model M
dim B
param W: f32[3, 4]
param b: f32[3]
fn f(x: f32[B, 4]) -> (y: f32[B, 3], z: f32[B, 3]) {
  return x @ transpose(W, 0, 1) + b, b + x @ transpose(W, 1, 0)
}
)",
                         {"canonicalize"});
  EXPECT_TRUE(contains(ir, "= linear(%x, @W, @b) : f32[B, 3]")) << ir;
  EXPECT_FALSE(contains(ir, "transpose")) << ir;
  EXPECT_FALSE(contains(ir, "add")) << ir;
}

TEST(Canonicalize, BiasOfAnotherShapeStaysAnAdd) {
  std::string ir = after(R"(model M
dim B
param W: f32[3, 4]
fn f(x: f32[B, 4], c2: f32[B, 3]) -> (y: f32[B, 3]) {
  return x @ transpose(W, 0, 1) + c2
}
)",
                         {"canonicalize"});
  EXPECT_TRUE(contains(ir, "linear(%x, @W) : f32[B, 3]")) << ir;
  EXPECT_TRUE(contains(ir, "add(")) << ir;
}

TEST(Canonicalize, ScoresLoseTheirUnitAxis) {
  std::string ir = after(R"(model M
dim B, T
layer score = Linear(4, 1)
fn f(u: f32[B, T, 4], m: bool[B, T, 1]) -> (a: f32[B, T, 1]) {
  return softmax(score(u), axis=1, mask=m)
}
)",
                         {"canonicalize"});
  EXPECT_TRUE(contains(ir, "reshape(@score.weight) {shape = [4]} : f32[4]")) << ir;
  EXPECT_TRUE(contains(ir, "add(")) << ir;
  EXPECT_TRUE(contains(ir, "squeeze(%m) {axis = 2} : bool[B, T]")) << ir;
  EXPECT_TRUE(contains(ir, "{axis = 1} : f32[B, T]\n")) << ir;
  EXPECT_TRUE(contains(ir, "unsqueeze(")) << ir;
  EXPECT_FALSE(contains(ir, "linear(")) << ir;
}

TEST(Canonicalize, SqueezeUnsqueezePairsAndNoOpsVanish) {
  std::string ir = after(R"(model M
dim B, T
fn f(x: f32[B, T], y: f32[B, 1, T], z: f32[B, 3]) -> (a: f32[B, T], b: f32[B, 1, T], c: f32[B, 3], d: f32[B, T]) {
  return squeeze(unsqueeze(x, 1), 1), unsqueeze(squeeze(y, 1), 1), squeeze(z, 1), reshape(permute(transpose(x, 1, 1), [0, 1]), [B, T])
}
)",
                         {"canonicalize"});
  EXPECT_TRUE(contains(ir, "return %x, %y, %z, %x")) << ir;
}

TEST(Canonicalize, TransposeOfAnActivationIsNotFolded) {
  std::string ir = after(R"(model M
dim B
fn f(x: f32[B, 4], w: f32[3, 4]) -> (y: f32[B, 3], z: f32[4, 4]) {
  return x @ transpose(w, 0, 1), transpose(w, 0, 1) @ w
}
)",
                         {"canonicalize"});
  EXPECT_TRUE(contains(ir, "linear(%x, %w)")) << ir;
  EXPECT_TRUE(contains(ir, "matmul(")) << "the transpose on the left stays: " << ir;
}

TEST(CSE, MergesEqualNodesOnly) {
  std::string ir = after(R"(model M
dim B
fn f(x: f32[B, 4]) -> (a: f32[B, 4], b: f32[B, 4], c: f32[B]) {
  return tanh(x) + tanh(x), sigmoid(x) * sigmoid(x), sum(x, axis=1) + sum(x, axis=1) + max(x, axis=1)
}
)",
                         {"cse"});
  size_t tanhs = 0, sums = 0;
  for (size_t p = ir.find("tanh("); p != std::string::npos; p = ir.find("tanh(", p + 1))
    ++tanhs;
  for (size_t p = ir.find("= sum("); p != std::string::npos; p = ir.find("= sum(", p + 1))
    ++sums;
  EXPECT_EQ(tanhs, 1u) << ir;
  EXPECT_EQ(sums, 1u) << ir;
  EXPECT_TRUE(contains(ir, "max(")) << "a different op is not merged: " << ir;
}

TEST(DCE, RemovesUnusedChainsKeepsResults) {
  std::string ir = after(R"(model M
dim B
fn f(x: f32[B, 4]) -> (y: f32[B, 4]) {
  dead = exp(tanh(x))
  also = concat([x, dead], axis=1)
  return relu(x)
}
)",
                         {"dce"});
  EXPECT_FALSE(contains(ir, "exp")) << ir;
  EXPECT_FALSE(contains(ir, "tanh")) << ir;
  EXPECT_TRUE(contains(ir, "relu(%x)")) << ir;
}

TEST(ConstantFold, FoldsLiteralsAndWithWeightsTheirOps) {
  const char *text = R"(model M
dim B
param W: f32[4, 3]
fn f(x: f32[B, 3], n: i64[B]) -> (y: f32[B, 4], z: f32[B], k: i64[B]) {
  return x @ transpose(W, 0, 1) * exp(cast(2, f32)), sum(x, axis=1) + neg(cast(3, f32)), n + 2 * 3
}
)";
  auto plain = compileText(text).module;
  ASSERT_TRUE(plain);
  ASSERT_TRUE(optimize(*plain, onlyPasses({"constant-fold"}), nullptr).isOk());
  std::string ir = ir::moduleToString(*plain);
  EXPECT_FALSE(contains(ir, "exp(")) << ir;
  EXPECT_FALSE(contains(ir, "neg(")) << ir;
  EXPECT_TRUE(contains(ir, "constant() {value = 7.3890")) << ir;
  EXPECT_TRUE(contains(ir, "transpose(@W)")) << "no weights, no weight folding: " << ir;

  auto withWeights = expectSameResults(text, onlyPasses({"constant-fold"}));
  ASSERT_TRUE(withWeights);
  ir = ir::moduleToString(*withWeights);
  EXPECT_TRUE(contains(ir, "const @W.transpose : f32[3, 4]")) << ir;
  EXPECT_TRUE(contains(ir, "matmul(%x, @W.transpose)")) << ir;
  EXPECT_EQ(codegen::weightSpecs(*withWeights).size(), 1u) << "the folded constant needs no file";
}

TEST(FuseAttention, RemarksSayWhatFusedAndWhyNot) {
  auto module = compileText(R"(model M
dim B, T
layer proj = Linear(4, 3)
param v: f32[3]
param one: f32[1]
fn f(h: f32[B, T, 4], q: f32[B, 4]) -> (c1: f32[B, 4], c2: f32[B, 4], c3: f32[B, 4]) {
  a1 = softmax(tanh(proj(h)) @ v, axis=1)
  a2 = softmax(sum(tanh(proj(h)) * one, axis=2), axis=1)
  a3 = softmax(squeeze(h @ unsqueeze(q, 2), 2), axis=1)
  return sum(unsqueeze(a1, 2) * h, axis=1), sum(unsqueeze(a2, 2) * h, axis=1), sum(unsqueeze(a3, 2) * h, axis=1)
}
)")
                    .module;
  ASSERT_TRUE(module);
  passes::PassContext context(*module);
  std::ostringstream log;
  ASSERT_TRUE(
      passes::runPipeline(context, onlyPasses({"canonicalize", "fuse-attention"}), log).isOk());
  ASSERT_EQ(context.remarks.size(), 3u);
  EXPECT_TRUE(context.remarks[0].fused);
  EXPECT_EQ(context.remarks[0].message, "fused into additive_attention");
  EXPECT_FALSE(context.remarks[1].fused) << "a v of shape [1] only broadcasts";
  EXPECT_NE(context.remarks[1].message.find("v = weight @one is f32[1], not f32[3]"),
            std::string::npos)
      << context.remarks[1].message;
  EXPECT_TRUE(context.remarks[2].fused);
  EXPECT_EQ(context.remarks[2].loc.line, 9u);
  EXPECT_EQ(countOps(*module, ir::OpKind::Softmax), 1u);
  // A second run replaces the function's remarks instead of adding to them.
  ASSERT_TRUE(passes::runPipeline(context, onlyPasses({"fuse-attention"}), log).isOk());
  EXPECT_EQ(context.remarks.size(), 1u);
}

TEST(FuseElementwise, LinearWithActivationBecomesLinearAct) {
  std::string ir = after(R"(model M
dim B
layer fc = Linear(4, 3)
param W: f32[3, 4]
fn f(x: f32[B, 4]) -> (y: f32[B, 3], z: f32[B, 3]) {
  h = fc(x)
  return sigmoid(h), tanh(x @ transpose(W, 0, 1)) + relu(h)
}
)",
                         {"canonicalize", "fuse-elementwise"});
  EXPECT_TRUE(contains(ir, "linear_act(%x, @W) {activation = tanh} : f32[B, 3]")) << ir;
  EXPECT_TRUE(contains(ir, "sigmoid")) << "h has two uses, so it stays a linear: " << ir;
}

TEST(FuseElementwise, ChainsBecomeOneNodeWithABody) {
  std::string ir = after(R"(model M
dim B, T
fn f(x: f32[B, T], y: f32[T], n: i64[B, T]) -> (z: f32[B, T], w: f32[B, T], k: i64[B, T]) {
  p = x * y
  return sigmoid(p + 2.0) * tanh(x), p, cast(neg(abs(x)), i64) + n
}
)",
                         {"fuse-elementwise"});
  EXPECT_TRUE(contains(ir, "= fused_elementwise(%p, %0, %x) {body = [t0 = add(in0, in1); "
                           "t1 = sigmoid(t0); t2 = tanh(in2); t3 = mul(t1, t2)]} : f32[B, T]"))
      << ir;
  EXPECT_TRUE(contains(ir, "= fused_elementwise(%x, %n) {body = [t0 = abs(in0); t1 = neg(t0); "
                           "t2 = cast(t1) : i64; t3 = add(t2, in1)]} : i64[B, T]"))
      << ir;
  EXPECT_TRUE(contains(ir, "%p = mul(%x, %y)")) << "p has two uses: " << ir;
}

TEST(FuseElementwise, ABroadcastInsideTheChainKeepsItsShape) {
  std::string ir = after(R"(model M
dim B, T
fn f(x: f32[B, T], y: f32[T], s: f32) -> (z: f32[B, T]) {
  return x + exp(y * s)
}
)",
                         {"fuse-elementwise"});
  EXPECT_TRUE(contains(ir, "fused_elementwise(%y, %s, %x) {body = [t0 = mul(in0, in1); t1 = "
                           "exp(t0); t2 = add(in2, t1)]}"))
      << ir;
  EXPECT_TRUE(contains(ir, ": f32[B, T]\n")) << ir;
}

} // namespace
} // namespace attn::testing
