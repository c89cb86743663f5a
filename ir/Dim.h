// A dimension of a shape: an integer polynomial over symbolic dims (`B`, `T`).
// `2*T`, `B*T + 1` and `128` are all Dims. Two Dims are equal exactly when
// their canonical polynomials are, which is what shape checking needs; a Dim
// is evaluated once the symbols are bound from the inputs at run time.
//
// Arithmetic is checked: a coefficient that would overflow int64 makes the
// result an overflowed Dim, which stays overflowed through further arithmetic,
// equals no other Dim, has no value, and prints as `overflow`. Shape inference
// and the frontend turn it into a diagnostic at the source location.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace attn::ir {

class Dim {
public:
  Dim() = default;
  Dim(int64_t constant); // NOLINT: integers are dims
  static Dim symbol(const std::string &name);

  bool isConstant() const;
  std::optional<int64_t> constant() const;
  /// The symbol's name when this Dim is exactly one symbol with coefficient 1.
  std::optional<std::string> asSymbol() const;
  /// Every symbol that occurs in this Dim.
  std::vector<std::string> symbols() const;

  Dim operator+(const Dim &o) const;
  Dim operator-(const Dim &o) const;
  Dim operator*(const Dim &o) const;
  /// Exact division: `6*T / 2 == 3*T`, `B*T / T == B`; nullopt if not exact.
  std::optional<Dim> divideExact(const Dim &o) const;
  bool operator==(const Dim &o) const {
    return !overflowed_ && !o.overflowed_ && terms_ == o.terms_;
  }
  bool operator!=(const Dim &o) const { return !(*this == o); }

  /// True when arithmetic that made this Dim overflowed int64.
  bool overflowed() const { return overflowed_; }

  /// Value under `bindings`; nullopt if a symbol is unbound, the Dim
  /// overflowed, or its value under these bindings overflows int64.
  std::optional<int64_t> evaluate(const std::map<std::string, int64_t> &bindings) const;

  /// Canonical text: `B*T + 2*T + 1`, `128`, `T - 1`.
  std::string str() const;

private:
  using Monomial = std::vector<std::string>; // sorted symbol names; empty = 1
  std::map<Monomial, int64_t> terms_;        // no zero coefficients
  bool overflowed_ = false;                  // terms_ then means nothing
  void addTerm(const Monomial &m, int64_t coefficient);
  static Dim overflow();
};

using DimList = std::vector<Dim>;

/// "[B, T, 24]"
std::string dimsToString(const DimList &dims);

} // namespace attn::ir
