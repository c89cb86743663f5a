// The llvm backend: an optimised Graph becomes LLVM IR, compiled by its own
// function pipeline for the host's CPU (detected at run time) or a chosen one, and
// either run in-process through the ORC JIT or written out as LLVM IR,
// assembly, an ELF object or a static library, with a C header
// (docs/llvm-backend.md has the object's ABI).
// No LLVM header is included here.
#pragma once

#include "ir/Graph.h"
#include "runtime/Executable.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace attn::llvmcg {

struct LLVMOptions {
  /// The CPU to compile for; empty: the host's, with the host's features.
  std::string cpu;
  /// Features added to the CPU's own ("+avx2,+fma"); used only with `cpu`.
  std::string features;
  /// Threads per run (the caller's included); 0: every hardware thread.
  /// Compiling a function uses as many.
  unsigned threads = 0;
  /// The object cache's directory; empty: the environment's
  /// (ATTNC_CACHE_DIR, docs/llvm-backend.md); "off": no cache.
  std::string cacheDir = "";
  /// The bytes of tensors one run may use: its results (once each, in the
  /// caller's buffers or its own) and scratch; 0: the machine's physical memory.
  uint64_t maxMemory = 0;
};

/// Checks `module` and `weights` as the interpreter does (the same messages)
/// and compiles every function. The Executable keeps the module and the
/// weights (through `weights.owner`) alive; its runs are thread-safe.
Result<std::unique_ptr<Executable>> compileLLVM(std::shared_ptr<const ir::Module> module,
                                                WeightMap weights, const LLVMOptions &options = {});

/// The scratch memory (bytes) one run of `function` of an llvm Executable
/// takes under `dims` (symbol -> value): intermediate values and
/// temporaries share memory where their lifetimes do not overlap.
Result<int64_t> scratchBytes(const Executable &executable, std::string_view function,
                             const std::map<std::string, int64_t> &dims);

enum class EmitKind { LLVMIR, Assembly, Object };

/// The module's code as text (LLVM IR after the pipeline, or assembly) or
/// object file bytes. With `weights` they are compiled in as constant data;
/// without, the code refers to them as external symbols (docs/llvm-backend.md).
Result<std::string> emitCode(const ir::Module &module, const WeightMap *weights, EmitKind kind,
                             const LLVMOptions &options = {});

/// A static library of `object` (emitCode's Object bytes): an ar archive in
/// GNU format with a symbol table, its one member named `memberName`.
Result<std::string> archiveObject(const std::string &object, const std::string &memberName);

/// A C header for the code emitCode makes of `module` (with the weights
/// compiled in, or not: then it declares the attn_weight_ symbols): the raw
/// entry points and, per function, typed wrappers that check the dims, the
/// scratch and the pointers before calling them (docs/llvm-backend.md, "The
/// object file ABI"). It compiles as C99 and as C++. An error where two of
/// its names would be the same C name.
Result<std::string> emitCHeader(const ir::Module &module, bool weightsCompiledIn);

/// Whether LLVM knows the CPU and the features of `options` (ok for the host).
Status checkTarget(const LLVMOptions &options);

/// The ISA features code compiled for `options` may use that this host's CPU
/// lacks ("avx512f", ...): none for the host itself. Running such code would
/// stop the process on an illegal instruction, so the JIT refuses it.
std::vector<std::string> missingHostFeatures(const LLVMOptions &options);

/// The x86-64 micro-architecture levels this host can execute, oldest first
/// ("x86-64", "x86-64-v2", "x86-64-v3", "x86-64-v4"); none on other
/// architectures. Each is a CPU name for LLVMOptions::cpu.
std::vector<std::string> hostIsaLevels();

/// The highest of hostIsaLevels() ("x86-64-v4"), or "host" where there are none.
std::string hostIsaLevel();

/// "sapphirerapids (512-bit vectors, fma)": what code is compiled for.
std::string describeTarget(const LLVMOptions &options = {});

} // namespace attn::llvmcg
