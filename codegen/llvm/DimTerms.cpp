// Parsing a Dim's canonical text into terms (see DimTerms.h). The grammar of
// Dim::str(): term (" + " | " - ") term ..., a leading "-" for a negative
// first term; a term is INT, SYMBOL("*"SYMBOL)*, or INT"*"SYMBOL("*"SYMBOL)*.
#include "codegen/llvm/DimTerms.h"

#include <cassert>
#include <cctype>
#include <map>

namespace attn::llvmcg {

namespace {

DimTerm parseTerm(const std::string &text, bool negative) {
  DimTerm term;
  term.coefficient = 1;
  size_t start = 0;
  while (start <= text.size()) {
    size_t star = text.find('*', start);
    std::string factor = text.substr(start, star == std::string::npos ? std::string::npos : star - start);
    if (!factor.empty() && std::isdigit(static_cast<unsigned char>(factor[0])))
      term.coefficient *= std::stoll(factor);
    else
      term.symbols.push_back(factor);
    if (star == std::string::npos) break;
    start = star + 1;
  }
  if (negative) term.coefficient = -term.coefficient;
  return term;
}

} // namespace

std::vector<DimTerm> dimTerms(const ir::Dim &dim) {
  std::vector<DimTerm> terms;
  std::string text = dim.str();
  if (text == "0") return terms;
  bool negative = false;
  size_t pos = 0;
  if (text[0] == '-') negative = true, pos = 1;
  for (;;) {
    size_t plus = text.find(" + ", pos), minus = text.find(" - ", pos);
    size_t end = std::min(plus, minus);
    terms.push_back(parseTerm(text.substr(pos, end == std::string::npos ? std::string::npos : end - pos), negative));
    if (end == std::string::npos) break;
    negative = end == minus;
    pos = end + 3;
  }
#ifndef NDEBUG
  // The parse must give back the same polynomial: compare at a few points.
  for (int64_t seed : {2, 3, 7}) {
    std::map<std::string, int64_t> bindings;
    int64_t value = seed;
    for (const std::string &s : dim.symbols()) bindings[s] = value++;
    int64_t sum = 0;
    for (const DimTerm &t : terms) {
      int64_t p = t.coefficient;
      for (const std::string &s : t.symbols) p *= bindings[s];
      sum += p;
    }
    assert(sum == *dim.evaluate(bindings) && "Dim text did not parse back");
  }
#endif
  return terms;
}

bool isNonNegative(const ir::Dim &dim) {
  for (const DimTerm &t : dimTerms(dim))
    if (t.coefficient < 0) return false;
  return true;
}

} // namespace attn::llvmcg
