// Linear alone, y = x W^T + b with x: [M, K] and W: [N = K, K]
// (bench/models/linear.attn), on llvm against oneDNN's matmul with a bias
// and LIBXSMM's JIT small-GEMM kernels (the reference for small shapes:
// C = bias, then C += x W^T over blocks of 64 rows):
//   linear/<llvm|dnnl|libxsmm>/M:<m>/K:<k>
// over M in {1, 32, 1024, 4096} and K in {12, 24, 48, 128, 512}; one thread,
// and llvm on two (linear/llvm_2threads) for M >= 1024. Every variant writes
// into a destination allocated once (llvm through runInto).
#include "BenchSupport.h"
#include "DnnlMatmul.h"

#include <libxsmm.h>

#include <map>

namespace attn::bench {
namespace {

const int64_t kRows[] = {1, 32, 1024, 4096}, kWidths[] = {12, 24, 48, 128, 512};
constexpr int64_t kXsmmRows = 64;

double linearFlops(int64_t M, int64_t K) { return 2.0 * double(M * K * K) + double(M * K); }

void llvmLinear(benchmark::State &state, int64_t M, int64_t K, unsigned threads) {
  static std::map<std::tuple<int64_t, int64_t, unsigned>, CompiledModel> cache;
  auto it = cache.find({M, K, threads});
  if (it == cache.end())
    it = cache
             .emplace(std::make_tuple(M, K, threads),
                      compileModel(sourcePath("bench/models/linear.attn"), {{"features", std::to_string(K)}},
                                   "forward", Variant::LLVMFused, {{"M", M}}, threads))
             .first;
  runModel(state, it->second, Results::Preallocated);
}

/// Column-major LIBXSMM: C (K x rows) = W^T-as-(K x K) x X^T (K x rows), i.e.
/// the row-major y = x W^T with Wt = W^T stored row-major.
void xsmmLinear(benchmark::State &state, int64_t M, int64_t K) {
  std::vector<float> x(size_t(M * K), 0.5f), wt(size_t(K * K), 0.25f), bias(size_t(K), 0.1f), y(size_t(M * K));
  libxsmm_blasint k = libxsmm_blasint(K), rows = libxsmm_blasint(std::min(M, kXsmmRows));
  float alpha = 1, beta = 1;
  auto full = libxsmm_smmdispatch(k, rows, k, &k, &k, &k, &alpha, &beta, nullptr, nullptr);
  libxsmm_blasint tailRows = libxsmm_blasint(M % kXsmmRows);
  auto tail = tailRows && M > kXsmmRows
                  ? libxsmm_smmdispatch(k, tailRows, k, &k, &k, &k, &alpha, &beta, nullptr, nullptr)
                  : full;
  if (!full || !tail) {
    state.SkipWithError("LIBXSMM has no kernel for this shape");
    return;
  }
  for (auto _ : state) {
    for (int64_t r = 0; r < M; ++r) std::copy(bias.begin(), bias.end(), y.begin() + r * K);
    for (int64_t r = 0; r < M; r += kXsmmRows)
      (r + kXsmmRows <= M ? full : tail)(wt.data(), x.data() + r * K, y.data() + r * K);
    benchmark::DoNotOptimize(y.data());
  }
  setFlops(state, linearFlops(M, K));
}

void registerAll(bool smoke) {
  libxsmm_init();
  for (int64_t M : kRows)
    for (int64_t K : kWidths) {
      std::string suffix = "/M:" + std::to_string(M) + "/K:" + std::to_string(K);
      std::vector<benchmark::internal::Benchmark *> added = {
          benchmark::RegisterBenchmark(("linear/llvm" + suffix).c_str(),
                                       [M, K](benchmark::State &s) { llvmLinear(s, M, K, 1); }),
          benchmark::RegisterBenchmark(("linear/dnnl" + suffix).c_str(),
                                       [M, K](benchmark::State &state) {
                                         DnnlMatmul matmul(1, M, K, K, true, false);
                                         for (auto _ : state) matmul.run();
                                         setFlops(state, linearFlops(M, K));
                                       }),
          benchmark::RegisterBenchmark(("linear/libxsmm" + suffix).c_str(),
                                       [M, K](benchmark::State &s) { xsmmLinear(s, M, K); })};
      if (M >= 1024)
        added.push_back(benchmark::RegisterBenchmark(("linear/llvm_2threads" + suffix).c_str(),
                                                     [M, K](benchmark::State &s) { llvmLinear(s, M, K, 2); }));
      for (auto *b : added) configure(b, smoke);
    }
}

} // namespace
} // namespace attn::bench

int main(int argc, char **argv) { return attn::bench::benchMain(argc, argv, attn::bench::registerAll); }
