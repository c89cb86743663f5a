// FLOP counts from the IR (ir/Cost.h) and generated inputs (ir/SampleInputs.h):
// counts by their definitions on small graphs, the sentiment model's
// recurrent GEMMs at hidden 128 (the 11.8 GFLOP the [recurrent] targets are
// stated in), and integer inputs within what their uses allow.
#include "../frontend/FrontendTestSupport.h"
#include "ir/Cost.h"
#include "ir/SampleInputs.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace attn::testing {
namespace {

std::string example(const std::string &name) {
  std::ifstream in(std::string(ATTN_SOURCE_DIR) + "/examples/" + name + ".attn");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const ir::Node *firstNode(const ir::Graph &g, ir::OpKind op) {
  for (const auto &node : g.nodes())
    if (node->op == op) return node.get();
  return nullptr;
}

TEST(FlopCount, LinearIsTwoPerMultiplyAddPlusTheBias) {
  auto compiled = compileText("model M\ndim B, T\nlayer fc = Linear(24, 10)\n"
                              "fn f(x: f32[B, T, 24]) -> (y: f32[B, T, 10]) {\n  return fc(x)\n}\n");
  ASSERT_TRUE(compiled.module) << compiled.diagnostics;
  const ir::Graph &g = *compiled.module->functions[0];
  const ir::Node *linear = firstNode(g, ir::OpKind::Linear);
  ASSERT_NE(linear, nullptr);
  EXPECT_EQ(ir::nodeFlops(*linear, {{"B", 3}, {"T", 5}}), 2.0 * 15 * 24 * 10 + 15 * 10);
  EXPECT_EQ(ir::nodeFlops(*linear, {{"B", 3}}), std::nullopt) << "T unbound";
}

TEST(FlopCount, SentimentRecurrenceAtHidden128Is11Point8GFlop) {
  frontend::FrontendOptions options;
  options.defines = {{"hidden", "128"}};
  auto compiled = compileText(example("sentiment"), options);
  ASSERT_TRUE(compiled.module) << compiled.diagnostics;
  const ir::Node *lstm = firstNode(*compiled.module->functions[0], ir::OpKind::LSTM);
  ASSERT_NE(lstm, nullptr);
  // Per direction, 2 * B*T * 4H * (I + H): I = 128 in layer 0, 2H after.
  double perPosition = 2.0 * 2 * (512.0 * (128 + 128) + 3 * 512.0 * (256 + 128));
  EXPECT_EQ(ir::nodeFlops(*lstm, {{"B", 32}, {"T", 128}}), perPosition * 32 * 128);
  EXPECT_NEAR(perPosition * 32 * 128 / 1e9, 11.8, 0.05);
}

TEST(FlopCount, EveryNodeOfEveryExampleIsCounted) {
  for (const char *name : {"sentiment", "bilstm_dot", "seq2seq", "additive_block"}) {
    auto compiled = compileText(example(name));
    ASSERT_TRUE(compiled.module) << name << compiled.diagnostics;
    for (const auto &g : compiled.module->functions) {
      auto flops = ir::graphFlops(*g, {{"B", 2}, {"T", 3}});
      ASSERT_TRUE(flops.has_value()) << name << " " << g->name;
      EXPECT_GT(*flops, 0) << name << " " << g->name;
    }
  }
}

TEST(SampleInputs, IntegersStayWithinWhatTheirUsesAllow) {
  auto compiled = compileText(example("bilstm_dot"));
  ASSERT_TRUE(compiled.module) << compiled.diagnostics;
  const ir::Graph &g = *compiled.module->functions[0];
  const ir::DimBindings dims = {{"B", 16}, {"T", 9}};
  auto tokens = ir::integerDomain(g, g.arguments[0], dims);
  auto lengths = ir::integerDomain(g, g.arguments[1], dims);
  ASSERT_TRUE(tokens && lengths);
  int64_t rows = *firstNode(g, ir::OpKind::Embedding)->operand(1)->type.shape[0].constant();
  EXPECT_EQ(tokens->low, 0);
  EXPECT_EQ(tokens->high, rows - 1);
  // The LSTM needs lengths in [1, T]; sequence_mask allows [0, T]: both hold.
  EXPECT_EQ(lengths->low, 1);
  EXPECT_EQ(lengths->high, 9);

  auto inputs = ir::sampleInputs(g, dims, 7);
  auto again = ir::sampleInputs(g, dims, 7);
  ASSERT_TRUE(inputs && again);
  ASSERT_EQ(inputs->size(), 2u);
  EXPECT_EQ((*inputs)[0].second.shape(), (Shape{16, 9}));
  const int64_t *ids = (*inputs)[0].second.as<int64_t>();
  const int64_t *lens = (*inputs)[1].second.as<int64_t>();
  for (int64_t i = 0; i < 16 * 9; ++i) {
    EXPECT_GE(ids[i], 0);
    EXPECT_LT(ids[i], rows);
    EXPECT_EQ(ids[i], (*again)[0].second.as<int64_t>()[i]) << "same seed, same inputs";
  }
  std::set<int64_t> seen;
  for (int64_t b = 0; b < 16; ++b) {
    EXPECT_GE(lens[b], 1);
    EXPECT_LE(lens[b], 9);
    seen.insert(lens[b]);
  }
  EXPECT_GT(seen.size(), 3u) << "lengths spread over [1, T]";
  EXPECT_FALSE(ir::sampleInputs(g, {{"B", 16}}, 7).has_value()) << "T unbound";
}

} // namespace
} // namespace attn::testing
