// Every fusion test on the llvm backend: each case of tests/lit/fusion/ and
// each bundled example, through the default pipeline (so the fused ops
// additive_attention, dot_attention, linear_act and fused_elementwise are
// what llvm compiles), run on llvm (for every target of testTargets()), on dnnl and on
// the interpreter with the same seeded weights and inputs (fully masked rows
// included), on several (B, T).
#include "../passes/PassTestSupport.h"
#include "TestTargets.h"

#include <filesystem>

namespace attn::testing {
namespace {

const std::vector<DimValues> kShapes = {
    {{"B", 3}, {"T", 5}}, {{"B", 1}, {"T", 1}}, {{"B", 2}, {"T", 9}}, {{"B", 5}, {"T", 70}}};

std::vector<std::string> fusionTexts() {
  std::vector<std::string> paths;
  for (const auto &entry : std::filesystem::directory_iterator(std::string(ATTN_TEST_DATA_DIR) + "/lit/fusion"))
    if (entry.path().extension() == ".attn") paths.push_back(entry.path().string());
  for (const char *name : {"sentiment", "additive_block", "bilstm_dot", "seq2seq", "seeds/sentiment",
                           "seeds/bilstm_dot", "seeds/seq2seq"})
    paths.push_back(std::string(ATTN_SOURCE_DIR) + "/examples/" + name + ".attn");
  std::sort(paths.begin(), paths.end());
  return paths;
}

using llvmcg::testing::TargetCase;

class LLVMFusion : public ::testing::TestWithParam<std::tuple<TargetCase, std::string>> {};

TEST_P(LLVMFusion, LLVMMatchesInterpreterAfterThePipeline) {
  const auto &[target, path] = GetParam();
  auto compiled = compileText(readTextFile(path));
  ASSERT_TRUE(compiled.module) << compiled.diagnostics;
  auto weights = seededWeights(*compiled.module, 7);
  Status s = optimize(*compiled.module, defaultPipeline(), weights);
  ASSERT_TRUE(s.isOk()) << s.message();
  std::shared_ptr<const ir::Module> module = std::move(compiled.module);
  auto interp = codegen::compile(module, weights, codegen::Backend::Interp);
  auto llvm = codegen::compile(module, weights, target.backend, {0, target.options.cpu, target.options.features});
  ASSERT_TRUE(interp.isOk()) << interp.message();
  ASSERT_TRUE(llvm.isOk()) << llvm.message() << "\n" << ir::moduleToString(*module);
  for (const DimValues &dims : kShapes)
    for (const auto &g : module->functions) {
      auto inputs = seededInputs(*g, dims, 11 + uint64_t(dims.at("T")));
      NamedTensorViews views;
      for (const auto &[name, t] : inputs) views.emplace_back(name, t.view());
      auto expected = (*interp)->run(g->name, views);
      auto actual = (*llvm)->run(g->name, views);
      ASSERT_TRUE(expected.isOk()) << expected.message();
      ASSERT_TRUE(actual.isOk()) << actual.message();
      for (size_t r = 0; r < expected->size(); ++r)
        expectAllClose((*actual)[r], (*expected)[r],
                       "fn " + g->name + " result " + g->results()[r].name + " (B = " +
                           std::to_string(dims.at("B")) + ", T = " + std::to_string(dims.at("T")) + ")");
    }
}

INSTANTIATE_TEST_SUITE_P(Fusion, LLVMFusion,
                         ::testing::Combine(::testing::ValuesIn(llvmcg::testing::differentialTargets()),
                                            ::testing::ValuesIn(fusionTexts())),
                         [](const auto &info) {
                           std::filesystem::path path = std::get<1>(info.param);
                           bool seed = path.parent_path().filename() == "seeds";
                           return std::get<0>(info.param).name + "_" + (seed ? "seed_" : "") +
                                  path.stem().string();
                         });

} // namespace
} // namespace attn::testing
