// The targets every JIT test suite compiles for: the host and each ISA level
// the host can execute, so that one machine tests the code every kind of
// project machine runs (architecture.md, "Numerics").
#pragma once

#include "codegen/Backend.h"
#include "codegen/llvm/LLVMBackend.h"

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

namespace attn::llvmcg::testing {

/// A target to compile for: the host, or an ISA level the host can execute
/// (llvm); or the dnnl backend (the options unused).
struct TargetCase {
  std::string name;
  LLVMOptions options;
  codegen::Backend backend = codegen::Backend::LLVM;
};

/// The host, then every x86-64 level the host can execute but v2 (which
/// compiles as the baseline does: SSE, 128-bit vectors): the baseline, v3
/// (AVX2 + FMA, what AMD Zen 3 machines run) and v4 (AVX-512). So an AVX-512
/// machine also tests the code an AVX2 machine runs. Elsewhere: the host and
/// the architecture's generic CPU. A build configured with
/// -DATTN_TEST_TARGETS=host,x86_64 keeps only the targets named (the
/// sanitizer build: its cost is in the C++ it checks, which the widest and
/// the narrowest vectors exercise; the release build runs them all).
inline std::vector<TargetCase> testTargets() {
  std::vector<TargetCase> targets = {{"host", {}}};
#if defined(__x86_64__)
  for (const std::string &level : hostIsaLevels())
    if (level != "x86-64-v2") {
      std::string name = level;
      std::replace(name.begin(), name.end(), '-', '_');
      targets.push_back({name, {level, "", 0}});
    }
#elif defined(__aarch64__)
  targets.push_back({"generic", {"generic", "", 0}});
#endif
  const std::string only = "," + std::string(ATTN_TEST_TARGETS) + ",";
  if (only == ",,") return targets;
  std::vector<TargetCase> kept;
  for (const TargetCase &t : targets)
    if (only.find("," + t.name + ",") != std::string::npos) kept.push_back(t);
  return kept;
}

/// What the differential suites (every op, the golden models, the fusion
/// cases, the sweeps) compare with the interpreter: testTargets(), then the
/// dnnl backend.
inline std::vector<TargetCase> differentialTargets() {
  std::vector<TargetCase> targets = testTargets();
  targets.push_back({"dnnl", {}, codegen::Backend::DNNL});
  return targets;
}

inline void PrintTo(const TargetCase &target, std::ostream *os) { *os << target.name; }

/// `target`'s options with `threads` threads per run.
inline LLVMOptions withThreads(const TargetCase &target, unsigned threads) {
  LLVMOptions options = target.options;
  options.threads = threads;
  return options;
}

} // namespace attn::llvmcg::testing
