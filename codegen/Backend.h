// Choosing a backend: the one entry point from a checked Module and its
// weights to an Executable, whichever backend compiles it.
#pragma once

#include "ir/Graph.h"
#include "runtime/Executable.h"
#include "runtime/WeightStore.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attn::codegen {

enum class Backend { Interp, LLVM, DNNL };

/// What a backend may be told beyond the module and weights.
struct CompileOptions {
  /// Threads per run, the caller's included (llvm, dnnl); 0: every hardware thread.
  unsigned threads = 0;
  /// The CPU and extra features to compile for (llvm); empty: the host's.
  std::string cpu, features;
  /// The object cache's directory (llvm); empty: the environment's
  /// (ATTNC_CACHE_DIR, ...), "off": none.
  std::string cacheDir = "";
  /// The bytes of tensors one run may allocate (results, intermediate
  /// values, scratch); past it the run is an error. 0: the machine's
  /// physical memory.
  uint64_t maxMemory = 0;
};

/// The backend used when none is chosen: the fastest that is correct.
inline constexpr Backend kDefaultBackend = Backend::LLVM;

/// "interp", "llvm" or "dnnl".
std::optional<Backend> parseBackend(std::string_view name);
std::string_view backendName(Backend backend);

/// The weights `module` expects, for WeightStore::bind/open: every weight but
/// the constants a pass made (Module::constantData), which the module holds.
std::vector<WeightSpec> weightSpecs(const ir::Module &module);

Result<std::unique_ptr<Executable>> compile(std::shared_ptr<const ir::Module> module,
                                            std::shared_ptr<const WeightStore> weights,
                                            Backend backend, const CompileOptions &options = {});

} // namespace attn::codegen
