// libFuzzer target: model text through the whole frontend, the IR printer
// and parser, and the default pass pipeline. Properties: a module comes back
// exactly when there is no error (never a silent failure), the module
// verifies, its printed IR parses back to the same text, and the pipeline
// leaves a module that verifies. Any crash, hang, leak, sanitizer report or
// assertion is a finding.
#include "FuzzSupport.h"

#include "frontend/Frontend.h"
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "passes/PassManager.h"

#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  auto compiled = attn::frontend::compileModelText(text, "fuzz.attn");
  if (!compiled.module) {
    ATTN_FUZZ_CHECK(compiled.errorCount > 0 && !compiled.diagnostics.empty(), "failed without a diagnostic");
    return 0;
  }
  ATTN_FUZZ_CHECK(compiled.errorCount == 0, compiled.diagnostics);
  attn::ir::Module &module = *compiled.module;
  ATTN_FUZZ_CHECK(attn::ir::verifyModule(module).isOk(), attn::ir::verifyModule(module).message());

  std::string printed = attn::ir::moduleToString(module);
  auto parsed = attn::ir::parseModule(printed);
  ATTN_FUZZ_CHECK(parsed.module != nullptr, parsed.error + "\n" + printed);
  ATTN_FUZZ_CHECK(attn::ir::moduleToString(*parsed.module) == printed, "print -> parse -> print differs");

  attn::passes::PassContext context(module);
  attn::passes::PipelineOptions pipeline;
  std::ostringstream log;
  attn::Status s = attn::passes::runPipeline(context, pipeline, log);
  ATTN_FUZZ_CHECK(s.isOk(), s.message());
  ATTN_FUZZ_CHECK(attn::ir::verifyModule(module).isOk(), "the pipeline left a module that does not verify");
  return 0;
}
