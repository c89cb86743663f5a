// attnc compile for the code emit kinds: bind the weights if given, run the
// pass pipeline (folding with the weights), generate code with the llvm
// backend for the chosen or the host CPU (a library: the object archived;
// with --header, the C header too), write it out.
#include "tools/attnc/EmitCode.h"

#include "codegen/llvm/LLVMBackend.h"
#include "codegen/llvm/RuntimeAbi.h"
#include "runtime/AtomicFile.h"
#include "tools/attnc/CompileCommand.h"
#include "tools/attnc/RunCommand.h"

#include <optional>

namespace attn::tool {

namespace {

/// The code to `codePath` ("-": stdout) and the header to `headerPath`: both
/// written to temporaries first, then renamed, so that a failure before
/// both are complete leaves both files as they were.
bool writeCodeAndHeader(const std::string &codePath, const std::string &code, const std::string &headerPath,
                        const std::string &header) {
  std::optional<AtomicFileWriter> codeFile, headerFile;
  Status s = Status::ok();
  auto open = [&](std::optional<AtomicFileWriter> &file, const std::string &path, const std::string &bytes) {
    if (!s || path == "-") return;
    auto writer = AtomicFileWriter::create(path);
    if (!writer) {
      s = writer.status();
      return;
    }
    file.emplace(std::move(*writer));
    s = file->write(bytes);
  };
  open(codeFile, codePath, code);
  open(headerFile, headerPath, header);
  if (s && codeFile) s = codeFile->commit();
  if (s && headerFile) s = headerFile->commit();
  if (!s) {
    reportError(s.message());
    return false;
  }
  if (codePath == "-") return writeStdout(code);
  return headerPath != "-" || writeStdout(header);
}

} // namespace

int emitCodeCommand(LoadedModel &model, const EmitCodeOptions &options) {
  std::shared_ptr<const WeightStore> store;
  WeightMap weights;
  if (!optimizeWithOptionalWeights(model, options.weightsPath, options.pipeline,
                                   options.explainFusion, store, weights))
    return kUserError;
  llvmcg::EmitKind kind = options.emit == CodeEmit::LLVM  ? llvmcg::EmitKind::LLVMIR
                          : options.emit == CodeEmit::Asm ? llvmcg::EmitKind::Assembly
                                                          : llvmcg::EmitKind::Object;
  llvmcg::LLVMOptions target{options.target.cpu, options.target.features, 0};
  auto code = llvmcg::emitCode(*model.module, store ? &weights : nullptr, kind, target);
  if (code && options.emit == CodeEmit::Lib)
    code = llvmcg::archiveObject(*code, "attn_" + llvmcg::symbolPart(model.module->name) + ".o");
  if (!code) {
    reportError(code.message());
    return kUserError;
  }
  if (options.headerPath.empty()) return writeOutput(options.outputPath, *code) ? kSuccess : kUserError;
  auto header = llvmcg::emitCHeader(*model.module, store != nullptr);
  if (!header) {
    reportError(header.message());
    return kUserError;
  }
  return writeCodeAndHeader(options.outputPath, *code, options.headerPath, *header) ? kSuccess : kUserError;
}

bool checkHeaderOption(bool given, const std::string &headerPath, bool objectCode,
                       const std::string &outputPath, const std::vector<std::string> &inputs) {
  if (!given) return true;
  if (!objectCode) {
    reportError("--header writes the C header of an object or a library: use it with --emit=obj or --emit=lib");
    return false;
  }
  if (headerPath.empty()) {
    reportError("--header needs a file name");
    return false;
  }
  if (headerPath == "-" && outputPath == "-") {
    reportError("-o and --header cannot both be stdout: give one of them a file");
    return false;
  }
  if (headerPath != "-" && sameFile(headerPath, outputPath)) {
    reportError("--header '" + headerPath + "' is the -o file; write the header to another file");
    return false;
  }
  for (const std::string &input : inputs)
    if (headerPath != "-" && !input.empty() && sameFile(headerPath, input)) {
      reportError("--header '" + headerPath + "' is the input '" + input + "'; write the header to another file");
      return false;
    }
  return true;
}

bool checkTargetOptions(const codegen::CompileOptions &target) {
  if (target.cpu.empty()) return true;
  Status s = llvmcg::checkTarget(llvmcg::LLVMOptions{target.cpu, target.features, 0});
  if (!s) reportError(s.message());
  return s.isOk();
}

} // namespace attn::tool
