// The bundled example models, whole (docs/benchmarks.md):
//   model/<example>/<fn>/<variant>/hidden:<h>/B:<b>/T:<t>
// each function of sentiment, bilstm_dot, seq2seq and additive_block at its
// natural size (hidden as the file says) and at hidden 128, over B in
// {1, 32} and T in {32, 128}, on the interpreter, and on llvm and dnnl
// without and with fusion, one thread; and
//   compile/<example>/cold, compile/<example>/cold_2threads, compile/<example>/warm
// the time from the model file to a ready llvm executable (frontend, the
// default pipeline, LLVM code generation and JIT), weights made once
// before the timing: without the object cache on 1 and 2 threads, and with
// a hit in it (a directory of the bench's own, filled by the first compile);
//   compile/statements:<N>
// a model of N statements (x = x * 1.0001; N = 1000, 10000, 100000) through
// the frontend, the default pipeline and the IR printer: the time grows
// about linearly with N (issue [hardening]; docs/performance.md).
#include "BenchSupport.h"

#include "ir/Printer.h"

#include <filesystem>
#include <map>
#include <unistd.h>

namespace attn::bench {
namespace {

struct Example {
  const char *name;
  std::vector<const char *> functions;
};

const Example kExamples[] = {{"sentiment", {"forward"}},
                             {"bilstm_dot", {"forward"}},
                             {"seq2seq", {"encode", "decode_step"}},
                             {"additive_block", {"forward"}}};
const int64_t kBatches[] = {1, 32}, kTimes[] = {32, 128};

std::string examplePath(const char *name) { return sourcePath(std::string("examples/") + name + ".attn"); }

/// An object cache directory of this process's own, removed at exit.
std::string benchCacheDirectory() {
  static const struct Directory {
    std::string path = (std::filesystem::temp_directory_path() / ("attnc-bench-cache-" + std::to_string(getpid()))).string();
    ~Directory() {
      std::error_code e;
      std::filesystem::remove_all(path, e);
    }
  } directory;
  return directory.path;
}

void registerStatementCounts(bool smoke);

void registerAll(bool smoke) {
  for (const Example &e : kExamples) {
    for (const char *fn : e.functions)
      for (int64_t hidden : {int64_t(0), int64_t(128)}) // 0: the file's own
        for (Variant v : kAllVariants)
          for (int64_t B : kBatches)
            for (int64_t T : kTimes) {
              std::string name = std::string("model/") + e.name + "/" + fn + "/" + variantName(v) +
                                 "/hidden:" + (hidden ? std::to_string(hidden) : "file") + "/B:" + std::to_string(B) +
                                 "/T:" + std::to_string(T);
              std::string path = examplePath(e.name), function = fn;
              auto *b = benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State &state) {
                static std::map<std::string, CompiledModel> cache;
                auto it = cache.find(name);
                if (it == cache.end()) {
                  std::vector<std::pair<std::string, std::string>> defines;
                  if (hidden) defines.emplace_back("hidden", std::to_string(hidden));
                  it = cache.emplace(name, compileModel(path, defines, function, v, {{"B", B}, {"T", T}})).first;
                }
                runModel(state, it->second, Results::Fresh);
              });
              configure(b, smoke);
            }
    std::string path = examplePath(e.name), fn = e.functions.front();
    for (std::string kind : {"cold", "cold_2threads", "warm"}) {
      std::string cache = kind == "warm" ? benchCacheDirectory() : "off";
      unsigned threads = kind == "cold_2threads" ? 2 : 1;
      auto *b = benchmark::RegisterBenchmark((std::string("compile/") + e.name + "/" + kind).c_str(), [=](benchmark::State &state) {
        auto weights = compileModel(path, {}, fn, Variant::LLVMFused, {{"B", 1}, {"T", 1}}, threads, cache).weights;
        for (auto _ : state)
          benchmark::DoNotOptimize(compileModel(path, {}, fn, Variant::LLVMFused, {{"B", 1}, {"T", 1}}, threads, cache, weights));
      });
      configure(b, smoke, benchmark::kMillisecond);
    }
  }
  registerStatementCounts(smoke);
}

/// N lines of `x = x * 1.0001`: a long model with a long use-def chain.
std::string longModel(int64_t statements) {
  std::string text = "model long\ndim N\nfn f(x: f32[N]) -> (y: f32[N]) {\n";
  for (int64_t i = 0; i < statements; ++i) text += "  x = x * 1.0001\n";
  return text + "  return x\n}\n";
}

void registerStatementCounts(bool smoke) {
  for (int64_t n : {int64_t(1000), int64_t(10000), int64_t(100000)}) {
    if (smoke && n > 10000) continue;
    auto *b = benchmark::RegisterBenchmark(("compile/statements:" + std::to_string(n)).c_str(), [n](benchmark::State &state) {
      std::string text = longModel(n);
      for (auto _ : state) {
        auto compiled = frontend::compileModelText(text, "long.attn");
        if (!compiled.module) return state.SkipWithError(compiled.diagnostics.c_str());
        passes::PassContext context(*compiled.module);
        std::ostringstream log;
        if (Status s = passes::runPipeline(context, passes::PipelineOptions{}, log); !s)
          return state.SkipWithError(s.message().c_str());
        benchmark::DoNotOptimize(ir::moduleToString(*compiled.module));
      }
      state.counters["statements"] = double(n);
      state.counters["seconds_per_statement"] =
          benchmark::Counter(double(n), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
    });
    configure(b, smoke, benchmark::kMillisecond);
  }
}

} // namespace
} // namespace attn::bench

int main(int argc, char **argv) { return attn::bench::benchMain(argc, argv, attn::bench::registerAll); }
