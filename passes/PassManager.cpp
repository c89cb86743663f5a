// The pass manager: one pass over every function, the verifier after it, the
// dumps and the timing table (PassManager.h).
#include "passes/PassManager.h"

#include "ir/Printer.h"
#include "ir/Verifier.h"

#include <algorithm>
#include <cstdio>

namespace attn::passes {

std::string passNames() {
  std::string names;
  for (const PassInfo &info : allPasses())
    names += (names.empty() ? "" : ", ") + std::string(info.name);
  return names;
}

Status validateOptions(const PipelineOptions &options) {
  auto check = [](const std::string &name, const char *flag) {
    if (passFromName(name)) return Status::ok();
    return Status::error(std::string(flag) + ": unknown pass '" + name +
                         "' (passes: " + passNames() + ")");
  };
  if (options.passes)
    for (const std::string &name : *options.passes)
      if (Status s = check(name, "--passes"); !s) return s;
  for (const std::string &name : options.disabled)
    if (Status s = check(name, "--disable-pass"); !s) return s;
  for (const std::string &name : options.printAfter)
    if (Status s = check(name, "--print-after"); !s) return s;
  return Status::ok();
}

PassManager::PassManager(PassContext &context, const PipelineOptions &options, std::ostream &log)
    : context_(context), options_(options), log_(log) {}

bool PassManager::isEnabled(PassId pass) const {
  const PassInfo &info = passInfo(pass);
  if (info.isFusion && !options_.fusion) return false;
  return std::find(options_.disabled.begin(), options_.disabled.end(), info.name) ==
         options_.disabled.end();
}

bool PassManager::wantsPrint(PassId pass) const {
  std::string_view name = passInfo(pass).name;
  return options_.printAfterAll || std::find(options_.printAfter.begin(), options_.printAfter.end(),
                                             name) != options_.printAfter.end();
}

void PassManager::run(PassId pass) {
  if (!status_ || !isEnabled(pass)) return;
  const PassInfo &info = passInfo(pass);
  Timing &timing = timings_[pass];
  bool changed = false;
  auto start = std::chrono::steady_clock::now();
  for (const auto &function : context_.module.functions)
    changed |= info.run(*function, context_);
  timing.wall += std::chrono::steady_clock::now() - start;
  timing.runs += 1;
  timing.changes += changed;
  if (options_.verifyEach)
    if (Status s = ir::verifyModule(context_.module); !s) {
      status_ = Status::error("internal error: the IR is invalid after pass " +
                              std::string(info.name) + ": " + s.message());
      return;
    }
  if (wantsPrint(pass)) {
    log_ << "// *** IR Dump After " << info.name << (changed ? "" : " (no change)") << " ***\n";
    ir::printModule(context_.module, log_);
    log_ << "\n";
  }
}

void PassManager::printTimings() const {
  double total = 0;
  for (const auto &[pass, timing] : timings_)
    total += timing.wall.count();
  char line[160];
  log_ << "===" << std::string(73, '-') << "===\n"
       << "                      attnc pass execution timing report\n"
       << "===" << std::string(73, '-') << "===\n";
  std::snprintf(line, sizeof line, "  Total Execution Time: %.6f seconds\n\n", total);
  log_ << line << "   ---Wall Time---  --Runs--  --Changed--  --- Name ---\n";
  for (const PassInfo &info : allPasses()) {
    auto it = timings_.find(info.id);
    if (it == timings_.end()) continue;
    const Timing &t = it->second;
    double share = total > 0 ? 100.0 * t.wall.count() / total : 0.0;
    std::snprintf(line, sizeof line, "   %.6f (%5.1f%%)  %8u  %11u  %s\n", t.wall.count(), share,
                  t.runs, t.changes, std::string(info.name).c_str());
    log_ << line;
  }
  std::snprintf(line, sizeof line, "   %.6f (100.0%%)                         Total\n", total);
  log_ << line;
}

} // namespace attn::passes
