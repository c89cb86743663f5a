// fuse-attention on the bundled examples: each one's attention becomes the
// expected fused op, and the interpreter gives the same results before and
// after the default pipeline on several (B, T), masks with fully masked rows
// included (additive_block's mask argument).
#include "PassTestSupport.h"

namespace attn::testing {
namespace {

std::string example(const std::string &name) {
  return readTextFile(std::string(ATTN_SOURCE_DIR) + "/examples/" + name + ".attn");
}

const std::vector<DimValues> kShapes = {
    {{"B", 3}, {"T", 5}}, {{"B", 1}, {"T", 1}}, {{"B", 2}, {"T", 9}}, {{"B", 4}, {"T", 2}}};

struct ExampleCase {
  std::string name;
  ir::OpKind fused;
};

class FusionExample : public ::testing::TestWithParam<ExampleCase> {};

TEST_P(FusionExample, FusesAndKeepsResults) {
  const ExampleCase &c = GetParam();
  auto module = expectSameResults(example(c.name), defaultPipeline(), kShapes);
  ASSERT_TRUE(module);
  EXPECT_EQ(countOps(*module, c.fused), 1u) << ir::moduleToString(*module);
  EXPECT_EQ(countOps(*module, ir::OpKind::Softmax), 0u) << ir::moduleToString(*module);
}

TEST_P(FusionExample, NoFusionKeepsTheSoftmax) {
  passes::PipelineOptions options;
  options.fusion = false;
  auto module = expectSameResults(example(GetParam().name), options);
  ASSERT_TRUE(module);
  EXPECT_EQ(countOps(*module, ir::OpKind::AdditiveAttention) +
                countOps(*module, ir::OpKind::DotAttention),
            0u);
  EXPECT_EQ(countOps(*module, ir::OpKind::Softmax), 1u);
}

INSTANTIATE_TEST_SUITE_P(Examples, FusionExample,
                         ::testing::Values(ExampleCase{"sentiment", ir::OpKind::AdditiveAttention},
                                           ExampleCase{"additive_block",
                                                       ir::OpKind::AdditiveAttention},
                                           ExampleCase{"bilstm_dot", ir::OpKind::DotAttention},
                                           ExampleCase{"seq2seq", ir::OpKind::DotAttention}),
                         [](const auto &info) { return info.param.name; });

TEST(FusionExamples, SentimentAlphaIsTheFusedOpsSecondResult) {
  auto module = expectSameResults(example("sentiment"), defaultPipeline());
  ASSERT_TRUE(module);
  const ir::Graph &g = *module->functions.front();
  const ir::Value *weights = g.results()[1].value;
  ASSERT_EQ(weights->kind, ir::Value::Kind::NodeResult);
  EXPECT_EQ(weights->def->op, ir::OpKind::AdditiveAttention);
  EXPECT_EQ(weights->index, 1u);
}

TEST(FusionExamples, Seq2seqGeneralBecomesDotWithTransformedQuery) {
  auto module = expectSameResults(example("seq2seq"), defaultPipeline());
  ASSERT_TRUE(module);
  const ir::Graph &decode = *module->findFunction("decode_step");
  const ir::Node *fused = nullptr;
  for (const auto &n : decode.nodes())
    if (n->op == ir::OpKind::DotAttention) fused = n.get();
  ASSERT_NE(fused, nullptr);
  EXPECT_EQ(fused->operand(0), decode.arguments[2]) << "h is the encoder states, not W h";
  const ir::Value *q = fused->operand(1);
  ASSERT_EQ(q->kind, ir::Value::Kind::NodeResult);
  EXPECT_EQ(q->def->op, ir::OpKind::MatMul);
  EXPECT_EQ(q->def->operand(1)->name, "attn.weight");
}

TEST(FusionExamples, LargerSentimentStillFuses) {
  frontend::FrontendOptions defines;
  defines.defines = {{"hidden", "7"}, {"vocab", "50"}, {"embed", "6"}};
  auto module = expectSameResults(example("sentiment"), defaultPipeline(),
                                  {{{"B", 5}, {"T", 11}}, {{"B", 2}, {"T", 3}}}, 11, defines);
  ASSERT_TRUE(module);
  EXPECT_EQ(countOps(*module, ir::OpKind::AdditiveAttention), 1u);
}

} // namespace
} // namespace attn::testing
