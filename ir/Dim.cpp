// Integer polynomials over symbolic dims.
#include "ir/Dim.h"

#include <algorithm>

namespace attn::ir {

Dim::Dim(int64_t constant) {
  if (constant != 0) terms_[{}] = constant;
}

Dim Dim::symbol(const std::string &name) {
  Dim d;
  d.terms_[{name}] = 1;
  return d;
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
  if (terms_.size() != 1) return std::nullopt;
  const auto &[m, c] = *terms_.begin();
  if (m.size() != 1 || c != 1) return std::nullopt;
  return m.front();
}

std::vector<std::string> Dim::symbols() const {
  std::vector<std::string> out;
  for (const auto &[m, c] : terms_)
    for (const auto &s : m)
      if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  return out;
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
      std::sort(m.begin(), m.end());
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
    for (const auto &s : m) {
      auto it = bindings.find(s);
      if (it == bindings.end() || __builtin_mul_overflow(term, it->second, &term))
        return std::nullopt;
    }
    if (__builtin_add_overflow(total, term, &total)) return std::nullopt;
  }
  return total;
}

std::string Dim::str() const {
  if (overflowed_) return "overflow";
  if (terms_.empty()) return "0";
  // Highest degree first, the constant last: `B*T + 2*T + 1`.
  std::vector<std::pair<Monomial, int64_t>> ordered(terms_.begin(), terms_.end());
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto &a, const auto &b) {
    return a.first.size() > b.first.size();
  });
  std::string s;
  bool first = true;
  for (const auto &[m, c] : ordered) {
    uint64_t magnitude = c < 0 ? 0 - uint64_t(c) : uint64_t(c); // INT64_MIN too
    if (first) s += c < 0 ? "-" : "";
    else s += c < 0 ? " - " : " + ";
    first = false;
    std::string factors;
    for (const auto &sym : m) factors += (factors.empty() ? "" : "*") + sym;
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
