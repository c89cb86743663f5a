// The recurrence against oneDNN's LSTM primitive (docs/benchmarks.md):
//   lstm/<variant>/hidden:<h>/B:<b>/T:<t>
// for the shapes of [recurrent]: hidden 12 at B=1, T=32 and at B=32, T=128,
// and hidden 128 at B=32, T=128, one thread, with the variants
//   dnnl_encoder  oneDNN's 4-layer bidirectional LSTM alone (DnnlLstm.h)
//   llvm_encoder  attnc's same encoder alone (bench/models/lstm_encoder.attn)
//   llvm_model    attnc's whole sentiment model (examples/sentiment.attn):
//                 embedding, encoder, attention, LayerNorm, fc1, fc2
// GFLOP/s counts the encoder's FLOPs (ir/Cost.h) for all three, so the
// counter compares the same work.
#include "BenchSupport.h"
#include "DnnlLstm.h"

#include <map>

namespace attn::bench {
namespace {

struct Shape {
  int64_t hidden, B, T;
};
const Shape kShapes[] = {{12, 1, 32}, {12, 32, 128}, {128, 32, 128}};

void registerAll(bool smoke) {
  for (const Shape &s : kShapes) {
    std::string suffix = "/hidden:" + std::to_string(s.hidden) + "/B:" + std::to_string(s.B) + "/T:" + std::to_string(s.T);
    std::vector<std::pair<std::string, std::string>> defines = {{"hidden", std::to_string(s.hidden)}};
    ir::DimBindings dims = {{"B", s.B}, {"T", s.T}};
    // The encoder's FLOPs, from the IR (compiled once per shape).
    auto encoderFlops = [=] {
      static std::map<std::string, double> flops;
      if (!flops.count(suffix))
        flops[suffix] = compileModel(sourcePath("bench/models/lstm_encoder.attn"), defines, "forward",
                                     Variant::Interp, dims).flops;
      return flops[suffix];
    };
    auto *b = benchmark::RegisterBenchmark(("lstm/dnnl_encoder" + suffix).c_str(), [=](benchmark::State &state) {
      DnnlLstm lstm(4, s.T, s.B, 128, s.hidden);
      for (auto _ : state) lstm.run();
      setFlops(state, encoderFlops());
    });
    configure(b, smoke);
    for (const char *variant : {"llvm_encoder", "llvm_model"}) {
      std::string path = sourcePath(std::string(variant) == "llvm_encoder" ? "bench/models/lstm_encoder.attn"
                                                                          : "examples/sentiment.attn");
      b = benchmark::RegisterBenchmark((std::string("lstm/") + variant + suffix).c_str(), [=](benchmark::State &state) {
        static std::map<std::string, CompiledModel> cache;
        auto it = cache.find(path + suffix);
        if (it == cache.end())
          it = cache.emplace(path + suffix, compileModel(path, defines, "forward", Variant::LLVMFused, dims)).first;
        runModel(state, it->second, Results::Preallocated);
        setFlops(state, encoderFlops());
      });
      configure(b, smoke);
    }
  }
}

} // namespace
} // namespace attn::bench

int main(int argc, char **argv) { return attn::bench::benchMain(argc, argv, attn::bench::registerAll); }
