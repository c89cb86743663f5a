// Random well-typed attn programs (docs/testing.md), and the check that every
// backend agrees with the interpreter on them.
//
// A program is a pure function of a sequence of choices (Hypothesis-style):
// generated from a seed, a program records the choices it made; replaying
// any sequence gives a valid program (a missing choice reads as 0, the
// simplest option). Shrinking a failing program therefore needs no
// knowledge of the language: it deletes and lowers choices and keeps what
// still fails.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace attn::generator {

/// The choices of one program, recorded or replayed.
class Choices {
public:
  /// Fresh random choices from `seed`.
  explicit Choices(uint64_t seed) : rng_(seed), random_(true) {}
  /// Replays `values`; past their end, zeros.
  explicit Choices(std::vector<uint32_t> values) : values_(std::move(values)) {}

  /// In [0, bound) (0 when bound is 0).
  uint32_t below(uint32_t bound);
  /// One of `options`.
  template <typename T> const T &pick(const std::vector<T> &options) { return options[below(uint32_t(options.size()))]; }
  const std::vector<uint32_t> &values() const { return values_; }

private:
  std::mt19937 rng_;
  bool random_ = false;
  std::vector<uint32_t> values_;
  size_t at_ = 0;
};

struct Program {
  std::string text;                       // the model file
  std::map<std::string, int64_t> dims;    // B, T for the run
  uint64_t inputSeed = 0;                 // sampleInputs' and initialWeights' seed
};

/// A program from `choices`: dims B, T; arguments x: f32[B, T, D] and, at
/// times, token ids; one to eight statements over the elementwise functions,
/// broadcasting arithmetic, reductions, softmax, matmul, Linear, LayerNorm,
/// LSTM/GRU/RNN, Conv1d, Embedding, concat and the additive, dot-product and
/// Luong attention spellings; it returns one or two of its values.
Program generate(Choices &choices);

/// Runs `program` on the interpreter (as written: the reference), the
/// interpreter and the llvm backend (after the default pipeline, fused) and
/// compares them (all succeed or all fail, the optimised two with the same
/// message; results within architecture.md's tolerance). Nullopt when they
/// agree, else what differs; a program the frontend rejects is a failure
/// too (the generator only writes valid programs).
std::optional<std::string> checkProgram(const Program &program);

/// A check of a program: nullopt when it passes, else "KIND: details".
using Check = std::function<std::optional<std::string>(const Program &)>;

/// The shortest choice sequence found (deleting runs of choices, lowering
/// each) whose program still fails `check` with the same KIND of failure,
/// within `attempts` re-checks.
std::vector<uint32_t> shrink(std::vector<uint32_t> failing, const Check &check = checkProgram,
                             unsigned attempts = 400);

} // namespace attn::generator
