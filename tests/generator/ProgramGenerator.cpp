// The program generator and its differential check (ProgramGenerator.h).
#include "ProgramGenerator.h"

#include "Differential.h"
#include "ir/SampleInputs.h"

#include <algorithm>

namespace attn::generator {

uint32_t Choices::below(uint32_t bound) {
  uint32_t v = 0;
  if (at_ < values_.size()) v = values_[at_];
  else if (random_) values_.push_back(v = rng_());
  ++at_;
  return bound ? v % bound : 0;
}

namespace {

/// A value of the program: f32[B, T, last] (rank 3) or f32[B, last].
struct Var {
  std::string name;
  int rank = 3;
  int64_t last = 1;
  std::string type() const {
    return "f32[B, " + std::string(rank == 3 ? "T, " : "") + std::to_string(last) + "]";
  }
};

class Writer {
public:
  explicit Writer(Choices &c) : c_(c) {}

  Program write() {
    Program p;
    p.dims["B"] = c_.pick(std::vector<int64_t>{1, 2, 3});
    p.dims["T"] = c_.pick(std::vector<int64_t>{1, 2, 3, 5, 7});
    p.inputSeed = c_.below(1000);
    int64_t d0 = c_.pick(std::vector<int64_t>{1, 2, 3, 5, 8});
    vars_.push_back({"x", 3, d0});
    std::string arguments = "x: f32[B, T, " + std::to_string(d0) + "]";
    if (c_.below(3) == 2) { // token ids through an Embedding (0 must be the simpler option)
      int64_t e = width();
      std::string emb = layer("Embedding(7, " + std::to_string(e) + ")");
      arguments += ", tokens: i64[B, T]";
      add(3, e, emb + "(tokens)");
    }
    unsigned statements = 1 + c_.below(8);
    for (unsigned i = 0; i < statements; ++i) statement();
    // One or two results: the last value, and maybe another.
    std::vector<const Var *> results = {&vars_.back()};
    if (vars_.size() > 1 && c_.below(2)) results.push_back(&vars_[c_.below(uint32_t(vars_.size() - 1))]);
    std::string text = "model gen\ndim B, T\n" + decls_ + "fn f(" + arguments + ") -> (";
    for (size_t i = 0; i < results.size(); ++i)
      text += (i ? ", r" : "r") + std::to_string(i) + ": " + results[i]->type();
    text += ") {\n" + body_ + "  return ";
    for (size_t i = 0; i < results.size(); ++i) text += (i ? ", " : "") + results[i]->name;
    p.text = text + "\n}\n";
    return p;
  }

private:
  int64_t width() { return c_.pick(std::vector<int64_t>{1, 2, 4, 7, 16}); }
  std::string fresh(const char *prefix) { return prefix + std::to_string(names_++); }
  std::string layer(const std::string &ctor) {
    std::string name = fresh("l");
    decls_ += "layer " + name + " = " + ctor + "\n";
    return name;
  }
  std::string param(const std::string &type) {
    std::string name = fresh("p");
    decls_ += "param " + name + ": " + type + "\n";
    return name;
  }
  void line(const std::string &text) { body_ += "  " + text + "\n"; }
  const Var &add(int rank, int64_t last, const std::string &expr) {
    std::string name = fresh("v");
    line(name + " = " + expr);
    vars_.push_back({name, rank, last});
    return vars_.back();
  }
  const Var &pickVar() { return vars_[c_.below(uint32_t(vars_.size()))]; }
  /// Another value of v's type, if there is one.
  const Var *partner(const Var &v) {
    std::vector<const Var *> same;
    for (const Var &w : vars_)
      if (w.rank == v.rank && w.last == v.last) same.push_back(&w);
    return same[c_.below(uint32_t(same.size()))];
  }
  std::string axisOfLast(const Var &v) { return std::to_string(v.rank - 1); }

