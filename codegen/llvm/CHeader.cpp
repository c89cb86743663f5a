// The C header of an emitted object or library (`attnc compile --emit=obj|lib
// --header`, docs/llvm-backend.md): the raw ABI of RuntimeAbi.h and, per
// function, typed wrappers that check the dims before calling the code.
//
// A dim in a signature is text ("B", "2*T", "floordiv(T - 3, 2) + 1"), not
// always a C expression (floordiv rounds toward -inf, C's `/` toward zero;
// int64 overflow is undefined in C; a dim may be named `int`), so each Dim is
// printed from its terms as calls of checked helpers that set `attn_bad`
// where attnc's evaluation has no value, over C parameter names chosen to be
// valid. The wrappers check what LLVMExecutable checks before it calls the
// code: dims >= 0, the arguments' and results' sizes, dimRequirements
// (HostChecks.h) and the scratch size. The text shared by every header is in
// CHeaderCommon.cpp.
#include "codegen/llvm/CHeader.h"

#include "codegen/llvm/HostChecks.h"
#include "codegen/llvm/LLVMBackend.h"
#include "codegen/llvm/RuntimeAbi.h"
#include "runtime/Memory.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>
#include <string_view>

namespace attn::llvmcg {

namespace {

/// Keywords of C (to C23, with GNU's) and C++ (to C++20), and the names
/// <stddef.h> and <stdint.h> may define as macros.
constexpr std::array<std::string_view, 98> kReservedWords = {
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break",
    "case", "catch", "char", "char8_t", "char16_t", "char32_t", "class", "co_await", "co_return",
    "co_yield", "compl", "concept", "const", "consteval", "constexpr", "constinit", "const_cast",
    "continue", "decltype", "default", "delete", "do", "double", "dynamic_cast", "else", "enum",
    "explicit", "export", "extern", "false", "float", "for", "friend", "goto", "if", "inline",
    "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr",
    "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
    "requires", "restrict", "return", "short", "signed", "sizeof", "static", "static_assert",
    "static_cast", "struct", "switch", "template", "this", "thread_local", "throw", "true", "try",
    "typedef", "typeid", "typename", "typeof", "typeof_unqual", "union", "unsigned", "using",
    "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq", "NULL", "offsetof",
    "unreachable"};

/// Whether `s` starts like a name of the header itself or one of
/// <stdint.h>'s macros (INT64_C, UINT8_MAX, SIZE_MAX, ...), or with a digit.
bool reservedPrefix(const std::string &s) {
  bool allCaps = true;
  for (char c : s) allCaps &= !std::islower(static_cast<unsigned char>(c));
  for (std::string_view p : {"INT", "UINT", "SIZE_", "PTRDIFF_", "SIG_ATOMIC_", "WCHAR_", "WINT_"})
    if (allCaps && std::string_view(s).starts_with(p)) return true;
  return s.starts_with("attn_") || s.starts_with("ATTN_") || std::isdigit(static_cast<unsigned char>(s[0]));
}

bool reservedWord(const std::string &s) {
  for (std::string_view w : kReservedWords)
    if (s == w) return true;
  return s.ends_with("_t"); // POSIX's types
}

/// A valid C parameter name for `name`, distinct from those in `taken`
/// (which it joins): symbolPart without "__" (reserved in C++), "x" before
/// a leading "_" (reserved), "x_" before a name that starts like a reserved
/// one, "_" after a reserved word, "_2", "_3", ... after a taken name.
std::string parameterName(const std::string &name, std::set<std::string> &taken) {
  std::string s = symbolPart(name);
  for (size_t at; (at = s.find("__")) != std::string::npos;) s.erase(at, 1);
  if (s.empty() || s[0] == '_') s = "x" + s;
  else if (reservedPrefix(s)) s = "x_" + s;
  if (reservedWord(s)) s += "_";
  std::string unique = s;
  for (int n = 2; taken.count(unique); ++n) unique = s + (s.ends_with("_") ? "" : "_") + std::to_string(n);
  taken.insert(unique);
  return unique;
}

std::string_view cType(DType dtype) {
  switch (dtype) {
  case DType::F32: return "float";
  case DType::I64: return "int64_t";
  case DType::I32: return "int32_t";
  case DType::Bool: return "uint8_t";
  }
  return "uint8_t";
}

std::string literal(int64_t value) { return value == INT64_MIN ? "INT64_MIN" : std::to_string(value); }

/// Dims as C expressions of a function's dim parameters.
class DimPrinter {
public:
  explicit DimPrinter(const std::map<std::string, std::string> &parameters) : parameters_(parameters) {}

