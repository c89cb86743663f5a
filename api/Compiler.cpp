// Loading a model, binding its weights and running the pass pipeline, with
// errors as values (api/Compiler.h).
#include "api/Compiler.h"

#include "codegen/interp/ConstantEvaluation.h"
#include "frontend/Diagnostics.h"
#include "frontend/Sema.h"
#include "ir/Parser.h"
#include "runtime/MappedFile.h"
#include "runtime/Memory.h"

#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/raw_ostream.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace attn::api::detail {

Result<Defines> parseDefines(const std::vector<std::string> &raw) {
  Defines out;
  for (const std::string &d : raw) {
    auto eq = d.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == d.size())
      return Status::error("-D expects name=value, got '" + frontend::printableText(d) + "'");
    std::string name = d.substr(0, eq), value = d.substr(eq + 1);
    for (const auto &[seen, seenValue] : out)
      if (seen == name && seenValue != value)
        return Status::error("-D gives '" + frontend::printableText(name) + "' twice, as '" +
                             frontend::printableText(seenValue) + "' and as '" + frontend::printableText(value) +
                             "': give it once");
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

namespace {

/// Reads stdin to its end into `text`, or an error; past `limit` bytes it
/// stops with an error and text.size() > limit.
Status readStdin(std::string &text, size_t limit) {
  char chunk[1 << 16];
  for (;;) {
    ssize_t n = ::read(0, chunk, sizeof chunk);
    if (n == 0) return Status::ok();
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::error(std::strerror(errno));
    }
    text.append(chunk, size_t(n));
    if (text.size() > limit) return Status::error("too large");
  }
}

/// The model's bytes as a source buffer named for its diagnostics.
Result<std::unique_ptr<llvm::MemoryBuffer>> readModel(const ModelText &source) {
  const std::string &path = source.name;
  auto tooLarge = [&] {
    return Status::error("the model " + (path == "-" && !source.text ? std::string("on stdin") : "'" + path + "'") +
                         " is over " + formatBytes(kMaxModelBytes) + "; a model's text is never that large");
  };
  if (source.text) {
    if (source.text->size() > kMaxModelBytes) return tooLarge();
    return frontend::sourceBuffer(*source.text, path);
  }
  if (path == "-") {
    std::string text;
    if (Status s = readStdin(text, kMaxModelBytes); !s) {
      if (text.size() > kMaxModelBytes) return tooLarge();
      return Status::error("cannot read the model from stdin: " + s.message());
    }
    return frontend::sourceBuffer(text, "<stdin>");
  }
  // Mapped: a FIFO or a device is refused, never waited on.
  auto file = MappedFile::open(path);
  if (!file) return Status::error("cannot read model '" + path + "': " + file.message());
  if (file->size() > kMaxModelBytes) return tooLarge();
  llvm::StringRef bytes(reinterpret_cast<const char *>(file->data()), file->size());
  return frontend::sourceBuffer(bytes, path);
}

} // namespace

Result<std::unique_ptr<LoadedModel>> loadModel(const ModelText &source, const Defines &defines, bool colors,
                                               bool *diagnostics) {
  auto buffer = readModel(source);
  if (!buffer) return buffer.status();
  auto loaded = std::make_unique<LoadedModel>();
  loaded->sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  std::string printed;
  llvm::raw_string_ostream os(printed);
  os.enable_colors(colors);
  frontend::Diagnostics diags(loaded->sourceMgr, os);
  if (!source.text && llvm::StringRef(source.name).ends_with(".ir")) { // the IR text form (docs/ir.md)
    if (!defines.empty()) return Status::error("-D sets a model file's let constants; an IR file has none");
    llvm::StringRef text = loaded->sourceMgr.getMemoryBuffer(loaded->sourceMgr.getMainFileID())->getBuffer();
    ir::IRParseResult parsed = ir::parseModule(std::string_view(text.data(), text.size()));
    if (!parsed.module) {
      diags.error(diags.toSMLoc(parsed.errorLoc), parsed.error);
      if (diagnostics) *diagnostics = true;
      return Status::error(std::move(printed));
    }
    loaded->module = std::move(parsed.module);
    loaded->module->fileName = source.name;
    return loaded;
  }
  frontend::FrontendOptions options;
  options.defines = defines;
  loaded->module = frontend::compileModel(loaded->sourceMgr, diags, options);
  if (!loaded->module) {
    if (diagnostics) *diagnostics = true;
    return Status::error(std::move(printed));
  }
  return loaded;
}

namespace {

Result<std::shared_ptr<const WeightStore>> checked(Result<WeightStore> store, const WeightOptionNames &names) {
  if (!store) {
    std::string hint;
    if (store.message().find("\n  unexpected: ") != std::string::npos)
      hint = "\n(" + std::string(names.allowUnexpected) +
             " ignores the unexpected tensors, as PyTorch's strict=False)";
    return Status::error(store.message() + hint);
  }
  return std::shared_ptr<const WeightStore>(std::make_shared<const WeightStore>(std::move(*store)));
}

} // namespace

Result<std::shared_ptr<const WeightStore>> loadWeights(const ir::Module &module, const std::string &path,
                                                      bool allowUnexpected, const WeightOptionNames &names) {
  if (path.empty()) {
    if (!module.weights().empty())
      return Status::error("the model declares weights; pass them with " + std::string(names.weights));
    return std::shared_ptr<const WeightStore>(std::make_shared<const WeightStore>(WeightStore::fromTensors({})));
  }
  return checked(WeightStore::open(path, codegen::weightSpecs(module), {.allowUnexpected = allowUnexpected}), names);
}

Result<std::shared_ptr<const WeightStore>> bindWeights(const ir::Module &module, const NamedTensorViews &tensors,
                                                      bool allowUnexpected, const WeightOptionNames &names) {
  return checked(WeightStore::bindViews(codegen::weightSpecs(module), tensors, "the weight buffers", nullptr,
                                        {.allowUnexpected = allowUnexpected}),
                 names);
}

Result<PipelineReport> optimize(LoadedModel &model, const WeightMap *weights,
                                const passes::PipelineOptions &pipeline, std::ostream &log) {
  passes::PassContext context(*model.module);
  context.weights = weights;
  context.evaluate = interp::evaluateConstantNode;
  if (Status s = passes::runPipeline(context, pipeline, log); !s) return s;
  return PipelineReport{std::move(context.warnings), std::move(context.remarks)};
}

} // namespace attn::api::detail
