// Running passes: the default pipeline or the one given by --passes, with the
// verifier after each pass (on unless --verify-each=false), --print-after-all
// / --print-after=NAME dumps and the --time-passes report, all written to a
// log stream (attnc gives stderr, LLVM's convention, so that --emit output on
// stdout stays clean).
#pragma once

#include "passes/Pass.h"

#include <chrono>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace attn::passes {

struct PipelineOptions {
  /// --passes=a,b,c: exactly these, in this order, instead of the default pipeline.
  std::optional<std::vector<std::string>> passes;
  /// --disable-pass=NAME (any number): skipped wherever the pipeline names them.
  std::vector<std::string> disabled;
  /// --no-fusion clears it: the passes passes.def marks as fusions are skipped.
  bool fusion = true;
  bool printAfterAll = false;
  std::vector<std::string> printAfter;
  bool timePasses = false;
  /// The verifier after every pass; a failure is a compiler bug naming the pass.
  bool verifyEach = true;
};

/// Every pass name in `options` is known; otherwise an error naming the known ones.
Status validateOptions(const PipelineOptions &options);

/// "canonicalize, constant-fold, ..." in passes.def order.
std::string passNames();

class PassManager {
public:
  PassManager(PassContext &context, const PipelineOptions &options, std::ostream &log);

  /// Runs `pass` on every function, unless disabled or an earlier step failed;
  /// then verifies and prints as the options ask.
  void run(PassId pass);
  /// The first failure (a verifier error after some pass), or ok.
  const Status &status() const { return status_; }
  /// Whether `pass` has run (on at least one function).
  bool hasRun(PassId pass) const { return timings_.count(pass) != 0; }
  /// The --time-passes table.
  void printTimings() const;

private:
  struct Timing {
    std::chrono::duration<double> wall{};
    unsigned runs = 0, changes = 0;
  };
  bool isEnabled(PassId pass) const;
  bool wantsPrint(PassId pass) const;

  PassContext &context_;
  const PipelineOptions &options_;
  std::ostream &log_;
  Status status_;
  std::map<PassId, Timing> timings_;
};

/// The default pipeline, written out in Pipeline.cpp.
void runDefaultPipeline(PassManager &pm);

/// --passes if given, else the default pipeline; then the timing report when asked.
Status runPipeline(PassContext &context, const PipelineOptions &options, std::ostream &log);

} // namespace attn::passes
