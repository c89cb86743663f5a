// The pass manager: the pass table from passes.def, --passes order,
// --disable-pass and --no-fusion, --print-after dumps, --time-passes, and the
// verifier after each pass naming the pass that broke the IR.
#include "PassTestSupport.h"

#include <regex>

namespace attn::testing {
namespace {

const char *kModel = R"(model M
dim B
param W: f32[3, 4]
fn f(x: f32[B, 4]) -> (y: f32[B, 3]) {
  unused = tanh(x)
  return relu(x @ transpose(W, 0, 1))
}
)";

TEST(PassTable, EveryPassHasAUniqueNameAndRoundTrips) {
  std::set<std::string_view> names;
  for (const passes::PassInfo &info : passes::allPasses()) {
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
    EXPECT_EQ(passes::passFromName(info.name), info.id);
    EXPECT_FALSE(info.description.empty());
  }
  EXPECT_GE(names.size(), 6u);
  EXPECT_TRUE(passes::passInfo(passes::PassId::FuseAttention).isFusion);
  EXPECT_FALSE(passes::passInfo(passes::PassId::DCE).isFusion);
  EXPECT_FALSE(passes::passFromName("no-such-pass"));
}

TEST(PassManager, UnknownPassNamesAreErrorsListingTheKnownOnes) {
  auto module = compileText(kModel).module;
  std::string log;
  Status s = optimize(*module, onlyPasses({"dce", "fuse-atention"}), nullptr, &log);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("unknown pass 'fuse-atention'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("fuse-attention"), std::string::npos) << s.message();
  passes::PipelineOptions printing;
  printing.printAfter = {"nope"};
  EXPECT_FALSE(passes::validateOptions(printing).isOk());
}

TEST(PassManager, PassesRunExactlyTheListInOrder) {
  auto module = compileText(kModel).module;
  passes::PipelineOptions options = onlyPasses({"dce", "canonicalize"});
  options.printAfterAll = true;
  std::string log;
  ASSERT_TRUE(optimize(*module, options, nullptr, &log).isOk());
  size_t dce = log.find("IR Dump After dce"), canon = log.find("IR Dump After canonicalize");
  ASSERT_NE(dce, std::string::npos) << log;
  ASSERT_NE(canon, std::string::npos) << log;
  EXPECT_LT(dce, canon);
  EXPECT_EQ(log.find("IR Dump After cse"), std::string::npos) << log;
  std::string ir = ir::moduleToString(*module);
  EXPECT_NE(ir.find("linear(%x, @W)"), std::string::npos) << ir;
  EXPECT_EQ(ir.find("tanh"), std::string::npos) << ir;
  EXPECT_NE(ir.find("relu"), std::string::npos) << "fuse-elementwise ran: " << ir;
}

TEST(PassManager, PrintAfterNamesOnlyThatPass) {
  auto module = compileText(kModel).module;
  passes::PipelineOptions options;
  options.printAfter = {"fuse-elementwise"};
  std::string log;
  ASSERT_TRUE(optimize(*module, options, nullptr, &log).isOk());
  EXPECT_NE(log.find("// *** IR Dump After fuse-elementwise ***\nmodel M"), std::string::npos)
      << log;
  EXPECT_EQ(log.find("After canonicalize"), std::string::npos) << log;
  EXPECT_NE(log.find("linear_act(%x, @W) {activation = relu}"), std::string::npos) << log;
}

TEST(PassManager, DisabledPassesAndNoFusionAreSkipped) {
  auto module = compileText(kModel).module;
  passes::PipelineOptions options;
  options.disabled = {"dce"};
  options.fusion = false;
  ASSERT_TRUE(optimize(*module, options, nullptr).isOk());
  std::string ir = ir::moduleToString(*module);
  EXPECT_NE(ir.find("tanh(%x)"), std::string::npos) << "dce ran: " << ir;
  EXPECT_NE(ir.find("relu("), std::string::npos) << "fuse-elementwise ran: " << ir;
  EXPECT_NE(ir.find("linear(%x, @W)"), std::string::npos) << "canonicalize did not run: " << ir;
}

TEST(PassManager, TimePassesReportsEachPassThatRan) {
  auto module = compileText(kModel).module;
  passes::PipelineOptions options = onlyPasses({"canonicalize", "dce", "dce"});
  options.timePasses = true;
  std::string log;
  ASSERT_TRUE(optimize(*module, options, nullptr, &log).isOk());
  EXPECT_NE(log.find("pass execution timing report"), std::string::npos) << log;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(log, m, std::regex(R"(\s(\d+)\s+(\d+)\s+dce\n)"))) << log;
  EXPECT_EQ(m[1], "2") << "runs";
  EXPECT_EQ(m[2], "1") << "only the first dce changed the IR";
  EXPECT_EQ(log.find("cse"), std::string::npos) << log;
}

TEST(PassManager, TheVerifierAfterEachPassNamesThePass) {
  auto module = compileText(kModel).module;
  ir::Graph &g = *module->functions.front();
  // Break the IR behind the pass manager's back: a result typed wrongly.
  g.nodes().front()->results.front()->type.shape.push_back(ir::Dim(7));
  Status s = optimize(*module, onlyPasses({"cse"}), nullptr);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("invalid after pass cse"), std::string::npos) << s.message();
}

} // namespace
} // namespace attn::testing
