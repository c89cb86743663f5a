// The bundled example models, whole (docs/benchmarks.md):
//   model/<example>/<fn>/<variant>/hidden:<h>/B:<b>/T:<t>
// each function of sentiment, bilstm_dot, seq2seq and additive_block at its
// natural size (hidden as the file says) and at hidden 128, over B in
// {1, 32} and T in {32, 128}, on the interpreter and on llvm without and
// with fusion, one thread; and
//   compile/<example>/cold, compile/<example>/cold_2threads, compile/<example>/warm
// the time from the model file to a ready llvm executable (frontend, the
// default pipeline, LLVM code generation and JIT), weights made once
// before the timing: without the object cache on 1 and 2 threads, and with
// a hit in it (a directory of the bench's own, filled by the first compile).
#include "BenchSupport.h"

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

void registerAll(bool smoke) {
  for (const Example &e : kExamples) {
    for (const char *fn : e.functions)
      for (int64_t hidden : {int64_t(0), int64_t(128)}) // 0: the file's own
        for (Variant v : {Variant::Interp, Variant::LLVMUnfused, Variant::LLVMFused})
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
                runModel(state, it->second);
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
}

} // namespace
} // namespace attn::bench

int main(int argc, char **argv) { return attn::bench::benchMain(argc, argv, attn::bench::registerAll); }
