// Integer polynomials over symbolic dims.
#include "ir/Dim.h"

#include <algorithm>

namespace attn::ir {

Dim::Dim(int64_t constant) {
  if (constant != 0) terms_[{}] = constant;
}

namespace {

/// Python's a // b: the quotient rounded toward -inf; nullopt for b = 0 and
/// the one overflowing case.
std::optional<int64_t> floorDivide(int64_t a, int64_t b) {
  if (b == 0 || (a == INT64_MIN && b == -1)) return std::nullopt;
  int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

std::string_view opName(Dim::Op op) {
  switch (op) {
  case Dim::Op::FloorDiv: return "floordiv";
  case Dim::Op::Min: return "min";
  case Dim::Op::Max: return "max";
  }
  return "?";
}

} // namespace

Dim Dim::symbol(const std::string &name) {
  Dim d;
  d.terms_[{Factor{name, nullptr}}] = 1;
  return d;
}

Dim Dim::atom(Op op, const Dim &a, const Dim &b) {
  if (a.overflowed_ || b.overflowed_) return overflow();
  std::string text = std::string(opName(op)) + "(" + a.str() + ", " + b.str() + ")";
  Dim d;
  d.terms_[{Factor{std::move(text), std::make_shared<const Atom>(Atom{op, a, b})}}] = 1;
  return d;
}

Dim Dim::floorDiv(const Dim &a, const Dim &b) {
  auto x = a.constant(), y = b.constant();
  if (x && y) {
    if (auto q = floorDivide(*x, *y)) return Dim(*q);
    if (*y != 0) return overflow(); // INT64_MIN // -1
  }
  if (y == 1) return a;
  return atom(Op::FloorDiv, a, b); // b = 0: an atom without a value
}

Dim Dim::min(const Dim &a, const Dim &b) {
  auto x = a.constant(), y = b.constant();
  if (x && y) return Dim(std::min(*x, *y));
  if (a == b) return a;
  return atom(Op::Min, a, b);
}

Dim Dim::max(const Dim &a, const Dim &b) {
  auto x = a.constant(), y = b.constant();
  if (x && y) return Dim(std::max(*x, *y));
  if (a == b) return a;
  return atom(Op::Max, a, b);
}

Dim Dim::overflow() {
  Dim d;
  d.overflowed_ = true;
  return d;
}

void Dim::addTerm(const Monomial &m, int64_t coefficient) {
  if (overflowed_) return;
  int64_t &c = terms_[m];
  if (__builtin_add_overflow(c, coefficient, &c)) {
    *this = overflow();
    return;
  }
  if (c == 0) terms_.erase(m);
}

bool Dim::isConstant() const {
  return !overflowed_ &&
         (terms_.empty() || (terms_.size() == 1 && terms_.begin()->first.empty()));
}

std::optional<int64_t> Dim::constant() const {
  if (overflowed_) return std::nullopt;
  if (terms_.empty()) return 0;
  if (isConstant()) return terms_.begin()->second;
  return std::nullopt;
}

std::optional<std::string> Dim::asSymbol() const {
  if (overflowed_ || terms_.size() != 1) return std::nullopt;
  const auto &[m, c] = *terms_.begin();
  if (m.size() != 1 || c != 1 || m.front().atom) return std::nullopt;
  return m.front().symbol;
}

std::vector<std::string> Dim::symbols() const {
  std::vector<std::string> out;
  auto add = [&](const std::string &s) {
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  };
  for (const auto &[m, c] : terms_)
    for (const Factor &f : m) {
      if (!f.atom) {
        add(f.symbol);
        continue;
      }
      for (const Dim *operand : {&f.atom->lhs, &f.atom->rhs})
        for (const std::string &s : operand->symbols()) add(s);
    }
  return out;
}

std::vector<Dim::Term> Dim::terms() const {
  // Highest degree first, the constant last, as str() prints them.
  std::vector<Term> ordered;
  for (const auto &[m, c] : terms_) ordered.push_back(Term{c, m});
  std::stable_sort(ordered.begin(), ordered.end(), [](const Term &a, const Term &b) {
    return a.factors.size() > b.factors.size();
  });
  return ordered;
}

Dim Dim::operator+(const Dim &o) const {
  if (o.overflowed_) return overflow();
  Dim r = *this;
  for (const auto &[m, c] : o.terms_) r.addTerm(m, c);
  return r;
}

Dim Dim::operator-(const Dim &o) const {
  if (o.overflowed_) return overflow();
  Dim r = *this;
  for (const auto &[m, c] : o.terms_) {
    if (c == INT64_MIN) return overflow();
    r.addTerm(m, -c);
  }
  return r;
}

Dim Dim::operator*(const Dim &o) const {
  if (overflowed_ || o.overflowed_) return overflow();
  Dim r;
  for (const auto &[m1, c1] : terms_)
    for (const auto &[m2, c2] : o.terms_) {
      Monomial m = m1;
      m.insert(m.end(), m2.begin(), m2.end());
      std::stable_sort(m.begin(), m.end());
      int64_t c;
      if (__builtin_mul_overflow(c1, c2, &c)) return overflow();
      r.addTerm(m, c);
    }
  return r;
}

std::optional<Dim> Dim::divideExact(const Dim &o) const {
  if (overflowed_ || o.overflowed_) return std::nullopt;
  // Only division by a single term (c * monomial) is needed for reshape.
  if (o.terms_.size() != 1) return *this == o ? std::optional<Dim>(Dim(1)) : std::nullopt;
  const auto &[dm, dc] = *o.terms_.begin();
  Dim r;
  for (const auto &[m, c] : terms_) {
    if ((c == INT64_MIN && dc == -1) || c % dc != 0) return std::nullopt; // the first would trap
    Monomial rest = m;
    for (const auto &s : dm) {
      auto it = std::find(rest.begin(), rest.end(), s);
      if (it == rest.end()) return std::nullopt;
      rest.erase(it);
    }
    r.addTerm(rest, c / dc);
  }
  return r;
}

std::optional<int64_t> Dim::evaluate(const std::map<std::string, int64_t> &bindings) const {
  if (overflowed_) return std::nullopt;
  int64_t total = 0;
  for (const auto &[m, c] : terms_) {
    int64_t term = c;
    for (const Factor &f : m) {
      std::optional<int64_t> value;
      if (f.atom) {
        auto a = f.atom->lhs.evaluate(bindings), b = f.atom->rhs.evaluate(bindings);
        if (!a || !b) return std::nullopt;
        switch (f.atom->op) {
        case Op::FloorDiv: value = floorDivide(*a, *b); break;
        case Op::Min: value = std::min(*a, *b); break;
        case Op::Max: value = std::max(*a, *b); break;
        }
      } else if (auto it = bindings.find(f.symbol); it != bindings.end()) {
        value = it->second;
      }
      if (!value || __builtin_mul_overflow(term, *value, &term)) return std::nullopt;
    }
    if (__builtin_add_overflow(total, term, &total)) return std::nullopt;
  }
  return total;
}

std::string Dim::str() const {
  if (overflowed_) return "overflow";
  if (terms_.empty()) return "0";
  // Highest degree first, the constant last: `B*T + 2*T + 1`.
  std::string s;
  bool first = true;
  for (const Term &term : terms()) {
    int64_t c = term.coefficient;
    uint64_t magnitude = c < 0 ? 0 - uint64_t(c) : uint64_t(c); // INT64_MIN too
    if (first) s += c < 0 ? "-" : "";
    else s += c < 0 ? " - " : " + ";
    first = false;
    std::string factors;
    for (const Factor &f : term.factors) factors += (factors.empty() ? "" : "*") + f.symbol;
    if (factors.empty()) s += std::to_string(magnitude);
    else if (magnitude == 1) s += factors;
    else s += std::to_string(magnitude) + "*" + factors;
  }
  return s;
}

std::string dimsToString(const DimList &dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + dims[i].str();
  return s + "]";
}

} // namespace attn::ir
