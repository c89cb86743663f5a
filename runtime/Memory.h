// Sizes and memory a run may use: tensor byte counts computed with overflow
// checks (every dim can come from a stranger's file), the machine's physical
// memory (the default limit), and a per-run budget that says no before an
// allocation is attempted rather than after the machine is out of memory.
#pragma once

#include "runtime/DType.h"
#include "runtime/Status.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace attn {

/// The elements of `shape`, or nullopt when a dim is negative or the count
/// overflows int64 (a zero dim makes the count 0 whatever the others are).
std::optional<int64_t> checkedNumElements(std::span<const int64_t> shape);

/// The bytes of a tensor of `dtype` and `shape`, or nullopt as for
/// checkedNumElements, or when the byte count exceeds kMaxTensorBytes.
std::optional<uint64_t> checkedTensorBytes(DType dtype, std::span<const int64_t> shape);

/// No tensor is larger (2^62 bytes): sums of a few such sizes, rounded up to
/// an alignment, cannot overflow a uint64_t.
inline constexpr uint64_t kMaxTensorBytes = uint64_t(1) << 62;

/// The machine's physical memory in bytes (sysconf); 0 if unknown.
uint64_t physicalMemoryBytes();

/// "512 MiB", "3.2 GiB", "100 bytes".
std::string formatBytes(uint64_t bytes);

/// Parses a memory size as the CLI takes it: a count of bytes with an
/// optional suffix K, M, G or T (powers of 1024, an optional "iB" or "B"
/// after it): "4G", "512MiB", "100000". Nullopt for anything else, zero, or
/// an overflow.
std::optional<uint64_t> parseByteSize(std::string_view text);

/// The memory one run may allocate for tensors: results, intermediate
/// values, scratch. Not thread-safe: each run has its own.
class MemoryBudget {
public:
  /// `limit` 0: the machine's physical memory (no limit where unknown).
  explicit MemoryBudget(uint64_t limit);

  /// Counts `bytes` more, or an error naming `what` when they would take
  /// the run past its limit (nothing is counted then).
  Status reserve(uint64_t bytes, std::string_view what);
  /// As reserve, with the name made by `what()` only when the error needs
  /// it: no string is built per call on a run's path.
  template <typename What> Status reserveNamedBy(uint64_t bytes, What &&what) {
    if (bytes <= limit_ - used_) return reserve(bytes, {}); // used_ <= limit_ always
    return reserve(bytes, what());
  }

  uint64_t used() const { return used_; }
  uint64_t limit() const { return limit_; }

private:
  uint64_t limit_, used_ = 0;
};

/// The error for a run that needs `needed` bytes under a limit of `limit`.
Status memoryLimitError(std::string_view what, uint64_t needed, uint64_t limit);

} // namespace attn
