// What the libFuzzer targets share: a failed property is a crash the fuzzer
// reports (with the input saved), and a reader that turns the fuzzer's bytes
// into small choices.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace attn::fuzz {

/// Stops the run with `what`: libFuzzer saves the input that got here.
[[noreturn]] inline void fail(const std::string &what) {
  std::fprintf(stderr, "fuzz property failed: %s\n", what.c_str());
  std::abort();
}

#define ATTN_FUZZ_CHECK(cond, what)                                                                \
  do {                                                                                             \
    if (!(cond)) ::attn::fuzz::fail(std::string(#cond) + ": " + (what));                          \
  } while (0)

/// Consumes the fuzzer's bytes front to back; past the end, zeros.
class ByteReader {
public:
  ByteReader(const uint8_t *data, size_t size) : data_(data), size_(size) {}
  uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  /// In [0, bound).
  unsigned below(unsigned bound) { return bound ? byte() % bound : 0; }
  size_t left() const { return size_ - at_; }

private:
  const uint8_t *data_;
  size_t size_, at_ = 0;
};

} // namespace attn::fuzz
