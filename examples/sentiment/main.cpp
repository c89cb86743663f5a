// attn-sentiment: the seed pipeline end to end. Reads sentences (Korean or
// English movie reviews) from stdin, one per line; tokenises each with the
// SentencePiece model; runs the compiled classifier (examples/sentiment/
// model.attn with its trained weights) through the public C++ API; prints
// the label, its probability, and each piece with the attention weight it
// received as a heatmap: ANSI colours on a terminal, numbers otherwise;
// --html FILE also writes the heatmap as a page.
//
//   echo "연기가 정말 좋았다" | build/examples/sentiment/attn-sentiment
#include <attn/attn.hpp>

#include <sentencepiece_processor.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

namespace api = attn::api;

const char *const kLabels[] = {"negative", "positive"};

struct Options {
  std::string dir = ATTN_SENTIMENT_DIR;
  std::string model, weights, pieces, html, eval;
  std::string color = "auto"; // auto, always, never
  api::Backend backend = api::Backend::Default;
};

void usage() {
  std::fprintf(stderr,
               "usage: attn-sentiment [--model M.attn] [--weights W.safetensors] [--spm S.model]\n"
               "                      [--html FILE] [--color auto|always|never] [--backend llvm|dnnl|interp] < sentences\n"
               "       attn-sentiment --eval LABELLED.tsv   (lines: label<TAB>sentence; prints the accuracy)\n"
               "Classifies each line of stdin as a positive or negative movie review and shows the\n"
               "attention weight of each SentencePiece piece. Defaults: %s/{model.attn,weights.safetensors,spm.model}\n",
               ATTN_SENTIMENT_DIR);
}

bool parseArgs(int argc, char **argv, Options &o) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string &out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string backend;
    if (arg == "--model") {
      if (!value(o.model)) return false;
    } else if (arg == "--weights") {
      if (!value(o.weights)) return false;
    } else if (arg == "--spm") {
      if (!value(o.pieces)) return false;
    } else if (arg == "--html") {
      if (!value(o.html)) return false;
    } else if (arg == "--eval") {
      if (!value(o.eval)) return false;
    } else if (arg == "--color") {
      if (!value(o.color) || (o.color != "auto" && o.color != "always" && o.color != "never")) return false;
    } else if (arg == "--backend") {
      if (!value(backend)) return false;
      if (backend == "llvm") o.backend = api::Backend::LLVM;
      else if (backend == "interp") o.backend = api::Backend::Interp;
      else if (backend == "dnnl") o.backend = api::Backend::DNNL;
      else return false;
    } else {
      return false;
    }
  }
  if (o.model.empty()) o.model = o.dir + "/model.attn";
  if (o.weights.empty()) o.weights = o.dir + "/weights.safetensors";
  if (o.pieces.empty()) o.pieces = o.dir + "/spm.model";
  return true;
}

/// One classified sentence.
struct Verdict {
  std::string text;
  std::vector<std::string> pieces;
  std::vector<float> weights;
  int label = 0;
  float probability = 0;
};

/// How hot piece i is, in [0, 1]: its weight between the sentence's
/// smallest (0) and largest (1). Relative, so that a model whose attention
/// is nearly flat still shows where it leans; the numbers are the weights.
double heat(const Verdict &v, size_t i) {
  auto [low, high] = std::minmax_element(v.weights.begin(), v.weights.end());
  return *high > *low ? (v.weights[i] - *low) / (*high - *low) : 0.0;
}

/// A piece as it reads: SentencePiece's word-start mark U+2581 as a space.
std::string readable(const std::string &piece) {
  static const std::string mark = "\xE2\x96\x81";
  std::string s = piece;
  for (size_t at; (at = s.find(mark)) != std::string::npos;) s.replace(at, mark.size(), " ");
  return s;
}

void printTerminal(const Verdict &v) {
  std::printf("\x1b[1m%s\x1b[0m %.3f  ", kLabels[v.label], v.probability);
  for (size_t i = 0; i < v.pieces.size(); ++i) {
    double t = heat(v, i); // white to red
    int other = int(std::lround(255 * (1 - 0.85 * t)));
    std::printf("\x1b[48;2;255;%d;%dm\x1b[38;2;0;0;0m%s\x1b[0m", other, other, readable(v.pieces[i]).c_str());
  }
  std::printf("\n");
}

void printPlain(const Verdict &v) {
  std::printf("%s %.3f |", kLabels[v.label], v.probability);
  for (size_t i = 0; i < v.pieces.size(); ++i) std::printf(" %s:%.3f", v.pieces[i].c_str(), v.weights[i]);
  std::printf("\n");
}

std::string escapeHtml(const std::string &s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    default: out += c;
    }
  }
  return out;
}

