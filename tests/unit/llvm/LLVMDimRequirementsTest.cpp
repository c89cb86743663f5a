// dimRequirements (HostChecks.h), what the C header's wrappers check before
// they call the code, says what DimChecks::run says: for each function below
// (one check each: a recurrence's T, a slice's bounds, an empty max or
// argmax, a [B, T, T] too large to address, floordiv and min) and a grid of
// dims (zero, small, near the int64 and tensor-size limits), every
// requirement holds exactly when the checks pass.
#include "../frontend/FrontendTestSupport.h"

#include "codegen/llvm/HostChecks.h"
#include "ir/Parser.h"
#include "runtime/Memory.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace attn::llvmcg::testing {
namespace {

bool holds(const DimRequirement &r, const codegen::DimBindings &dims) {
  switch (r.kind) {
  case DimRequirement::Kind::Shape: {
    Shape shape;
    for (const ir::Dim &d : r.shape) {
      auto value = d.evaluate(dims);
      if (!value) return false;
      shape.push_back(*value);
    }
    return checkedTensorBytes(r.dtype, shape).has_value();
  }
  case DimRequirement::Kind::LessEqual: {
    auto lhs = r.lhs.evaluate(dims), rhs = r.rhs.evaluate(dims);
    return lhs && rhs && *lhs <= *rhs;
  }
  case DimRequirement::Kind::NonZero: {
    auto value = r.lhs.evaluate(dims);
    return value && *value != 0;
  }
  }
  return false;
}

/// Every (B, T) of the grid: each requirement list agrees with DimChecks.
void expectAgreement(const ir::Module &module) {
  const int64_t values[] = {0, 1, 2, 3, 5, int64_t(1) << 31, int64_t(1) << 40, int64_t(1) << 62, INT64_MAX};
  for (const auto &graph : module.functions) {
    std::vector<DimRequirement> requirements = dimRequirements(*graph);
    DimChecks checks(*graph);
    int refused = 0;
    for (int64_t B : values)
      for (int64_t T : values) {
        codegen::DimBindings dims = {{"B", B}, {"T", T}};
        bool all = true;
        for (const DimRequirement &r : requirements) all = all && holds(r, dims);
        Status s = checks.run(module, dims);
        EXPECT_EQ(all, s.isOk()) << graph->name << " B = " << B << ", T = " << T << ": " << s.message();
        refused += !s.isOk();
      }
    EXPECT_GT(refused, 0) << graph->name << ": the grid should hold dims the checks refuse";
  }
}

TEST(LLVMDimRequirements, SayWhatTheHostChecksSay) {
  attn::testing::Compiled compiled = attn::testing::compileText(R"(model M
dim B, T
layer lstm = LSTM(4, 3, batch_first=true)
fn recurrent(x: f32[B, T, 4]) -> (o: f32[B, T, 3]) {
  o, _, _ = lstm(x)
  return o
}
fn sliced(x: f32[B, T, 4]) -> (s: f32[B, T - 2, 4]) {
  return x[:, 1:-1, :]
}
fn maximum(x: f32[B, T, 4]) -> (m: f32[B, 4]) {
  return max(x, axis=1)
}
fn positions(x: f32[B, T, 4]) -> (a: i64[B, 4]) {
  return argmax(x, axis=1)
}
fn grid(x: f32[B, T, 4]) -> (g: f32[B, T, T]) {
  return x @ transpose(x, 1, 2)
}
)");
  ASSERT_TRUE(compiled.module) << compiled.diagnostics;
  expectAgreement(*compiled.module);
}

TEST(LLVMDimRequirements, FloorDivisionAndMinimum) {
  ir::IRParseResult parsed = ir::parseModule(R"(model Atoms

fn f(%x: f32[B, T]) -> (y: f32[B, floordiv(T - 3, 2) + 1], z: f32[B, min(T, 4)]) {
  %y = slice(%x) {axis = 1, start = 0, end = floordiv(T - 3, 2) + 1} : f32[B, floordiv(T - 3, 2) + 1]
  %z = slice(%x) {axis = 1, start = 0, end = min(T, 4)} : f32[B, min(T, 4)]
  return %y, %z
}
)");
  ASSERT_TRUE(parsed.module) << parsed.error;
  expectAgreement(*parsed.module);
  // T = 0: floordiv(-3, 2) + 1 = -1, a negative dim (C's -3 / 2 would give 0).
  std::vector<DimRequirement> requirements = dimRequirements(*parsed.module->functions.front());
  bool all = true;
  for (const DimRequirement &r : requirements) all = all && holds(r, {{"B", 1}, {"T", 0}});
  EXPECT_FALSE(all);
}

} // namespace
} // namespace attn::llvmcg::testing