  void statement() {
    Var v = pickVar(); // a copy: add() grows vars_
    std::string D = std::to_string(v.last);
    switch (c_.below(15)) {
    case 0: { // an elementwise function
      static const std::vector<std::string> forms = {"tanh(@)", "sigmoid(@)", "relu(@)", "abs(@)", "neg(@)",
                                                     "gelu(@)", "exp(tanh(@))", "sqrt(abs(@))", "log(abs(@) + 1)", "-@"};
      std::string f = c_.pick(forms);
      f.replace(f.find('@'), 1, v.name);
      add(v.rank, v.last, f);
      break;
    }
    case 1: { // arithmetic with a value, a broadcast param or a literal
      std::string other;
      switch (c_.below(3)) {
      case 0: other = partner(v)->name; break;
      case 1: other = param("f32[" + D + "]"); break;
      case 2: other = c_.pick(std::vector<std::string>{"2.0", "0.5", "3", "1e-3"}); break;
      }
      static const std::vector<std::string> forms = {"@ + #", "@ - #", "@ * #", "@ / (abs(#) + 1)", "# - @",
                                                     "maximum(@, #)", "minimum(@, #)"};
      std::string f = c_.pick(forms);
      f.replace(f.find('@'), 1, v.name);
      f.replace(f.find('#'), 1, other);
      add(v.rank, v.last, f);
      break;
    }
    case 2: { // Linear, maybe with an activation after it
      int64_t e = width();
      std::string l = layer("Linear(" + D + ", " + std::to_string(e) + (c_.below(3) == 0 ? ", bias=false)" : ")"));
      std::string call = l + "(" + v.name + ")";
      if (c_.below(2)) call = c_.pick(std::vector<std::string>{"tanh", "relu", "sigmoid", "gelu"}) + "(" + call + ")";
      add(v.rank, e, call);
      break;
    }
    case 3: add(v.rank, v.last, layer("LayerNorm(" + D + ")") + "(" + v.name + ")"); break;
    case 4: { // a recurrent layer over the sequence
      if (v.rank != 3) return add(v.rank, v.last, "tanh(" + v.name + ")"), void();
      int kind = int(c_.below(3));
      int64_t h = c_.pick(std::vector<int64_t>{1, 3, 8});
      bool bidirectional = c_.below(2);
      int layers = 1 + int(c_.below(2));
      std::string ctor = std::string(kind == 0 ? "LSTM" : kind == 1 ? "GRU" : "RNN") + "(" + D + ", " +
                         std::to_string(h) + ", num_layers=" + std::to_string(layers) +
                         ", batch_first=true" + (bidirectional ? ", bidirectional=true" : "") + ")";
      std::string l = layer(ctor);
      std::string out = fresh("v");
      line(out + (kind == 0 ? ", _, _ = " : ", _ = ") + l + "(" + v.name + ")");
      vars_.push_back({out, 3, h * (bidirectional ? 2 : 1)});
      break;
    }
    case 5: { // additive (Bahdanau) attention over T
      if (v.rank != 3) return add(v.rank, v.last, "sigmoid(" + v.name + ")"), void();
      int64_t a = width();
      std::string att = layer("Linear(" + D + ", " + std::to_string(a) + ")");
      std::string score = layer("Linear(" + std::to_string(a) + ", 1, bias=false)");
      std::string u = fresh("u"), w = fresh("a");
      line(u + " = tanh(" + att + "(" + v.name + "))");
      line(w + " = softmax(" + score + "(" + u + "), axis=1)");
      add(2, v.last, "sum(" + w + " * " + v.name + ", axis=1)");
      break;
    }
    case 6: { // dot-product attention with a learned query
      if (v.rank != 3) return add(v.rank, v.last, "relu(" + v.name + ")"), void();
      std::string q = param("f32[" + D + ", 1]");
      std::string w = fresh("a");
      line(w + " = softmax(" + v.name + " @ " + q + ", axis=1)");
      add(2, v.last, "sum(" + w + " * " + v.name + ", axis=1)");
      break;
    }
    case 7: { // Luong (general) attention: a query [B, D] against keys [B, T, D]
      const Var *query = nullptr;
      for (const Var &w : vars_)
        if (w.rank == 2 && w.last == v.last) query = &w;
      if (v.rank != 3 || !query) return add(v.rank, v.last, "abs(" + v.name + ")"), void();
      std::string wq = layer("Linear(" + D + ", " + D + ", bias=false)");
      std::string s = fresh("s"), w = fresh("a");
      line(s + " = " + v.name + " @ unsqueeze(" + wq + "(" + query->name + "), 2)");
      line(w + " = softmax(" + s + ", axis=1)");
      add(2, v.last, "sum(" + w + " * " + v.name + ", axis=1)");
      break;
    }
    case 8:
      add(v.rank, v.last, std::string(c_.below(2) ? "softmax" : "log_softmax") + "(" + v.name + ", axis=" + axisOfLast(v) + ")");
      break;
    case 9: { // a reduction over T, or over the features keeping the axis
      std::string f = c_.pick(std::vector<std::string>{"sum", "mean", "max"});
      if (v.rank == 3) add(2, v.last, f + "(" + v.name + ", axis=1)");
      else add(2, 1, f + "(" + v.name + ", axis=1, keepdim=true)");
      break;
    }
    case 10: { // concat along the features
      const Var &w = vars_[c_.below(uint32_t(vars_.size()))];
      if (w.rank != v.rank || v.last + w.last > 32) return add(v.rank, v.last, "gelu(" + v.name + ")"), void();
      add(v.rank, v.last + w.last, "concat([" + v.name + ", " + w.name + "], axis=" + axisOfLast(v) + ")");
      break;
    }
    case 11: { // Conv1d over T (channels first), length kept by the padding
      if (v.rank != 3) return add(v.rank, v.last, "neg(" + v.name + ")"), void();
      int64_t k = c_.pick(std::vector<int64_t>{1, 3, 5}), e = width();
      std::string conv = layer("Conv1d(" + D + ", " + std::to_string(e) + ", " + std::to_string(k) +
                               ", padding=" + std::to_string((k - 1) / 2) + ")");
      add(3, e, "transpose(" + conv + "(transpose(" + v.name + ", 1, 2)), 1, 2)");
      break;
    }
    case 12: { // matmul with a param
      int64_t e = width();
      add(v.rank, e, v.name + " @ " + param("f32[" + D + ", " + std::to_string(e) + "]"));
      break;
    }
    case 13: { // dot attention in PyTorch's spelling, the mask a comparison, masked by a fill
      if (v.rank != 3) return add(v.rank, v.last, "torch.tanh(" + v.name + ")"), void();
      std::string q = param("f32[" + D + "]");
      std::string s = fresh("s"), m = fresh("m"), w = fresh("a");
      line(s + " = torch.bmm(" + v.name + ", (" + v.name + "[:, 0] * " + q + ").view(-1, " + D + ", 1)).squeeze(2)");
      line(m + " = " + c_.pick(std::vector<std::string>{v.name + "[..., 0] > 0", v.name + "[:, :, -1] <= 0.5",
                                                        "(" + v.name + "[..., 0] != 0) & (" + s + " < 1)"}));
      std::string fill = c_.pick(std::vector<std::string>{"-1e9", "float('-inf')", "-2.0"});
      line(w + " = F.softmax(" +
           (c_.below(2) ? s + ".masked_fill(~" + m + ", " + fill + ")"
                        : "torch.where(" + m + ", " + s + ", " + fill + ")") + ", dim=1)");
      add(2, v.last, "torch.bmm(" + w + ".unsqueeze(1), " + v.name + ").squeeze(1)");
      break;
    }
    case 14: { // a subscript: the last step, a stepped slice of the features, a new axis
      if (v.rank == 3 && c_.below(2)) return add(2, v.last, v.name + c_.pick(std::vector<std::string>{"[:, -1]", "[:, 0, :]", "[:, T - 1]"})), void();
      if (v.last >= 2) return add(v.rank, (v.last + 1) / 2, v.name + (v.rank == 3 ? "[..., ::2]" : "[:, ::2]")), void();
      add(v.rank, v.last, v.name + (v.rank == 3 ? "[:, :, None][..., 0]" : "[None][0]"));
      break;
    }
    }
  }

