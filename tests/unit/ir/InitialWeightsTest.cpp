// init-weights follows PyTorch's default initialisation per layer and is
// deterministic for a seed.
#include "../frontend/FrontendTestSupport.h"
#include "ir/InitialWeights.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

namespace {

const char *kModel = "model M\n"
                     "layer emb = Embedding(50, 8, padding_idx=3)\n"
                     "layer lstm = LSTM(8, 16)\n"
                     "layer fc = Linear(64, 4)\n"
                     "layer ln = LayerNorm(4)\n"
                     "param v: f32[25]\n"
                     "fn f(x: f32[4]) -> (y: f32[4]) {\n  return ln(x)\n}\n";

const attn::Tensor &find(const std::vector<std::pair<std::string, attn::Tensor>> &ws, const std::string &name) {
  for (const auto &[n, t] : ws)
    if (n == name) return t;
  static attn::Tensor none;
  ADD_FAILURE() << "no weight " << name;
  return none;
}

double maxAbs(const attn::Tensor &t) {
  double m = 0;
  for (int64_t i = 0; i < t.numElements(); ++i) m = std::max(m, double(std::abs(t.as<float>()[i])));
  return m;
}

} // namespace

TEST(InitialWeights, FollowPyTorchDefaults) {
  auto c = attn::testing::compileText(kModel);
  ASSERT_TRUE(c.module) << c.diagnostics;
  auto ws = std::move(*attn::ir::initialWeights(*c.module, 7));
  ASSERT_EQ(ws.size(), c.module->weights().size());
  // Linear: U(-1/sqrt(64), 1/sqrt(64)) = U(-0.125, 0.125), and it uses the range.
  EXPECT_LE(maxAbs(find(ws, "fc.weight")), 0.125);
  EXPECT_GT(maxAbs(find(ws, "fc.weight")), 0.1);
  EXPECT_LE(maxAbs(find(ws, "fc.bias")), 0.125);
  // LSTM: U(-1/sqrt(16), 1/sqrt(16)).
  EXPECT_LE(maxAbs(find(ws, "lstm.weight_hh_l0")), 0.25);
  EXPECT_GT(maxAbs(find(ws, "lstm.weight_hh_l0")), 0.2);
  // param: U(-1/sqrt(25), 1/sqrt(25)).
  EXPECT_LE(maxAbs(find(ws, "v")), 0.2);
  // Embedding: N(0, 1), the padding row zero.
  const attn::Tensor &emb = find(ws, "emb.weight");
  double sum = 0, sumSq = 0;
  for (int64_t i = 0; i < emb.numElements(); ++i) {
    sum += emb.as<float>()[i];
    sumSq += emb.as<float>()[i] * emb.as<float>()[i];
  }
  double n = double(emb.numElements() - 8);
  EXPECT_NEAR(sum / n, 0.0, 0.15);
  EXPECT_NEAR(sumSq / n, 1.0, 0.25);
  for (int j = 0; j < 8; ++j) EXPECT_EQ(emb.as<float>()[3 * 8 + j], 0.0f);
  // LayerNorm: ones and zeros.
  for (int j = 0; j < 4; ++j) {
    EXPECT_EQ(find(ws, "ln.weight").as<float>()[j], 1.0f);
    EXPECT_EQ(find(ws, "ln.bias").as<float>()[j], 0.0f);
  }
}

TEST(InitialWeights, DeterministicPerSeed) {
  auto c = attn::testing::compileText(kModel);
  ASSERT_TRUE(c.module) << c.diagnostics;
  auto a = std::move(*attn::ir::initialWeights(*c.module, 1)),
       b = std::move(*attn::ir::initialWeights(*c.module, 1)),
       other = std::move(*attn::ir::initialWeights(*c.module, 2));
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].second.byteSize(), b[i].second.byteSize());
    EXPECT_EQ(std::memcmp(a[i].second.data(), b[i].second.data(), a[i].second.byteSize()), 0) << a[i].first;
  }
  const attn::Tensor &x = find(a, "fc.weight"), &y = find(other, "fc.weight");
  EXPECT_NE(std::memcmp(x.data(), y.data(), x.byteSize()), 0);
}

// The weights are counted against the limit before any is allocated, so a
// model declaring terabytes of weights is an error, not an abort.
TEST(InitialWeights, RefusesWeightsOverTheMemoryLimit) {
  auto c = attn::testing::compileText(kModel);
  ASSERT_TRUE(c.module) << c.diagnostics;
  uint64_t total = 0;
  for (const auto &w : c.module->weights()) total += uint64_t(*w->type.constantByteSize());
  EXPECT_TRUE(attn::ir::initialWeights(*c.module, 1, total).isOk());
  auto refused = attn::ir::initialWeights(*c.module, 1, total - 1);
  ASSERT_FALSE(refused.isOk());
  EXPECT_NE(refused.message().find("over its limit of"), std::string::npos) << refused.message();
}
