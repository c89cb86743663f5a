// Code as text, object or library bytes (`attnc compile
// --emit=llvm|asm|obj|lib`): the same module the JIT runs, but with the
// weights as globals: constant data when the weights are given, external
// symbols otherwise.
#include "codegen/llvm/Target.h"

#include <llvm/IR/Module.h>
#include <llvm/Object/ArchiveWriter.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/raw_ostream.h>

namespace attn::llvmcg {

Result<std::string> emitCode(const ir::Module &module, const WeightMap *weights, EmitKind kind,
                             const LLVMOptions &options) {
  if (Status s = codegen::checkModule(module); !s) return s;
  Result<codegen::WeightViews> views = codegen::WeightViews{};
  if (weights) views = codegen::bindWeights(module, *weights);
  if (!views) return views.status();
  auto target = resolveTarget(options);
  if (!target) return target.status();
  llvm::LLVMContext context;
  llvm::Module generated("attn." + module.name, context);
  if (Status s = emitModule(generated, target->info, module, WeightMode::Globals, weights ? &*views : nullptr); !s)
    return s;
  if (Status s = verifyGenerated(generated, *target->machine); !s) return s;
  if (Status s = optimizeModule(generated, *target->machine); !s) return s;
  if (kind != EmitKind::LLVMIR) return emitMachineCode(generated, *target->machine, kind);
  std::string text;
  llvm::raw_string_ostream os(text);
  generated.print(os, nullptr);
  return os.str();
}

Result<std::string> archiveObject(const std::string &object, const std::string &memberName) {
  std::vector<llvm::NewArchiveMember> members;
  members.emplace_back(llvm::MemoryBufferRef(object, memberName));
  std::string warnings;
  // Deterministic: no time, owner or mode of the build in the archive.
  auto archive = llvm::writeArchiveToBuffer(
      members, llvm::SymtabWritingMode::NormalSymtab, llvm::object::Archive::K_GNU,
      /*Deterministic=*/true, /*Thin=*/false,
      [&](llvm::Error e) { warnings += (warnings.empty() ? "" : "; ") + llvm::toString(std::move(e)); });
  if (!archive) return Status::error("llvm: cannot write the library: " + llvm::toString(archive.takeError()));
  if (!warnings.empty()) return Status::error("llvm: cannot write the library: " + warnings);
  return std::string((*archive)->getBuffer());
}

Status checkTarget(const LLVMOptions &options) { return resolveTarget(options).status(); }

std::string describeTarget(const LLVMOptions &options) {
  auto target = resolveTarget(options);
  if (!target) return target.message();
  return target->info.cpu + " (" + std::to_string(target->info.vectorBits) + "-bit vectors" +
         (target->info.hasFma ? ", fma" : "") + ")";
}

} // namespace attn::llvmcg
