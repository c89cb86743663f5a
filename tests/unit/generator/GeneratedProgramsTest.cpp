// Random programs (tests/generator): every backend agrees with the
// interpreter on a fixed set of them and on every kept reproducer; the
// generator replays, and shrinking keeps a failure while making it small.
#include "tests/generator/ProgramGenerator.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace attn::generator {
namespace {

#ifdef ATTN_SANITIZED
constexpr uint64_t kPrograms = 30; // each JIT compile is slower under ASan
#else
constexpr uint64_t kPrograms = 120;
#endif

TEST(GeneratedPrograms, BackendsAgree) {
  for (uint64_t seed = 1; seed <= kPrograms; ++seed) {
    Choices choices(seed);
    Program program = generate(choices);
    auto failure = checkProgram(program);
    EXPECT_FALSE(failure) << "seed " << seed << ": " << *failure << "\n" << program.text
                          << "(attn-generate --count 1 --seed " << seed << " shrinks it)";
  }
}

// Each file of tests/generator/regressions: a shrunk program that once
// failed, its dims and input seed in its second line.
TEST(GeneratedPrograms, Regressions) {
  std::filesystem::path dir = std::string(ATTN_SOURCE_DIR) + "/tests/generator/regressions";
  for (const auto &entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".attn") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    std::smatch m;
    std::string s = text.str();
    ASSERT_TRUE(std::regex_search(s, m, std::regex("# dims: B=(\\d+) T=(\\d+) input-seed=(\\d+)"))) << entry.path();
    Program p{s, {{"B", std::stoll(m[1])}, {"T", std::stoll(m[2])}}, std::stoull(m[3])};
    auto failure = checkProgram(p);
    EXPECT_FALSE(failure) << entry.path() << ": " << *failure;
  }
}

TEST(GeneratedPrograms, ReplayGivesTheSameProgram) {
  for (uint64_t seed : {3u, 17u, 99u}) {
    Choices fresh(seed);
    Program a = generate(fresh);
    Choices replay(fresh.values());
    EXPECT_EQ(generate(replay).text, a.text);
  }
  Choices none(std::vector<uint32_t>{}); // all zeros: the simplest program
  Program simplest = generate(none);
  EXPECT_NE(simplest.text.find("fn f(x: f32[B, T, 1]) -> (r0: f32[B, T, 1]) {\n  v0 = tanh(x)\n  return v0\n}"),
            std::string::npos)
      << simplest.text;
}

// Shrinking against a made-up failure ("the program has an LSTM"): the
// result still has one, and is no longer than the first program that did.
TEST(GeneratedPrograms, ShrinkingKeepsTheFailureAndMakesItSmaller) {
  Check hasLstm = [](const Program &p) -> std::optional<std::string> {
    if (p.text.find("LSTM(") != std::string::npos) return std::string("lstm: found");
    return std::nullopt;
  };
  for (uint64_t seed = 1; seed < 500; ++seed) {
    Choices choices(seed);
    Program program = generate(choices);
    if (!hasLstm(program) || std::count(program.text.begin(), program.text.end(), '\n') < 12) continue;
    Choices small(shrink(choices.values(), hasLstm));
    Program reduced = generate(small);
    EXPECT_TRUE(hasLstm(reduced)) << reduced.text;
    EXPECT_LT(reduced.text.size(), program.text.size()) << reduced.text;
    EXPECT_LE(std::count(reduced.text.begin(), reduced.text.end(), '\n'), 8) << reduced.text;
    return;
  }
  FAIL() << "no seed below 500 made a long program with an LSTM";
}

} // namespace
} // namespace attn::generator
