// Compiling model text in tests: the module (or nullptr) and the diagnostics.
#pragma once

#include "frontend/Sema.h"
#include "ir/Printer.h"


#include <string>

namespace attn::testing {

struct Compiled {
  std::unique_ptr<ir::Module> module;
  std::string diagnostics;
  unsigned errorCount = 0;
  std::string ir() const { return module ? ir::moduleToString(*module) : ""; }
};

inline Compiled compileText(const std::string &text, frontend::FrontendOptions options = {}) {
  frontend::CompiledText compiled = frontend::compileModelText(text, "test.attn", options);
  Compiled c;
  c.module = std::move(compiled.module);
  c.diagnostics = std::move(compiled.diagnostics);
  c.errorCount = compiled.errorCount;
  return c;
}

} // namespace attn::testing
