// Compiling model text in tests: the module (or nullptr) and the diagnostics.
#pragma once

#include "frontend/Sema.h"
#include "ir/Printer.h"

#include <llvm/Support/MemoryBuffer.h>

#include <string>

namespace attn::testing {

struct Compiled {
  std::unique_ptr<ir::Module> module;
  std::string diagnostics;
  unsigned errorCount = 0;
  std::string ir() const { return module ? ir::moduleToString(*module) : ""; }
};

inline Compiled compileText(const std::string &text, frontend::FrontendOptions options = {}) {
  llvm::SourceMgr sm;
  sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, "test.attn"), llvm::SMLoc());
  Compiled c;
  llvm::raw_string_ostream os(c.diagnostics);
  frontend::Diagnostics diags(sm, os);
  c.module = frontend::compileModel(sm, diags, options);
  c.errorCount = diags.errorCount();
  os.flush();
  return c;
}

} // namespace attn::testing
