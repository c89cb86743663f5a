// The IR text parser: print -> parse -> print is the identity on every
// example and fusion case, as parsed and after the pass pipeline (with and
// without weights, so folded constants and fused ops are in the text), and a
// parsed module computes what the original does. Errors name the line and
// column.
#include "../passes/PassTestSupport.h"
#include "ir/Parser.h"
#include "ir/Printer.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace attn;
using namespace attn::testing;

namespace {

std::vector<std::string> modelFiles() {
  std::vector<std::string> files;
  for (const char *dir : {"/examples", "/tests/lit/fusion", "/tests/lit/passes"})
    for (const auto &entry : std::filesystem::directory_iterator(std::string(ATTN_SOURCE_DIR) + dir))
      if (entry.path().extension() == ".attn") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

/// Parses `text`, failing the test with the error's position if it does not.
std::unique_ptr<ir::Module> parseOrFail(const std::string &text, const std::string &what) {
  ir::IRParseResult parsed = ir::parseModule(text);
  EXPECT_TRUE(parsed.module) << what << ":" << parsed.errorLoc.line << ":" << parsed.errorLoc.column
                             << ": " << parsed.error << "\n" << text;
  return std::move(parsed.module);
}

void expectRoundTrip(const ir::Module &module, const std::string &what) {
  std::string printed = ir::moduleToString(module);
  auto parsed = parseOrFail(printed, what);
  if (!parsed) return;
  EXPECT_EQ(ir::moduleToString(*parsed), printed) << what;
}

} // namespace

TEST(IRParser, RoundTripsEveryExampleAndFusionCase) {
  std::vector<std::string> files = modelFiles();
  ASSERT_GE(files.size(), 20u);
  for (const std::string &file : files) {
    auto compiled = compileText(readTextFile(file));
    if (!compiled.module) continue; // a diagnostics case of the passes folder
    expectRoundTrip(*compiled.module, file + " as parsed");
    auto withoutWeights = compileText(readTextFile(file));
    ASSERT_TRUE(optimize(*withoutWeights.module, defaultPipeline(), nullptr).isOk()) << file;
    expectRoundTrip(*withoutWeights.module, file + " optimized");
    auto withWeights = compileText(readTextFile(file));
    ASSERT_TRUE(optimize(*withWeights.module, defaultPipeline(), seededWeights(*withWeights.module, 7)).isOk());
    expectRoundTrip(*withWeights.module, file + " optimized with weights");
  }
}

TEST(IRParser, ParsedModuleComputesTheSame) {
  std::string file = std::string(ATTN_SOURCE_DIR) + "/examples/additive_block.attn";
  auto compiled = compileText(readTextFile(file));
  ASSERT_TRUE(compiled.module);
  ASSERT_TRUE(optimize(*compiled.module, defaultPipeline(), nullptr).isOk());
  std::shared_ptr<const ir::Module> parsed = parseOrFail(ir::moduleToString(*compiled.module), file);
  ASSERT_TRUE(parsed);
  std::shared_ptr<const ir::Module> original = std::move(compiled.module);
  auto weights = seededWeights(*original, 3);
  const ir::Graph &g = *original->functions.front();
  auto inputs = seededInputs(g, {{"B", 3}, {"T", 5}}, 11);
  NamedTensorViews views;
  for (const auto &[name, t] : inputs) views.emplace_back(name, t.view());
  auto run = [&](std::shared_ptr<const ir::Module> m) -> Result<std::vector<Tensor>> {
    auto exe = codegen::compile(m, weights, codegen::Backend::Interp);
    if (!exe) return exe.status();
    return (*exe)->run(g.name, views);
  };
  auto expected = run(original), actual = run(parsed);
  ASSERT_TRUE(expected.isOk()) << expected.message();
  ASSERT_TRUE(actual.isOk()) << actual.message();
  ASSERT_EQ(expected->size(), actual->size());
  for (size_t i = 0; i < expected->size(); ++i)
    expectAllClose((*actual)[i], (*expected)[i], "result " + std::to_string(i));
}

TEST(IRParser, ErrorsSayWhereAndWhy) {
  struct Case {
    std::string text, message;
    uint32_t line, column;
  };
  const std::string head = "model M\nweight @w : f32[4, 3]\n";
  const Case cases[] = {
      {"weight @w : f32[2]\n", "expected 'model NAME'", 1, 1},
      {head + "fn f(%x: f32[B, 3]) -> (y: f32[B, 4]) {\n  %y = linear(%x, @v) : f32[B, 4]\n  return %y\n}\n",
       "unknown weight @v", 4, 19},
      {head + "fn f(%x: f32[B, 3]) -> (y: f32[B, 4]) {\n  %y = linear(%z, @w) : f32[B, 4]\n  return %y\n}\n",
       "unknown value %z", 4, 15},
      {head + "fn f(%x: f32[B, 3]) -> (y: f32[B, 4]) {\n  %y = linaer(%x, @w) : f32[B, 4]\n  return %y\n}\n",
       "unknown op 'linaer'", 4, 8},
      {head + "fn f(%x: f32[B, 3]) -> (y: f32[B, 4]) {\n  %y = linear(%x, @w) : f32[B, 5]\n  return %y\n}\n",
       "result %y is stated f32[B, 5] but linear gives f32[B, 4]", 4, 8},
      {head + "fn f(%x: f32[B, 4]) -> (y: f32[B, 4]) {\n  %y = linear(%x, @w) : f32[B, 4]\n  return %y\n}\n",
       "linear: input f32[B, 4] does not match weight f32[4, 3]", 4, 8},
      {head + "fn f(%x: f32[B, 3]) -> (y: f32[B]) {\n  %y = sum(%x) {axis = 1, keep = true} : f32[B]\n  return %y\n}\n",
       "unknown attribute 'keep'", 4, 27},
      {head + "fn f(%x: f32[B, 3]) -> (y: f32[B, 3]) {\n  return %x, %x\n}\n",
       "declares 1 results but returns 2", 4, 9},
      {"model M\nconst @c : f32[100]\nfn f() -> () {\n  return\n}\n", "not in the text", 2, 7},
      {"model M\nconst @c : f32[2] = [1.0]\nfn f() -> () {\n  return\n}\n",
       "expected ',' between the constant's elements", 2, 25},
      {"model M\nweight @w : f32[9223372036854775807 * 2]\n", "dimension overflows int64", 2, 17},
  };
  for (const Case &c : cases) {
    ir::IRParseResult r = ir::parseModule(c.text);
    EXPECT_FALSE(r.module) << c.text;
    EXPECT_NE(r.error.find(c.message), std::string::npos) << r.error << "\n" << c.text;
    EXPECT_EQ(r.errorLoc.line, c.line) << r.error << "\n" << c.text;
    EXPECT_EQ(r.errorLoc.column, c.column) << r.error << "\n" << c.text;
  }
}

TEST(IRParser, ReadsFloorDivMinMaxDims) {
  std::string text = "model M\nfn f(%x: f32[B, floordiv(T - 1, 2) + 1]) -> (y: f32[B, floordiv(T - 1, 2) + 1]) {\n"
                     "  %y = tanh(%x) : f32[B, floordiv(T - 1, 2) + 1]\n  return %y\n}\n"
                     "fn g(%x: f32[2*max(T, 3)*min(B, 4)]) -> () {\n  return\n}\n";
  auto parsed = parseOrFail(text, "atoms");
  ASSERT_TRUE(parsed);
  ir::Dim T = ir::Dim::symbol("T"), B = ir::Dim::symbol("B");
  EXPECT_EQ(parsed->functions[0]->arguments[0]->type.shape[1], ir::Dim::floorDiv(T - ir::Dim(1), ir::Dim(2)) + ir::Dim(1));
  EXPECT_EQ(parsed->functions[1]->arguments[0]->type.shape[0],
            ir::Dim(2) * ir::Dim::max(T, ir::Dim(3)) * ir::Dim::min(B, ir::Dim(4)));
  expectRoundTrip(*parsed, "atoms");
}
