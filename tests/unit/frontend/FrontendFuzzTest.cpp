// Robustness: truncated and mutated versions of every bundled model go
// through the whole frontend (parse, sema, verifier). Nothing may crash,
// hang or assert, and a failure must always come with a diagnostic.
#include "FrontendTestSupport.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

using attn::testing::compileText;

namespace {

std::vector<std::string> modelSources() {
  std::vector<std::string> sources;
  std::vector<std::filesystem::path> dirs = {std::string(ATTN_SOURCE_DIR) + "/examples",
                                             std::string(ATTN_SOURCE_DIR) + "/tests/golden/cases"};
  for (const auto &dir : dirs) {
    if (!std::filesystem::exists(dir)) continue;
    for (const auto &entry : std::filesystem::directory_iterator(dir))
      if (entry.path().extension() == ".attn") {
        std::ifstream in(entry.path());
        std::stringstream ss;
        ss << in.rdbuf();
        sources.push_back(ss.str());
      }
  }
  return sources;
}

void expectConsistent(const std::string &text) {
  auto c = compileText(text);
  if (c.module) EXPECT_EQ(c.errorCount, 0u) << text;
  else EXPECT_GT(c.errorCount, 0u) << "failed silently on:\n" << text;
}

} // namespace

TEST(FrontendFuzz, ExamplesCompile) {
  auto sources = modelSources();
  ASSERT_GE(sources.size(), 4u);
  for (const auto &s : sources) {
    auto c = compileText(s);
    EXPECT_TRUE(c.module) << c.diagnostics;
  }
}

TEST(FrontendFuzz, EveryTruncation) {
  for (const auto &s : modelSources())
    for (size_t n = 0; n < s.size(); n += 3) expectConsistent(s.substr(0, n));
}

TEST(FrontendFuzz, RandomMutations) {
  std::mt19937 rng(1234);
  const std::string alphabet = "abcxyzBT_019.,:=+-*/@()[]{}#\"\n -> fn let dim layer param return model "
                               "softmax tanh LSTM Linear f32 i64 bool true \x01\xff";
  auto sources = modelSources();
  for (int iteration = 0; iteration < 3000; ++iteration) {
    std::string s = sources[rng() % sources.size()];
    int edits = 1 + int(rng() % 4);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      size_t pos = rng() % s.size();
      switch (rng() % 4) {
      case 0: s.erase(pos, 1 + rng() % 8); break;
      case 1: s.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
      case 2: s[pos] = alphabet[rng() % alphabet.size()]; break;
      case 3: { // duplicate a slice: repeated lines, nested brackets
        size_t len = std::min<size_t>(1 + rng() % 40, s.size() - pos);
        s.insert(pos, s.substr(pos, len));
        break;
      }
      }
    }
    expectConsistent(s);
  }
}

TEST(FrontendFuzz, DeepNestingIsAnErrorNotACrash) {
  std::string deep = "model M\nfn f(x: f32) -> (y: f32) {\n  return " + std::string(100000, '(') +
                     "x" + std::string(100000, ')') + "\n}\n";
  auto c = compileText(deep);
  EXPECT_FALSE(c.module);
  EXPECT_GT(c.errorCount, 0u);
  std::string negations = "model M\nfn f(x: f32) -> (y: f32) {\n  return " + std::string(100000, '-') + "x\n}\n";
  EXPECT_FALSE(compileText(negations).module);
}