  Choices &c_;
  std::vector<Var> vars_;
  std::string decls_, body_;
  unsigned names_ = 0;
};

std::string kindOf(const std::string &failure) { return failure.substr(0, failure.find(':')); }

} // namespace

Program generate(Choices &choices) { return Writer(choices).write(); }

std::optional<std::string> checkProgram(const Program &program) {
  auto compiled = differential::compileAllWays(program.text, "gen.attn", program.inputSeed);
  if (!compiled) return compiled.message();
  const ir::Graph &graph = *compiled->plain->findFunction("f");
  auto inputs = ir::sampleInputs(graph, program.dims, program.inputSeed);
  if (!inputs) return std::string("run: no inputs for these dims");
  NamedTensorViews views;
  for (const auto &[name, t] : *inputs) views.emplace_back(name, t.view());
  return differential::runAllWays(*compiled, "f", views);
}

std::vector<uint32_t> shrink(std::vector<uint32_t> failing, const Check &check, unsigned attempts) {
  Choices first(failing);
  auto original = check(generate(first));
  if (!original) return failing;
  std::string kind = kindOf(*original);
  auto stillFails = [&](const std::vector<uint32_t> &candidate) {
    if (attempts == 0) return false;
    --attempts;
    Choices c(candidate);
    auto failure = check(generate(c));
    return failure && kindOf(*failure) == kind;
  };
  for (bool progress = true; progress && attempts > 0;) {
    progress = false;
    for (size_t run : {8, 4, 2, 1}) // delete runs of choices
      for (size_t at = 0; at + run <= failing.size();) {
        std::vector<uint32_t> candidate = failing;
        candidate.erase(candidate.begin() + long(at), candidate.begin() + long(at + run));
        if (stillFails(candidate)) failing = std::move(candidate), progress = true;
        else at += run;
      }
    for (size_t at = 0; at < failing.size(); ++at) // lower each choice
      for (uint32_t lower : {0u, failing[at] / 2, failing[at] - 1})
        if (lower < failing[at]) {
          std::vector<uint32_t> candidate = failing;
          candidate[at] = lower;
          if (stillFails(candidate)) {
            failing = std::move(candidate);
            progress = true;
            break;
          }
        }
  }
  return failing;
}

} // namespace attn::generator
