// compileModelText (Frontend.h): the SourceMgr and the diagnostic stream are
// this file's business.
#include "frontend/Frontend.h"

#include "frontend/Sema.h"

#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/raw_ostream.h>

namespace attn::frontend {

CompiledText compileModelText(std::string_view text, const std::string &name,
                              const FrontendOptions &options) {
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(sourceBuffer(llvm::StringRef(text.data(), text.size()), name), llvm::SMLoc());
  CompiledText compiled;
  llvm::raw_string_ostream os(compiled.diagnostics);
  Diagnostics diags(sourceMgr, os);
  compiled.module = compileModel(sourceMgr, diags, options);
  compiled.errorCount = diags.errorCount();
  os.flush();
  return compiled;
}

} // namespace attn::frontend
