// The IR text parser (Parser.h): a recursive descent over the printer's
// grammar (docs/ir.md, "Text form"). Newlines are spaces to it; `#` starts a
// comment to the end of the line (lit's RUN lines).
#include "ir/Parser.h"

#include "ir/Builder.h"
#include "ir/Verifier.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <unordered_map>

namespace attn::ir {

namespace {

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.';
}
bool isDigit(char c) { return c >= '0' && c <= '9'; }

class IRParser {
public:
  explicit IRParser(std::string_view text) : text_(text) {}

  IRParseResult run() {
    IRParseResult result;
    auto module = std::make_unique<Module>();
    module_ = module.get();
    if (parseModule()) {
      if (Status s = verifyModule(*module); !s) fail(s.message(), {1, 1});
      else result.module = std::move(module);
    }
    result.error = error_;
    result.errorLoc = errorLoc_;
    return result;
  }

private:
  std::string_view text_;
  size_t pos_ = 0;
  SourceLoc at_{1, 1};
  Module *module_ = nullptr;
  std::string error_;
  SourceLoc errorLoc_;
  int32_t bodyInputs_ = 0; // the node's operand count, while its attributes are parsed

  // --- Characters -----------------------------------------------------------

  char peekChar() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void advance() {
    if (text_[pos_++] == '\n') at_ = {at_.line + 1, 1};
    else ++at_.column;
  }
  void skipSpace() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '#')
        while (pos_ < text_.size() && text_[pos_] != '\n') advance();
      else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') advance();
      else break;
    }
  }
  /// The next non-space character, without taking it.
  char peek() {
    skipSpace();
    return peekChar();
  }
  bool accept(char c) {
    if (peek() != c) return false;
    advance();
    return true;
  }
  bool fail(std::string message, SourceLoc loc) {
    if (error_.empty()) error_ = std::move(message), errorLoc_ = loc;
    return false;
  }
  /// Where the next token starts.
  SourceLoc here() {
    skipSpace();
    return at_;
  }
  bool fail(std::string message) { return fail(std::move(message), here()); }
  std::string describeNext() {
    if (peek() == '\0') return "the end of the file";
    size_t end = pos_;
    while (end < text_.size() && isNameChar(text_[end])) ++end;
    if (end == pos_) ++end;
    return "'" + std::string(text_.substr(pos_, end - pos_)) + "'";
  }
  bool expect(char c, std::string_view where) {
    if (accept(c)) return true;
    return fail("expected '" + std::string(1, c) + "' " + std::string(where) + ", found " +
                describeNext());
  }
  /// A run of name characters ([A-Za-z0-9_.]); empty if none.
  std::string word() {
    skipSpace();
    size_t begin = pos_;
    while (pos_ < text_.size() && isNameChar(text_[pos_])) advance();
    return std::string(text_.substr(begin, pos_ - begin));
  }
  bool expectWord(std::string &out, std::string_view what) {
    out = word();
    if (!out.empty()) return true;
    return fail("expected " + std::string(what) + ", found " + describeNext());
  }
  bool acceptKeyword(std::string_view keyword) {
    skipSpace();
    size_t end = pos_ + keyword.size();
    if (text_.substr(pos_, keyword.size()) != keyword || (end < text_.size() && isNameChar(text_[end])))
      return false;
    while (pos_ < end) advance();
    return true;
  }

  // --- Numbers --------------------------------------------------------------

  /// A number token: sign, digits, '.', exponent, or inf/nan.
  std::string numberText() {
    skipSpace();
    size_t begin = pos_;
    if (peekChar() == '-' || peekChar() == '+') advance();
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      bool exponentSign = (c == '-' || c == '+') && pos_ > begin &&
                          (text_[pos_ - 1] == 'e' || text_[pos_ - 1] == 'E');
      if (isDigit(c) || c == '.' || c == 'e' || c == 'E' || exponentSign || (c >= 'a' && c <= 'z'))
        advance();
      else
        break;
    }
    return std::string(text_.substr(begin, pos_ - begin));
  }
  bool parseInt(int64_t &out) {
    SourceLoc loc = here();
    std::string t = numberText();
    char *end = nullptr;
    errno = 0;
    long long v = std::strtoll(t.c_str(), &end, 10);
    if (t.empty() || *end != '\0') return fail("expected an integer, found '" + t + "'", loc);
    if (errno == ERANGE) return fail("integer " + t + " does not fit in int64", loc);
    out = v;
    return true;
  }
  bool parseDouble(double &out) {
    SourceLoc loc = here();
    std::string t = numberText();
    char *end = nullptr;
    double v = std::strtod(t.c_str(), &end);
    if (t.empty() || *end != '\0') return fail("expected a number, found '" + t + "'", loc);
    out = v;
    return true;
  }
  bool parseBool(bool &out) {
    if (acceptKeyword("true")) return out = true, true;
    if (acceptKeyword("false")) return out = false, true;
    return fail("expected true or false, found " + describeNext());
  }

  // --- Types and dims -------------------------------------------------------

  bool parseDType(DType &out) {
    SourceLoc loc = here();
    std::string name = word();
    std::optional<DType> dtype = parseDTypeName(name);
    if (!dtype) return fail("expected a dtype (f32, i64, i32 or bool), found '" + name + "'", loc);
    out = *dtype;
    return true;
  }
  /// factor {'*' factor}: integers, symbols and floordiv/min/max(a, b).
  bool parseTerm(Dim &out) {
    out = Dim(1);
    do {
      if (isDigit(peek())) {
        int64_t v;
        if (!parseInt(v)) return false;
        out = out * Dim(v);
        continue;
      }
      std::string symbol;
      if (!expectWord(symbol, "a dimension")) return false;
      bool isAtom = symbol == "floordiv" || symbol == "min" || symbol == "max";
      if (!isAtom || !accept('(')) {
        out = out * Dim::symbol(symbol);
        continue;
      }
      Dim a, b;
      if (!parseDim(a) || !expect(',', "between the operands of " + symbol) || !parseDim(b) ||
          !expect(')', "to close " + symbol))
        return false;
      out = out * (symbol == "floordiv" ? Dim::floorDiv(a, b) : symbol == "min" ? Dim::min(a, b) : Dim::max(a, b));
    } while (accept('*'));
    return true;
  }
  /// A polynomial as Dim::str prints it: `B*T + 2*T - 1`, `-3`.
  bool parseDim(Dim &out) {
    SourceLoc loc = here();
    bool negative = accept('-');
    if (!parseTerm(out)) return false;
    if (negative) out = Dim(0) - out;
    for (;;) {
      char c = peek();
      if (c != '+' && c != '-') break;
      advance();
      Dim term;
      if (!parseTerm(term)) return false;
      out = c == '+' ? out + term : out - term;
    }
    if (out.overflowed()) return fail("dimension overflows int64", loc);
    return true;
  }
  /// `[e, e, ...]`, possibly empty, each element read by `element()`.
  template <typename F> bool parseBracketed(const std::string &what, F element) {
    if (!expect('[', "to open " + what)) return false;
    if (accept(']')) return true;
    do {
      if (!element()) return false;
    } while (accept(','));
    return expect(']', "to close " + what);
  }
  bool parseDimList(DimList &out) {
    out.clear();
    return parseBracketed("a shape", [&] { return parseDim(out.emplace_back()); });
  }
  bool parseType(Type &out) {
    if (!parseDType(out.dtype)) return false;
    out.shape.clear();
    if (peek() == '[') return parseDimList(out.shape);
    return true;
  }

  // --- Attributes -----------------------------------------------------------

  bool parseValue(double &v) { return parseDouble(v); }
  bool parseValue(DType &v) { return parseDType(v); }
  bool parseValue(int64_t &v) { return parseInt(v); }
  bool parseValue(bool &v) { return parseBool(v); }
  bool parseValue(Dim &v) { return parseDim(v); }
  bool parseValue(DimList &v) { return parseDimList(v); }
  bool parseValue(std::optional<int64_t> &v) {
    if (acceptKeyword("all")) return v = std::nullopt, true;
    int64_t i;
    if (!parseInt(i)) return false;
    v = i;
    return true;
  }
  bool parseValue(std::optional<double> &v) {
    if (acceptKeyword("none")) return v = std::nullopt, true;
    double d;
    if (!parseDouble(d)) return false;
    v = d;
    return true;
  }
  bool parseValue(std::string &v) {
    if (!expect('"', "to open a string")) return false;
    size_t begin = pos_;
    while (pos_ < text_.size() && text_[pos_] != '"' && text_[pos_] != '\n') advance();
    v = std::string(text_.substr(begin, pos_ - begin));
    return expect('"', "to close the string");
  }
  bool parseValue(std::vector<int64_t> &v) {
    v.clear();
    return parseBracketed("a list", [&] { return parseInt(v.emplace_back()); });
  }
  bool parseValue(OpKind &v) {
    SourceLoc loc = here();
    std::string m = word();
    std::optional<OpKind> op = opKindFromMnemonic(m);
    if (!op) return fail("unknown op '" + m + "'", loc);
    v = *op;
    return true;
  }
  bool parseValue(ElementwiseBody &v) { return parseBody(v, bodyInputs_); }
  /// `[t0 = mul(in0, in1); t1 = cast(t0) : i64]`; inputs inK, steps tJ.
  bool parseBody(ElementwiseBody &body, int32_t numInputs) {
    body = {};
    body.numInputs = numInputs;
    if (!expect('[', "to open a fused body")) return false;
    do {
      SourceLoc loc = here();
      std::string target = word();
      if (target != "t" + std::to_string(body.steps.size()))
        return fail("expected step t" + std::to_string(body.steps.size()) + ", found '" + target + "'", loc);
      if (!expect('=', "after a step's name")) return false;
      ElementwiseStep step;
      if (!parseValue(step.op) || !expect('(', "to open the step's operands")) return false;
      if (!accept(')')) {
        do {
          SourceLoc refLoc = here();
          std::string ref = word();
          bool input = ref.rfind("in", 0) == 0, earlier = !input && ref.rfind("t", 0) == 0;
          std::string digits = ref.substr(input ? 2 : 1);
          if ((!input && !earlier) || digits.empty() || digits.size() > 9 ||
              digits.find_first_not_of("0123456789") != std::string::npos)
            return fail("expected inK or tJ in a fused body, found '" + ref + "'", refLoc);
          int32_t k = int32_t(std::stol(digits));
          if ((input && k >= numInputs) || (earlier && k >= int32_t(body.steps.size())))
            return fail("'" + ref + "' is not defined before this step", refLoc);
          step.operands.push_back(input ? k : numInputs + k);
        } while (accept(','));
        if (!expect(')', "to close the step's operands")) return false;
      }
      if (accept(':') && !parseDType(step.dtype)) return false;
      body.steps.push_back(std::move(step));
    } while (accept(';'));
    return expect(']', "to close the fused body");
  }
  bool parseAttrs(OpKind op, Attrs &attrs, int32_t numOperands) {
    if (!accept('{')) return true;
    do {
      SourceLoc loc = here();
      std::string name = word();
      std::optional<AttrKind> kind;
      for (AttrKind k : allAttrKinds())
        if (attrName(k) == name) kind = k;
      if (!kind) return fail("unknown attribute '" + name + "'", loc);
      if (!hasAttr(op, *kind))
        return fail(std::string(mnemonic(op)) + " has no attribute '" + name + "'", loc);
      if (!expect('=', "after the attribute's name")) return false;
      bool ok = false;
      bodyInputs_ = numOperands;
      switch (*kind) {
#define ATTR(Name, Type, printed)                                                            \
  case AttrKind::Name: ok = parseValue(attrs.Name); break;
#include "ir/attrs.def"
      }
      if (!ok) return false;
    } while (accept(','));
    return expect('}', "to close the attributes");
  }

  // --- Module structure -----------------------------------------------------

  /// `[v, ...]`: a constant's elements, as many as its type holds.
  bool parseConstantData(const Type &type, Tensor &data) {
    if (!expect('[', "to open the constant's data")) return false;
    int64_t n = data.numElements();
    for (int64_t i = 0; i < n; ++i) {
      if (i && !expect(',', "between the constant's elements")) return false;
      switch (type.dtype) {
      case DType::F32: {
        double v;
        if (!parseDouble(v)) return false;
        data.as<float>()[i] = float(v);
        break;
      }
      case DType::I64: case DType::I32: {
        int64_t v;
        if (!parseInt(v)) return false;
        if (type.dtype == DType::I64) data.as<int64_t>()[i] = v;
        else data.as<int32_t>()[i] = int32_t(v);
        break;
      }
      case DType::Bool: {
        bool v;
        if (!parseBool(v)) return false;
        data.as<uint8_t>()[i] = v;
        break;
      }
      }
    }
    return expect(']', "after the constant's " + std::to_string(n) + " elements");
  }

  bool parseWeight(bool isConstant) {
    SourceLoc loc = here();
    std::string name;
    Type type;
    if (!expect('@', "before a weight's name") || !expectWord(name, "a weight name") ||
        !expect(':', "after the weight's name") || !parseType(type))
      return false;
    if (module_->findWeight(name)) return fail("weight @" + name + " is declared twice", loc);
    if (!type.constantByteSize()) return fail("weight @" + name + " needs a constant shape that fits in memory", loc);
    if (!isConstant) {
      // The layer that declared it is not in the text: drawn as a raw param is.
      int64_t fanIn = type.shape.empty() ? 1 : std::max<int64_t>(1, *type.shape.back().constant());
      module_->addWeight(name, type, {WeightInit::Kind::Uniform, 1.0 / std::sqrt(double(fanIn))});
      return true;
    }
    if (!accept('='))
      return fail("the data of const @" + name + " is not in the text (the printer leaves out large "
                  "constants); compile the model file instead", loc);
    Shape shape;
    for (const Dim &d : type.shape) shape.push_back(*d.constant());
    auto data = std::make_shared<Tensor>(type.dtype, shape);
    if (!parseConstantData(type, *data)) return false;
    module_->addConstant(name, type, std::move(data));
    return true;
  }

  /// `%name` or `@weight`.
  bool parseOperand(const std::unordered_map<std::string, Value *> &values, Value *&out) {
    SourceLoc loc = here();
    if (accept('@')) {
      std::string name = word();
      out = module_->findWeight(name);
      return out ? true : fail("unknown weight @" + name, loc);
    }
    if (!expect('%', "before an operand")) return false;
    std::string name = word();
    auto it = values.find(name);
    if (it == values.end()) return fail("unknown value %" + name, loc);
    out = it->second;
    return true;
  }

  /// The source name a printed name stands for: `x.2` was `x`, `3` none.
  static std::string sourceName(const std::string &printed) {
    std::string base = printed.substr(0, printed.find('.'));
    return base.find_first_not_of("0123456789") == std::string::npos ? "" : base;
  }

  bool defineValue(std::unordered_map<std::string, Value *> &values, const std::string &name,
                   Value *v, SourceLoc loc) {
    if (!values.emplace(name, v).second) return fail("value %" + name + " is defined twice", loc);
    v->name = sourceName(name);
    return true;
  }

  bool parseNode(Graph &g, std::unordered_map<std::string, Value *> &values) {
    std::vector<std::pair<std::string, SourceLoc>> names;
    do {
      SourceLoc loc = here();
      std::string name;
      if (!expect('%', "before a result's name") || !expectWord(name, "a result name")) return false;
      names.push_back({name, loc});
    } while (accept(','));
    if (!expect('=', "after the results")) return false;
    SourceLoc loc = here();
    OpKind op;
    if (!parseValue(op) || !expect('(', "to open the operands")) return false;
    std::vector<Value *> operands;
    if (!accept(')')) {
      do {
        Value *v;
        if (!parseOperand(values, v)) return false;
        operands.push_back(v);
      } while (accept(','));
      if (!expect(')', "to close the operands")) return false;
    }
    Attrs attrs;
    if (!parseAttrs(op, attrs, int32_t(operands.size())) || !expect(':', "before the result types"))
      return false;
    std::vector<Type> types;
    do {
      Type t;
      if (!parseType(t)) return false;
      types.push_back(std::move(t));
    } while (accept(','));
    auto node = Builder(g).create(op, operands, attrs, loc);
    if (!node) return fail(node.message(), loc);
    const std::vector<Value *> &results = (*node)->results;
    if (results.size() != names.size() || results.size() != types.size())
      return fail(std::string(mnemonic(op)) + " has " + std::to_string(results.size()) +
                      " results; the line names " + std::to_string(names.size()) + " and types " +
                      std::to_string(types.size()),
                  loc);
    for (size_t i = 0; i < results.size(); ++i) {
      if (results[i]->type != types[i])
        return fail("result %" + names[i].first + " is stated " + types[i].str() + " but " +
                        std::string(mnemonic(op)) + " gives " + results[i]->type.str(),
                    loc);
      if (!defineValue(values, names[i].first, results[i], names[i].second)) return false;
    }
    return true;
  }

  bool parseFunction() {
    SourceLoc fnLoc = here();
    std::string name;
    if (!expectWord(name, "a function name")) return false;
    if (module_->findFunction(name)) return fail("fn " + name + " is defined twice", fnLoc);
    Graph &g = *module_->addFunction(name);
    g.loc = fnLoc;
    std::unordered_map<std::string, Value *> values;
    if (!expect('(', "to open the arguments")) return false;
    if (!accept(')')) {
      do {
        SourceLoc loc = here();
        std::string arg;
        Type type;
        if (!expect('%', "before an argument") || !expectWord(arg, "an argument name") ||
            !expect(':', "after the argument's name") || !parseType(type))
          return false;
        if (!defineValue(values, arg, g.addArgument(arg, type), loc)) return false;
      } while (accept(','));
      if (!expect(')', "to close the arguments")) return false;
    }
    if (!expect('-', "before '->'") || !expect('>', "in '->'") || !expect('(', "to open the results"))
      return false;
    if (!accept(')')) {
      do {
        std::string result;
        Type type;
        if (!expectWord(result, "a result name") || !expect(':', "after the result's name") ||
            !parseType(type))
          return false;
        g.addResult(result, type);
      } while (accept(','));
      if (!expect(')', "to close the results")) return false;
    }
    if (!expect('{', "to open the function's body")) return false;
    while (!acceptKeyword("return"))
      if (!parseNode(g, values)) return false;
    SourceLoc returnLoc = at_;
    std::vector<Value *> returned;
    if (peek() == '%') {
      do {
        Value *v;
        if (!parseOperand(values, v)) return false;
        returned.push_back(v);
      } while (accept(','));
    }
    if (returned.size() != g.results().size())
      return fail("fn " + name + " declares " + std::to_string(g.results().size()) +
                      " results but returns " + std::to_string(returned.size()),
                  returnLoc);
    for (size_t i = 0; i < returned.size(); ++i) g.setResult(i, returned[i]);
    return expect('}', "to close the function's body");
  }

  bool parseModule() {
    skipSpace();
    if (!acceptKeyword("model")) return fail("expected 'model NAME' at the start of the IR text");
    if (!expectWord(module_->name, "the model's name")) return false;
    for (;;) {
      if (peek() == '\0') break;
      if (acceptKeyword("weight")) {
        if (!parseWeight(false)) return false;
      } else if (acceptKeyword("const")) {
        if (!parseWeight(true)) return false;
      } else if (acceptKeyword("fn")) {
        if (!parseFunction()) return false;
      } else {
        return fail("expected 'weight', 'const' or 'fn', found " + describeNext());
      }
    }
    if (module_->functions.empty()) return fail("the IR text has no fn");
    return true;
  }
};

} // namespace

IRParseResult parseModule(std::string_view text) { return IRParser(text).run(); }

} // namespace attn::ir
