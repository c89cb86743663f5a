// The attention blocks in every variant (docs/benchmarks.md): the additive
// block (examples/additive_block.attn, A = D) and the dot block
// (bench/models/dot_block.attn) on the interpreter, on llvm and on dnnl
// without fusion and with it, next to oneDNN's matmul for the same GEMM (h W^T for
// additive, the batched q . h_t for dot) plain and, for additive, with its
// bias + tanh post-op: the roofline references; and, for the additive block
// at B = 32, llvm fused on two threads (llvm_fused_2threads); for the
// additive block at D = 24, a measured lower bound of a fused kernel with
// attnc's tanh on this machine (`floor`, AdditiveFloor.h).
//   attention/<additive|dot>/<variant>/B:<b>/T:<t>/D:<d>
// over B in {1, 32}, T in {16, 128, 1024}, D in {24, 128, 512}; one thread
// unless the variant says two.
#include "AdditiveFloor.h"
#include "BenchSupport.h"
#include "DnnlMatmul.h"

#include <map>

namespace attn::bench {
namespace {

const int64_t kBatches[] = {1, 32}, kTimes[] = {16, 128, 1024}, kWidths[] = {24, 128, 512};

struct Shape {
  bool additive;
  int64_t B, T, D;
};

/// Compiled once per (variant, shape): Google Benchmark calls a benchmark
/// function several times while it sizes the iteration count.
const CompiledModel &compiled(Variant variant, const Shape &s, unsigned threads = 1) {
  static std::map<std::tuple<int, bool, int64_t, int64_t, int64_t, unsigned>, CompiledModel> cache;
  auto key = std::make_tuple(int(variant), s.additive, s.B, s.T, s.D, threads);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  std::string D = std::to_string(s.D);
  CompiledModel m =
      s.additive
          ? compileModel(sourcePath("examples/additive_block.attn"), {{"hidden", D}, {"attn_dim", D}}, "forward",
                         variant, {{"B", s.B}, {"T", s.T}}, threads)
          : compileModel(sourcePath("bench/models/dot_block.attn"), {{"hidden", D}}, "forward", variant,
                         {{"B", s.B}, {"T", s.T}}, threads);
  return cache.emplace(key, std::move(m)).first->second;
}

void registerAll(bool smoke) {
  for (bool additive : {true, false})
    for (int64_t B : kBatches)
      for (int64_t T : kTimes)
        for (int64_t D : kWidths) {
          Shape s{additive, B, T, D};
          std::string suffix = "/B:" + std::to_string(B) + "/T:" + std::to_string(T) + "/D:" + std::to_string(D);
          std::string block = additive ? "attention/additive/" : "attention/dot/";
          std::vector<benchmark::internal::Benchmark *> added;
          for (Variant v : kAllVariants)
            added.push_back(benchmark::RegisterBenchmark((block + variantName(v) + suffix).c_str(),
                                                         [v, s](benchmark::State &state) {
                                                           runModel(state, compiled(v, s), Results::Preallocated);
                                                         }));
          if (additive && B > 1)
            added.push_back(benchmark::RegisterBenchmark((block + "llvm_fused_2threads" + suffix).c_str(),
                                                         [s](benchmark::State &state) {
                                                           runModel(state, compiled(Variant::LLVMFused, s, 2), Results::Preallocated);
                                                         }));
          if (additive && D == 24)
            added.push_back(benchmark::RegisterBenchmark((block + "floor" + suffix).c_str(),
                                                         [s](benchmark::State &state) {
                                                           runAdditiveFloor(state, s.B, s.T);
                                                           setFlops(state, 2.0 * double(s.B * s.T * s.D * s.D));
                                                         }));
          for (bool tanh : additive ? std::vector<bool>{false, true} : std::vector<bool>{false})
            added.push_back(benchmark::RegisterBenchmark(
                (block + (tanh ? "dnnl_matmul_tanh" : "dnnl_matmul") + suffix).c_str(),
                [s, tanh](benchmark::State &state) {
                  // additive: [B*T, D] x [D, A = D]; dot: B products [T, D] x [D, 1].
                  DnnlMatmul matmul = s.additive ? DnnlMatmul(1, s.B * s.T, s.D, s.D, tanh, tanh)
                                                 : DnnlMatmul(s.B, s.T, s.D, 1, false, false);
                  for (auto _ : state) matmul.run();
                  setFlops(state, 2.0 * double(s.B * s.T * s.D) * double(s.additive ? s.D : 1));
                }));
          for (auto *b : added) configure(b, smoke);
        }
}

} // namespace
} // namespace attn::bench

int main(int argc, char **argv) { return attn::bench::benchMain(argc, argv, attn::bench::registerAll); }
