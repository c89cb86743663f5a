// Every lit case of tests/lit/fusion/ checked numerically: the interpreter
// before the pipeline equals the interpreter after it, on several shapes and
// masks with fully masked rows, and the number of fused attention ops is
// the one the file's `# FUSED: N` line states (0 for the near misses).
#include "PassTestSupport.h"

#include <filesystem>
#include <regex>

namespace attn::testing {
namespace {

std::vector<std::string> fusionCases() {
  std::vector<std::string> paths;
  std::string dir = std::string(ATTN_TEST_DATA_DIR) + "/lit/fusion";
  for (const auto &entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".attn") paths.push_back(entry.path().string());
  std::sort(paths.begin(), paths.end());
  return paths;
}

class FusionCase : public ::testing::TestWithParam<std::string> {};

TEST(FusionCases, ThereAreEnough) {
  size_t fuse = 0, noFuse = 0;
  for (const std::string &path : fusionCases())
    (std::filesystem::path(path).filename().string().rfind("nofuse_", 0) == 0 ? noFuse : fuse) += 1;
  EXPECT_GE(fuse, 8u);
  EXPECT_GE(noFuse, 4u);
}

TEST_P(FusionCase, InterpreterAgreesBeforeAndAfter) {
  std::string text = readTextFile(GetParam());
  std::smatch expected;
  ASSERT_TRUE(std::regex_search(text, expected, std::regex("# FUSED: (\\d+)"))) << "no FUSED line";
  auto module = expectSameResults(
      text, defaultPipeline(), {{{"B", 3}, {"T", 5}}, {{"B", 1}, {"T", 1}}, {{"B", 4}, {"T", 8}}});
  ASSERT_TRUE(module);
  size_t fused = countOps(*module, ir::OpKind::AdditiveAttention) +
                 countOps(*module, ir::OpKind::DotAttention);
  EXPECT_EQ(fused, size_t(std::stoul(expected[1]))) << ir::moduleToString(*module);
  // The fusion passes alone (after canonicalize) keep the results too.
  EXPECT_TRUE(expectSameResults(text, onlyPasses({"canonicalize", "fuse-attention"})));
}

INSTANTIATE_TEST_SUITE_P(Lit, FusionCase, ::testing::ValuesIn(fusionCases()), [](const auto &info) {
  return std::filesystem::path(info.param).stem().string();
});

} // namespace
} // namespace attn::testing
