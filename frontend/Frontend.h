// The frontend's face for code that embeds it (the runtime API, benchmarks,
// tests): model text in, an ir::Module or rendered diagnostics out, with no
// LLVM type in sight. The attnc driver, which also prints remarks against the
// source, uses Sema.h's compileModel over an llvm::SourceMgr instead.
#pragma once

#include "ir/Graph.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attn::frontend {

struct FrontendOptions {
  /// `-D name=value`: overrides of `let` constants (value text as given).
  std::vector<std::pair<std::string, std::string>> defines;
};

struct CompiledText {
  std::unique_ptr<ir::Module> module; // null after an error
  /// Every diagnostic as attnc prints it: `NAME:LINE:COL: error: MESSAGE`,
  /// the source line and a caret.
  std::string diagnostics;
  unsigned errorCount = 0;
};

/// Parses and lowers model `text`; `name` stands for the file in messages.
CompiledText compileModelText(std::string_view text, const std::string &name,
                              const FrontendOptions &options = {});

} // namespace attn::frontend
