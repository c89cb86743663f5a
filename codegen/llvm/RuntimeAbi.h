// The C ABI of the code the llvm backend generates, the same for the JIT and
// for `attnc compile --emit=obj` (docs/llvm-backend.md). For each function
// `fn` of model `m` the code defines
//
//   int64_t attn_m_fn_scratch_bytes(const int64_t *dims);
//   int32_t attn_m_fn(const void *const *inputs, void *const *outputs,
//                     const int64_t *dims, void *scratch,
//                     attn_parallel_for_fn parallelFor, void *pool,
//                     int64_t *error);
//
// inputs: the arguments' data in declaration order; outputs: the results'
// buffers in return order (written, never read); dims: the symbolic dims in
// the order of their first appearance in the arguments' shapes; scratch: at
// least scratch_bytes(dims) bytes, 64-byte aligned (scratch_bytes returns -1
// when the size overflows int64: the dims are impossible, do not call the
// entry); parallelFor: null for
// single-threaded, else called to run a task over [0, count) in ranges of at
// least grain items (any split), or, when grain < 0, of at least -grain items
// and one range per thread (ThreadPool::Split::PerThread);
// error: null, or 4 words whose first three receive {node index, a, b} when
// the result is not 0.
#pragma once

#include <cctype>
#include <cstdint>
#include <string>

extern "C" {
typedef void (*attn_task_fn)(void *frame, int64_t begin, int64_t end);
typedef void (*attn_parallel_for_fn)(void *pool, attn_task_fn task, void *frame, int64_t count,
                                     int64_t grain);
typedef int32_t (*attn_entry_fn)(const void *const *inputs, void *const *outputs,
                                 const int64_t *dims, void *scratch,
                                 attn_parallel_for_fn parallelFor, void *pool, int64_t *error);
typedef int64_t (*attn_scratch_bytes_fn)(const int64_t *dims);
}

namespace attn::llvmcg {

/// What the entry returns when the data (not the dims) makes a run fail;
/// error[0] is the failing node's index in its graph.
enum RuntimeError : int32_t {
  kRunOk = 0,
  kEmbeddingOutOfRange = 1, // error[1]: flat position, error[2]: the id
  kIntegerDivisionByZero = 2,
  kLengthOutOfRange = 3,    // error[1]: batch row, error[2]: the length
};

/// Alignment of the scratch block and of every buffer inside it.
inline constexpr int64_t kScratchAlignment = 64;

/// `name` with every character but letters and digits replaced by '_'.
inline std::string symbolPart(const std::string &name) {
  std::string s;
  for (char c : name) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

/// "attn_<model>_<fn>": the entry point of a function.
inline std::string entrySymbol(const std::string &model, const std::string &function) {
  return "attn_" + symbolPart(model) + "_" + symbolPart(function);
}

/// "attn_weight_<name>": a weight the code refers to when emitted without it.
inline std::string weightSymbol(const std::string &weight) { return "attn_weight_" + symbolPart(weight); }

} // namespace attn::llvmcg