  Result<std::string> print(const ir::Dim &d) {
    if (d.overflowed()) return std::string("attn_no_value_(&attn_bad)");
    if (auto c = d.constant()) return literal(*c);
    std::string sum;
    for (const ir::Dim::Term &term : d.terms()) {
      std::string product = term.coefficient == 1 ? "" : literal(term.coefficient);
      for (const ir::Dim::Factor &f : term.factors) {
        auto factor = f.atom ? atom(*f.atom) : symbol(f.symbol);
        if (!factor) return factor;
        product = product.empty() ? *factor : checked("mul", product, *factor);
      }
      if (product.empty()) product = literal(term.coefficient);
      sum = sum.empty() ? product : checked("add", sum, product);
    }
    return sum;
  }

  /// "{d0, d1, ...}".
  Result<std::string> list(const ir::DimList &dims) {
    std::string s;
    for (const ir::Dim &d : dims) {
      auto text = print(d);
      if (!text) return text;
      s += (s.empty() ? "" : ", ") + *text;
    }
    return "{" + s + "}";
  }

private:
  static std::string checked(const char *op, const std::string &a, const std::string &b) {
    return std::string("attn_dim_") + op + "_(" + a + ", " + b + ", &attn_bad)";
  }
  Result<std::string> symbol(const std::string &name) {
    auto it = parameters_.find(name);
    if (it == parameters_.end()) return Status::error("C header: dim '" + name + "' is not bound by an argument");
    return it->second;
  }
  Result<std::string> atom(const ir::Dim::Atom &a) {
    auto lhs = print(a.lhs), rhs = print(a.rhs);
    if (!lhs) return lhs;
    if (!rhs) return rhs;
    switch (a.op) {
    case ir::Dim::Op::FloorDiv: return checked("floordiv", *lhs, *rhs);
    case ir::Dim::Op::Min: return "attn_dim_min_(" + *lhs + ", " + *rhs + ")";
    case ir::Dim::Op::Max: return "attn_dim_max_(" + *lhs + ", " + *rhs + ")";
    }
    return Status::error("C header: unknown dim atom");
  }
  const std::map<std::string, std::string> &parameters_;
};

/// An argument or result as the wrappers see it.
struct CTensor {
  TensorSpec spec;
  ir::DimList shape;
  std::string parameter;
};

/// One function: its names in C.
struct CFunction {
  const ir::Graph *graph = nullptr;
  FunctionSignature signature;
  std::string entry;                      // attn_<model>_<fn>
  std::vector<std::string> symbols;       // the dims, in the ABI's order
  std::map<std::string, std::string> dim; // symbol -> C parameter
  std::vector<CTensor> arguments, results;