/// The heatmap page, written to a temporary next to `path`, then renamed:
/// a failure leaves no half-written page.
bool writeHtml(const std::string &path, const std::vector<Verdict> &verdicts) {
  std::string page = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>attn-sentiment</title>\n"
                     "<style>body{font-family:sans-serif;margin:2em}td{padding:.3em .6em;vertical-align:top}"
                     ".p{padding:.1em 0;border-radius:3px}.positive{color:#176b2c}.negative{color:#a01818}</style>"
                     "</head><body>\n<h1>attn-sentiment</h1>\n<p>Each piece's background is the attention "
                     "weight it received, from the sentence's smallest (white) to its largest (red); "
                     "hover for the weight.</p>\n<table>\n";
  for (const Verdict &v : verdicts) {
    char head[96];
    std::snprintf(head, sizeof head, "<tr><td class=\"%s\">%s %.3f</td><td>", kLabels[v.label], kLabels[v.label],
                  v.probability);
    page += head;
    for (size_t i = 0; i < v.pieces.size(); ++i) {
      char span[128];
      std::snprintf(span, sizeof span, "<span class=\"p\" style=\"background:rgba(220,40,40,%.3f)\" title=\"%.4f\">",
                    0.85 * heat(v, i), v.weights[i]);
      page += span + escapeHtml(readable(v.pieces[i])) + "</span>";
    }
    page += "</td></tr>\n";
  }
  page += "</table>\n</body></html>\n";
  std::string temporary = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary);
    out << page;
    out.close();
    if (!out) {
      std::remove(temporary.c_str());
      return false;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return false;
  }
  return true;
}

/// --eval: the accuracy over a labelled file (label<TAB>sentence per line,
/// as data/heldout.tsv), the number examples/sentiment/README.md quotes.
template <typename Classify> int evaluate(const std::string &path, Classify &classify) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "attn-sentiment: cannot read '%s'\n", path.c_str());
    return 1;
  }
  int total = 0, correct = 0, lineNumber = 0;
  for (std::string line; std::getline(in, line);) {
    ++lineNumber;
    if (line.empty()) continue;
    auto tab = line.find('\t');
    if (tab != 1 || (line[0] != '0' && line[0] != '1')) {
      std::fprintf(stderr, "attn-sentiment: %s:%d: expected 'LABEL<TAB>SENTENCE' with LABEL 0 or 1\n", path.c_str(),
                   lineNumber);
      return 1;
    }
    Verdict v;
    if (!classify(line.substr(2), v)) return 1;
    ++total;
    correct += v.label == line[0] - '0';
  }
  std::printf("accuracy: %d/%d (%.1f%%)\n", correct, total, total ? 100.0 * correct / total : 0.0);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  if (!parseArgs(argc, argv, options)) {
    usage();
    return 2;
  }
  sentencepiece::SentencePieceProcessor tokenizer;
  if (auto s = tokenizer.Load(options.pieces); !s.ok()) {
    std::fprintf(stderr, "attn-sentiment: %s: %s\n", options.pieces.c_str(), s.ToString().c_str());
    return 1;
  }
  api::CompileOptions compileOptions;
  compileOptions.backend = options.backend;
  compileOptions.threads = 1; // one short sentence at a time
  auto module = api::Module::compile(api::ModelSource::file(options.model), api::Weights::file(options.weights),
                                     compileOptions);
  if (!module) {
    std::fprintf(stderr, "attn-sentiment: %s\n", module.status().message().c_str());
    return 1;
  }
  auto classify = [&](const std::string &text, Verdict &v) {
    v.text = text;
    std::vector<int> ids;
    if (!tokenizer.Encode(text, &v.pieces).ok() || !tokenizer.Encode(text, &ids).ok()) {
      std::fprintf(stderr, "attn-sentiment: cannot tokenise '%s'\n", text.c_str());
      return false;
    }
    if (ids.empty()) return true; // a blank line: no pieces, no verdict
    std::vector<int64_t> tokens(ids.begin(), ids.end());
    auto results = module->run("forward", {api::TensorRef::of("tokens", {1, int64_t(tokens.size())}, tokens.data())});
    if (!results) {
      std::fprintf(stderr, "attn-sentiment: %s\n", results.status().message().c_str());
      return false;
    }
    const float *logits = (*results)[0].as<float>();
    const float *weights = (*results)[1].as<float>();
    double z = std::max(logits[0], logits[1]);
    double e0 = std::exp(logits[0] - z), e1 = std::exp(logits[1] - z);
    v.label = logits[1] > logits[0] ? 1 : 0;
    v.probability = float((v.label ? e1 : e0) / (e0 + e1));
    v.weights.assign(weights, weights + tokens.size());
    return true;
  };
  if (!options.eval.empty()) return evaluate(options.eval, classify);

  bool colors = options.color == "always" || (options.color == "auto" && ::isatty(1));
  std::vector<Verdict> verdicts;
  int failures = 0;
  for (std::string line; std::getline(std::cin, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    Verdict v;
    if (!classify(line, v)) {
      ++failures;
      continue;
    }
    if (v.weights.empty()) continue;
    colors ? printTerminal(v) : printPlain(v);
    verdicts.push_back(std::move(v));
  }
  if (!options.html.empty() && !writeHtml(options.html, verdicts)) {
    std::fprintf(stderr, "attn-sentiment: cannot write '%s'\n", options.html.c_str());
    return 1;
  }
  return failures ? 1 : 0;
}
