// A dimension of a shape: an integer polynomial over symbolic dims (`B`, `T`)
// and over the atoms floordiv(a, b), min(a, b) and max(a, b) of two Dims,
// which strided slices, pooling and convolution over a symbolic T need.
// `2*T`, `B*T + 1`, `floordiv(T - 3, 2) + 1` and `128` are all Dims. Two Dims
// are equal exactly when their canonical polynomials are (an atom is compared
// by its canonical text), which is what shape checking needs; a Dim is
// evaluated once the symbols are bound from the inputs at run time.
//
// Arithmetic is checked: a coefficient that would overflow int64 makes the
// result an overflowed Dim, which stays overflowed through further arithmetic,
// equals no other Dim, has no value, and prints as `overflow`. Shape inference
// and the frontend turn it into a diagnostic at the source location.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace attn::ir {

class Dim {
public:
  enum class Op : uint8_t { FloorDiv, Min, Max };
  struct Atom;
  /// A factor of a term: a symbol, or an atom (then `symbol` is its text).
  struct Factor {
    std::string symbol;                 // the symbol, or the atom's canonical text
    std::shared_ptr<const Atom> atom;   // null for a symbol
    bool operator<(const Factor &o) const { return symbol < o.symbol; }
    bool operator==(const Factor &o) const { return symbol == o.symbol; }
  };
  /// coefficient * factor * factor ...; no factor for the constant term.
  struct Term {
    int64_t coefficient;
    std::vector<Factor> factors;
  };

  Dim() = default;
  Dim(int64_t constant); // NOLINT: integers are dims
  static Dim symbol(const std::string &name);
  /// floor(a / b) as Python's `//` (toward -inf; b = 0 has no value), and
  /// the smaller and larger of a and b. Constant operands fold.
  static Dim floorDiv(const Dim &a, const Dim &b);
  static Dim min(const Dim &a, const Dim &b);
  static Dim max(const Dim &a, const Dim &b);

  /// The terms, highest degree first, the constant last (none for 0): what
  /// code generation evaluates.
  std::vector<Term> terms() const;

  bool isConstant() const;
  std::optional<int64_t> constant() const;
  /// The symbol's name when this Dim is exactly one symbol with coefficient 1.
  std::optional<std::string> asSymbol() const;
  /// Every symbol that occurs in this Dim (inside atoms too).
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

  /// Canonical text: `B*T + 2*T + 1`, `128`, `T - 1`, `floordiv(T - 3, 2) + 1`.
  std::string str() const;

private:
  using Monomial = std::vector<Factor>; // sorted by text; empty = 1
  std::map<Monomial, int64_t> terms_;   // no zero coefficients
  bool overflowed_ = false;             // terms_ then means nothing
  void addTerm(const Monomial &m, int64_t coefficient);
  static Dim overflow();
  static Dim atom(Op op, const Dim &a, const Dim &b);
};

/// floordiv(a, b), min(a, b) or max(a, b) as a factor.
struct Dim::Atom {
  Op op;
  Dim lhs, rhs;
};

using DimList = std::vector<Dim>;

/// "[B, T, 24]"
std::string dimsToString(const DimList &dims);

} // namespace attn::ir
