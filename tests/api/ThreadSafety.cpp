// One compiled module run from 8 threads at once, each with shapes of its
// own, every result compared bit for bit with a single-threaded run of the
// same module (results never depend on which thread runs them, nor on what
// runs beside). Built and run as it is in every build, and under
// ThreadSanitizer by scripts/test.sh (build-tsan/, docs/testing.md).
#include "attn/attn.hpp"

#include "api/Compiler.h"
#include "api/ModuleAccess.h"
#include "ir/InitialWeights.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace attn::api {
namespace {

constexpr int kThreads = 8, kRounds = 6;

struct Case {
  std::vector<int64_t> tokens;
  int64_t batch = 0, steps = 0;
  std::vector<Tensor> expected;
};

/// The sentiment example (Embedding, a 4-layer Bi-LSTM, fused additive
/// attention) with PyTorch-initialised weights, in the caller's buffers.
struct SentimentModel {
  std::vector<std::pair<std::string, attn::Tensor>> tensors;
  std::vector<TensorRef> refs;

  SentimentModel() {
    auto loaded = detail::loadModel({std::string(ATTN_SOURCE_DIR) + "/examples/sentiment.attn", std::nullopt},
                                    {{"vocab", "50"}});
    EXPECT_TRUE(loaded) << loaded.status().message();
    auto weights = ir::initialWeights(*(*loaded)->module, 7, 0);
    EXPECT_TRUE(weights) << weights.message();
    tensors = std::move(*weights);
    for (auto &[name, t] : tensors) refs.push_back({name, toPublic(t.dtype()), t.shape(), t.data(), t.byteSize()});
  }
};

void runConcurrently(Backend backend) {
  SentimentModel model;
  CompileOptions options;
  options.backend = backend;
  // Each call also uses the module's pool (llvm). oneDNN's OpenMP runtime
  // is not built with ThreadSanitizer, which then cannot see its barriers:
  // dnnl's parallel regions run on the calling thread alone, and the eight
  // threads are the test's own.
  options.threads = backend == Backend::DNNL ? 1 : 2;
  options.cacheDir = "off";
  options.defines = {{"vocab", "50"}};
  auto module = Module::compile(ModelSource::file(std::string(ATTN_SOURCE_DIR) + "/examples/sentiment.attn"),
                                Weights::buffers(model.refs), options);
  ASSERT_TRUE(module) << module.status().message();

  std::vector<Case> cases(kThreads);
  std::mt19937_64 rng(11);
  for (int i = 0; i < kThreads; ++i) {
    Case &c = cases[i];
    c.batch = 1 + i % 3;
    c.steps = 1 + 4 * i;
    for (int64_t k = 0; k < c.batch * c.steps; ++k) c.tokens.push_back(int64_t(rng() % 50));
    auto r = module->run("forward", {TensorRef::of("tokens", {c.batch, c.steps}, c.tokens.data())});
    ASSERT_TRUE(r) << r.status().message();
    c.expected = std::move(*r);
  }

  std::atomic<int> mismatches{0}, failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      for (int round = 0; round < kRounds; ++round) {
        const Case &c = cases[(i + round) % kThreads]; // every thread meets every shape
        auto r = module->run("forward", {TensorRef::of("tokens", {c.batch, c.steps}, c.tokens.data())});
        if (!r) {
          ++failures;
          continue;
        }
        for (size_t k = 0; k < r->size(); ++k)
          if ((*r)[k].shape() != c.expected[k].shape() ||
              std::memcmp((*r)[k].data(), c.expected[k].data(), c.expected[k].byteSize()) != 0)
            ++mismatches;
      }
    });
  for (std::thread &t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(ApiThreads, LLVMModuleFromEightThreads) { runConcurrently(Backend::LLVM); }
TEST(ApiThreads, InterpreterModuleFromEightThreads) { runConcurrently(Backend::Interp); }
// Its plan caches (primitives per shape) fill from eight threads at once.
TEST(ApiThreads, DnnlModuleFromEightThreads) { runConcurrently(Backend::DNNL); }

} // namespace
} // namespace attn::api
