// Fused == unfused on random sizes: additive and dot attention with masks
// (row 0 fully masked), D, A, B and T drawn from a seeded stream.
#include "PassTestSupport.h"

namespace attn::testing {
namespace {

const char *kAdditive = R"(model RandomAdditive
let D = 4
let A = 3
dim B, T
layer proj = Linear(D, A)
param v: f32[A]
fn forward(h: f32[B, T, D], mask: bool[B, T]) -> (context: f32[B, D], alpha: f32[B, T]) {
  alpha = softmax(tanh(proj(h)) @ v, axis=1, mask=mask)
  return sum(unsqueeze(alpha, 2) * h, axis=1), alpha
}
)";

const char *kDot = R"(model RandomDot
let D = 4
let A = 3
dim B, T
layer general = Linear(D, A)
fn forward(h: f32[B, T, D], q: f32[B, A], lengths: i64[B]) -> (context: f32[B, D], alpha: f32[B, T]) {
  a = softmax(squeeze(general(h) @ unsqueeze(q, 2), 2), axis=1, mask=sequence_mask(lengths, T))
  return squeeze(unsqueeze(a, 1) @ h, 1), a
}
)";

class RandomShapes : public ::testing::TestWithParam<uint64_t> {};

TEST_P(RandomShapes, FusedEqualsUnfused) {
  Random random(GetParam());
  for (const char *text : {kAdditive, kDot}) {
    frontend::FrontendOptions defines;
    defines.defines = {{"D", std::to_string(random.integer(1, 17))},
                       {"A", std::to_string(random.integer(1, 9))}};
    DimValues dims = {{"B", random.integer(1, 6)}, {"T", random.integer(1, 12)}};
    SCOPED_TRACE(std::string(text).substr(6, 12) + " D=" + defines.defines[0].second +
                 " A=" + defines.defines[1].second + " B=" + std::to_string(dims["B"]) +
                 " T=" + std::to_string(dims["T"]));
    auto module = expectSameResults(text, defaultPipeline(), {dims}, GetParam(), defines);
    ASSERT_TRUE(module);
    EXPECT_EQ(countOps(*module, ir::OpKind::AdditiveAttention) +
                  countOps(*module, ir::OpKind::DotAttention),
              1u);
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomShapes, ::testing::Range<uint64_t>(1, 13));

} // namespace
} // namespace attn::testing