  std::string countName(const CTensor &result) const { return entry + "_" + symbolPart(result.spec.name) + "_count"; }
};

CFunction describe(const std::string &model, const ir::Graph &graph) {
  CFunction f;
  f.graph = &graph;
  f.signature = codegen::signatureOf(graph);
  f.entry = entrySymbol(model, graph.name);
  f.symbols = functionSymbols(graph);
  // The wrapper's own parameters keep their names.
  std::set<std::string> taken = {"scratch", "scratch_bytes", "parallel_for", "pool", "error"};
  for (const std::string &s : f.symbols) f.dim[s] = parameterName(s, taken);
  for (size_t i = 0; i < graph.arguments.size(); ++i)
    f.arguments.push_back({f.signature.arguments[i], graph.arguments[i]->type.shape, ""});
  for (size_t i = 0; i < graph.results().size(); ++i)
    f.results.push_back({f.signature.results[i], graph.results()[i].declaredType.shape, ""});
  for (CTensor &t : f.arguments) t.parameter = parameterName(t.spec.name, taken);
  for (CTensor &t : f.results) t.parameter = parameterName(t.spec.name, taken);
  return f;
}

/// "int64_t B, int64_t T", or "void" without dims.
std::string dimParameters(const CFunction &f) {
  std::string s;
  for (const std::string &symbol : f.symbols) s += (s.empty() ? "" : ", ") + ("int64_t " + f.dim.at(symbol));
  return s.empty() ? "void" : s;
}

/// "B, T".
std::string dimArguments(const CFunction &f) {
  std::string s;
  for (const std::string &symbol : f.symbols) s += (s.empty() ? "" : ", ") + f.dim.at(symbol);
  return s;
}

/// "const int64_t attn_dims[2] = {B, T};" (one word for no dims: C has no
/// empty arrays).
std::string dimsArray(const CFunction &f) {
  std::string values = dimArguments(f);
  return "const int64_t attn_dims[" + std::to_string(std::max<size_t>(f.symbols.size(), 1)) + "] = {" +
         (values.empty() ? "0" : values) + "};";
}

/// "forward(tokens: i64[B, T]) -> (logits: f32[B, 2])".
std::string signatureText(const FunctionSignature &signature) {
  auto specs = [](const std::vector<TensorSpec> &list) {
    std::string s;
    for (const TensorSpec &t : list) s += (s.empty() ? "" : ", ") + t.name + ": " + t.typeString();
    return s;
  };
  return signature.name + "(" + specs(signature.arguments) + ") -> (" + specs(signature.results) + ")";
}

/// Statements that set attn_n to the element count of a `dtype` tensor of
/// `shape`, or run `fail` when it has no valid size.
Result<std::string> sizeCheck(DimPrinter &printer, const ir::DimList &shape, DType dtype, const std::string &fail) {
  if (shape.empty()) return std::string("  attn_n = 1;\n");
  auto values = printer.list(shape);
  if (!values) return values;
  std::string rank = std::to_string(shape.size());
  return "  {\n    const int64_t attn_shape[" + rank + "] = " + *values + ";\n" +
         "    if (attn_bad || !attn_tensor_fits_(attn_shape, " + rank + ", " + std::to_string(dtypeSize(dtype)) +
         ", &attn_n))\n      " + fail + "\n  }\n";
}

std::string invalidDims(int64_t node) {
  return "return attn_fail_(error, ATTN_ERR_INVALID_DIMS, " + std::to_string(node) + ", 0, 0);";
}

/// Whether `r` holds whatever the dims: it has none, and holds.
bool alwaysHolds(const DimRequirement &r) {
  const codegen::DimBindings none;
  switch (r.kind) {
  case DimRequirement::Kind::Shape: {
    Shape shape;
    for (const ir::Dim &d : r.shape) {
      auto value = d.evaluate(none);
      if (!value) return false;
      shape.push_back(*value);
    }
    return checkedTensorBytes(r.dtype, shape).has_value();
  }
  case DimRequirement::Kind::LessEqual: {
    auto lhs = r.lhs.evaluate(none), rhs = r.rhs.evaluate(none);
    return lhs && rhs && *lhs <= *rhs;
  }
  case DimRequirement::Kind::NonZero: {
    auto value = r.lhs.evaluate(none);
    return value && *value != 0;
  }
  }
  return false;
}

/// `check_dims`: what LLVMExecutable checks before it calls the code (but
/// for what holds whatever the dims).
Result<std::string> checkDims(const CFunction &f) {
  DimPrinter printer(f.dim);
  std::string body = "  int attn_bad = 0;\n  int64_t attn_n = 0;\n";
  std::string negative;
  for (const std::string &s : f.symbols) negative += (negative.empty() ? "" : " || ") + f.dim.at(s) + " < 0";
  if (!negative.empty()) body += "  if (" + negative + ") " + invalidDims(-1) + "\n";
  auto tensorCheck = [&](const char *what, const CTensor &t) -> Status {
    if (alwaysHolds({DimRequirement::Kind::Shape, nullptr, t.shape, t.spec.dtype, {}, {}})) return Status::ok();
    auto check = sizeCheck(printer, t.shape, t.spec.dtype, invalidDims(-1));
    if (!check) return check.status();
    body += "  /* " + std::string(what) + " " + commentText(t.spec.name + ": " + t.spec.typeString()) + " */\n" + *check;
    return Status::ok();
  };
  for (const CTensor &t : f.arguments)
    if (Status s = tensorCheck("argument", t); !s) return s;
  std::map<const ir::Node *, int64_t> index;
  for (const auto &node : f.graph->nodes()) index.emplace(node.get(), int64_t(index.size()));
  for (const DimRequirement &r : dimRequirements(*f.graph)) {
    if (alwaysHolds(r)) continue;
    std::string fail = invalidDims(index.at(r.node));
    std::string what = "node " + std::to_string(index.at(r.node)) + " (" + std::string(ir::mnemonic(r.node->op)) + ")";
    switch (r.kind) {
    case DimRequirement::Kind::Shape: {
      auto check = sizeCheck(printer, r.shape, r.dtype, fail);
      if (!check) return check;
      body += "  /* " + what + ": a result of shape " + commentText(ir::dimsToString(r.shape)) + " */\n" + *check;
      break;
    }
    case DimRequirement::Kind::LessEqual: {
      auto lhs = printer.print(r.lhs), rhs = printer.print(r.rhs);
      if (!lhs) return lhs;
      if (!rhs) return rhs;
      body += "  /* " + what + ": " + commentText(r.lhs.str() + " <= " + r.rhs.str()) + " */\n  {\n" +
              "    const int64_t attn_a = " + *lhs + ", attn_b = " + *rhs + ";\n" +
              "    if (attn_bad || attn_a > attn_b) " + fail + "\n  }\n";
      break;
    }
    case DimRequirement::Kind::NonZero: {
      auto value = printer.print(r.lhs);
      if (!value) return value;
      body += "  /* " + what + ": " + commentText(r.lhs.str()) + " != 0 */\n" + "  if (" + *value +
              " == 0 || attn_bad) " + fail + "\n";
      break;
    }
    }
  }
  for (const CTensor &t : f.results)
    if (Status s = tensorCheck("result", t); !s) return s;
  std::string params = dimParameters(f);
  return "static inline int32_t " + f.entry + "_check_dims(" + (params == "void" ? "" : params + ", ") +
         "int64_t *error) {\n" + body + "  (void)attn_bad;\n  (void)attn_n;\n  return ATTN_OK;\n}\n";
}

std::string checkCall(const CFunction &f, const std::string &error) {
  std::string dims = dimArguments(f);
  return f.entry + "_check_dims(" + (dims.empty() ? "" : dims + ", ") + error + ")";
}

Result<std::string> resultCount(const CFunction &f, const CTensor &result) {
  DimPrinter printer(f.dim);
  auto check = sizeCheck(printer, result.shape, result.spec.dtype, "return -1;");
  if (!check) return check;
  return "/* The elements of result " + commentText(result.spec.name + ": " + result.spec.typeString()) +
         ", or -1 when the dims are invalid. */\nstatic inline int64_t " + f.countName(result) + "(" +
         dimParameters(f) + ") {\n  int attn_bad = 0;\n  int64_t attn_n = -1;\n  if (" + checkCall(f, "NULL") +
         " != ATTN_OK) return -1;\n" + *check + "  (void)attn_bad;\n  return attn_n;\n}\n";
}

/// "h == NULL && B != 0 && T != 0": a NULL pointer for a tensor with
/// elements (its dims are valid, checked before).
Result<std::string> nullWithElements(DimPrinter &printer, const CTensor &t) {
  std::string condition = t.parameter + " == NULL";
  for (const ir::Dim &d : t.shape) {
    if (auto c = d.constant()) {
      if (*c == 0) return std::string();
      continue;
    }
    auto value = printer.print(d);
    if (!value) return value;
    condition += " && " + *value + " != 0";
  }
  return condition;
}

/// The typed wrapper: checks, then the entry.
Result<std::string> runWrapper(const CFunction &f) {
  std::string inputs, outputs, dims;
  for (const CTensor &t : f.arguments) inputs += "const " + std::string(cType(t.spec.dtype)) + " *" + t.parameter + ", ";
  for (const CTensor &t : f.results) outputs += std::string(cType(t.spec.dtype)) + " *" + t.parameter + ", ";
  for (const std::string &s : f.symbols) dims += "int64_t " + f.dim.at(s) + ", ";
  std::string params;
  for (const std::string &group : {inputs, outputs, dims})
    if (!group.empty()) params += "\n    " + group.substr(0, group.size() - 1);
  params += "\n    void *scratch, int64_t scratch_bytes, attn_parallel_for_fn parallel_for, void *pool, int64_t *error";
  std::string body = "  const void *attn_inputs[" + std::to_string(std::max<size_t>(f.arguments.size(), 1)) +
                     "] = {NULL};\n  void *attn_outputs[" + std::to_string(std::max<size_t>(f.results.size(), 1)) +
                     "] = {NULL};\n  " + dimsArray(f) + "\n  int attn_bad = 0;\n  int64_t attn_need;\n" +
                     "  int32_t attn_status = " + checkCall(f, "error") + ";\n" +
                     "  if (attn_status != ATTN_OK) return attn_status;\n" +
                     "  attn_need = " + f.entry + "_scratch_bytes(attn_dims);\n" +
                     "  if (attn_need < 0) " + invalidDims(-1) + "\n" +
                     "  if (scratch_bytes < attn_need)\n"
                     "    return attn_fail_(error, ATTN_ERR_SCRATCH_TOO_SMALL, -1, attn_need, scratch_bytes);\n"
                     "  if (scratch == NULL && attn_need > 0)\n    return attn_fail_(error, ATTN_ERR_NULL_POINTER, -1, " +
                     std::to_string(f.arguments.size() + f.results.size()) + ", 0);\n" +
                     "  if ((uintptr_t)scratch % " + std::to_string(kScratchAlignment) +
                     " != 0) return attn_fail_(error, ATTN_ERR_SCRATCH_MISALIGNED, -1, 0, 0);\n";
  DimPrinter printer(f.dim);
  std::vector<const CTensor *> all;
  for (const CTensor &t : f.arguments) all.push_back(&t);
  for (const CTensor &t : f.results) all.push_back(&t);
  for (size_t i = 0; i < all.size(); ++i) {
    auto condition = nullWithElements(printer, *all[i]);
    if (!condition) return condition;
    if (!condition->empty())
      body += "  if (" + *condition + ")\n    return attn_fail_(error, ATTN_ERR_NULL_POINTER, -1, " +
              std::to_string(i) + ", 0);\n";
  }
  for (size_t i = 0; i < f.arguments.size(); ++i)
    body += "  attn_inputs[" + std::to_string(i) + "] = " + f.arguments[i].parameter + ";\n";
  for (size_t i = 0; i < f.results.size(); ++i)
    body += "  attn_outputs[" + std::to_string(i) + "] = " + f.results[i].parameter + ";\n";
  return "static inline int32_t " + f.entry + "_run(" + params + ") {\n" + body +
         "  (void)attn_bad;\n  return " + f.entry +
         "(attn_inputs, attn_outputs, attn_dims, scratch, parallel_for, pool, error);\n}\n";
}

Result<std::string> functionText(const CFunction &f) {
  std::string dims, renamed;
  for (const std::string &s : f.symbols) {
    dims += (dims.empty() ? "" : ", ") + commentText(s);
    if (f.dim.at(s) != s) renamed += "\n * The dim " + commentText(s) + " is the C parameter " + f.dim.at(s) + ".";
  }
  auto check = checkDims(f);
  if (!check) return check;
  std::string text =
      "/* ---- " + commentText(signatureText(f.signature)) + "\n * dims: " + (dims.empty() ? "none" : dims) +
      (dims.empty() ? "" : " (in this order in the raw entry's dims)") + "." + renamed + " */\n\n" +
      "/* The raw ABI (docs/llvm-backend.md, \"The object file ABI\"). */\n" + "int32_t " + f.entry +
      "(const void *const *inputs, void *const *outputs, const int64_t *dims,\n" +
      "    void *scratch, attn_parallel_for_fn parallel_for, void *pool, int64_t *error);\n" + "int64_t " + f.entry +
      "_scratch_bytes(const int64_t *dims);\n\n" +
      "/* ATTN_OK when the code can run with these dims (what `attnc run` checks before it\n"
      " * runs), else ATTN_ERR_INVALID_DIMS with error (unless NULL) = {the failing node's\n"
      " * index, 0, 0}, or {-1, 0, 0} for a negative dim or an argument or result too large. */\n" +
      *check + "\n/* The scratch bytes a call with these dims needs, or -1 when the dims are invalid. */\n" +
      "static inline int64_t " + f.entry + "_scratch_size(" + dimParameters(f) + ") {\n  " + dimsArray(f) +
      "\n  if (" + checkCall(f, "NULL") + " != ATTN_OK) return -1;\n  return " + f.entry +
      "_scratch_bytes(attn_dims);\n}\n\n";
  for (const CTensor &r : f.results) {
    auto count = resultCount(f, r);
    if (!count) return count;
    text += *count + "\n";
  }
  auto run = runWrapper(f);
  if (!run) return run;
  std::string arguments;
  for (const CTensor &t : f.arguments) arguments += " " + t.parameter + ",";
  std::string results;
  for (const CTensor &t : f.results) results += " " + t.parameter + ",";
  text += "/* Runs " + commentText(f.signature.name) + ": reads" + arguments + " writes" + results +
          "\n * each of exactly its signature's shape under the dims passed. scratch: scratch_bytes\n"
          " * bytes, 64-byte aligned, at least _scratch_size(dims). parallel_for: NULL to run\n"
          " * on this thread alone. Returns ATTN_OK or another ATTN_ status (error, unless NULL,\n"
          " * receives its words); the results are complete only with ATTN_OK. */\n" + *run + "\n";
  return text;
}

/// The signatures for the header's opening comment.
std::string signatureList(const ir::Module &module) {
  std::string s;
  for (const auto &graph : module.functions) s += " *   " + commentText(signatureText(codegen::signatureOf(*graph))) + "\n";
  return s;
}

} // namespace

std::string commentText(std::string_view text) {
  std::string s;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if ((c == '/' && s.ends_with("*")) || (c == '*' && s.ends_with("/")) || (c == '?' && s.ends_with("?")))
      s += ' ';
    if (u >= 0x20 && u < 0x7f) s += c;
    else s += std::string("\\x") + "0123456789abcdef"[u >> 4] + "0123456789abcdef"[u & 15];
  }
  return s;
}

Result<std::string> emitCHeader(const ir::Module &module, bool weightsCompiledIn) {
  if (Status s = codegen::checkModule(module); !s) return s;
  std::vector<CFunction> functions;
  for (const auto &graph : module.functions) functions.push_back(describe(module.name, *graph));
  // Every name the header declares, once: two would clash in C.
  std::map<std::string, std::string> names;
  for (const char *helper : kCHeaderHelpers) names.emplace(helper, "a helper of the header");
  auto declare = [&](const std::string &name, const std::string &what) -> Status {
    auto [it, fresh] = names.emplace(name, what);
    if (fresh) return Status::ok();
    return Status::error("C header: '" + name + "' would name both " + it->second + " and " + what +
                         "; rename one of them");
  };
  for (const CFunction &f : functions) {
    std::string of = " of function '" + f.signature.name + "'";
    for (const char *suffix : {"", "_scratch_bytes", "_check_dims", "_scratch_size", "_run"})
      if (Status s = declare(f.entry + suffix, std::string(suffix[0] ? "the " : "the entry") + suffix + of); !s)
        return s;
    for (const CTensor &r : f.results)
      if (Status s = declare(f.countName(r), "the element count of result '" + r.spec.name + "'" + of); !s) return s;
  }
  std::string weights;
  for (const auto &w : module.weights()) {
    if (weightsCompiledIn || module.constantData(w.get())) continue;
    std::string symbol = weightSymbol(w->name);
    if (Status s = declare(symbol, "weight '" + w->name + "'"); !s) return s;
    weights += "extern " + std::string(cType(w->type.dtype)) + " " + symbol + "[]; /* " +
               commentText(w->name + ": " + w->type.str()) + " */\n";
  }
  std::string guard = "ATTN_MODEL_" + symbolPart(module.name) + "_H";
  std::string text = cHeaderPreamble(module.name, signatureList(module), weightsCompiledIn) + "#ifndef " + guard +
                     "\n#define " + guard + "\n\n#include <stddef.h>\n#include <stdint.h>\n\n#ifdef __cplusplus\n"
                     "extern \"C\" {\n#endif\n\n" + cHeaderCommon();
  if (!weights.empty())
    text += "/* The weights, not in the object: the program defines each array (not const, so\n"
            " * that it may fill them at run time, before the first call; the code only reads\n"
            " * them), in PyTorch's layout: row-major, of the state_dict's shape. */\n" + weights + "\n";
  for (const CFunction &f : functions) {
    auto function = functionText(f);
    if (!function) return function;
    text += *function;
  }
  return text + "#ifdef __cplusplus\n} /* extern \"C\" */\n#endif\n\n#endif /* " + guard + " */\n";
}

} // namespace attn::llvmcg
