// Model loading and output writing for the attnc subcommands.
#include "tools/attnc/Driver.h"

#include "ir/Parser.h"
#include "runtime/AtomicFile.h"
#include "runtime/MappedFile.h"
#include "runtime/Memory.h"

#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/WithColor.h>
#include <llvm/Support/raw_ostream.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace attn::tool {

void reportError(const std::string &message) {
  // Messages quote names and text from the user's files: never raw bytes.
  llvm::WithColor::error(llvm::errs(), "attnc") << frontend::printableText(message) << "\n";
}

void reportNote(const std::string &message) {
  llvm::WithColor::note(llvm::errs(), "attnc") << frontend::printableText(message) << "\n";
}

bool checkOutputIsNotAnInput(const std::string &output, const std::vector<std::string> &inputs) {
  if (output.empty() || output == "-") return true;
  struct stat out {};
  if (::stat(output.c_str(), &out) != 0 || !S_ISREG(out.st_mode)) return true; // new, or a device
  for (const std::string &input : inputs) {
    struct stat in {};
    if (input.empty() || input == "-" || ::stat(input.c_str(), &in) != 0) continue;
    if (in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
      reportError("-o '" + output + "' is the input '" + input + "'; write the output to another file");
      return false;
    }
  }
  return true;
}

bool parseDefines(const std::vector<std::string> &raw,
                  std::vector<std::pair<std::string, std::string>> &out) {
  for (const std::string &d : raw) {
    auto eq = d.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == d.size()) {
      reportError("-D expects name=value, got '" + d + "'");
      return false;
    }
    out.emplace_back(d.substr(0, eq), d.substr(eq + 1));
  }
  return true;
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

} // namespace

std::unique_ptr<LoadedModel> loadModel(const std::string &path,
                                       const std::vector<std::string> &defines) {
  auto loaded = std::make_unique<LoadedModel>();
  frontend::FrontendOptions options;
  if (!parseDefines(defines, options.defines)) return nullptr;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  auto tooLarge = [&] {
    reportError("the model " + (path == "-" ? std::string("on stdin") : "'" + path + "'") + " is over " +
                formatBytes(kMaxModelBytes) + "; a model's text is never that large");
    return nullptr;
  };
  if (path == "-") {
    std::string text;
    if (Status s = readStdin(text, kMaxModelBytes); !s) {
      if (text.size() > kMaxModelBytes) return tooLarge();
      reportError("cannot read the model from stdin: " + s.message());
      return nullptr;
    }
    buffer = frontend::sourceBuffer(text, "<stdin>");
  } else {
    // Mapped: a FIFO or a device is refused, never waited on.
    auto file = MappedFile::open(path);
    if (!file) {
      reportError("cannot read model '" + path + "': " + file.message());
      return nullptr;
    }
    if (file->size() > kMaxModelBytes) return tooLarge();
    llvm::StringRef bytes(reinterpret_cast<const char *>(file->data()), file->size());
    buffer = frontend::sourceBuffer(bytes, path);
  }
  loaded->sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  frontend::Diagnostics diags(loaded->sourceMgr, llvm::errs());
  if (llvm::StringRef(path).ends_with(".ir")) { // the IR text form (docs/ir.md)
    if (!defines.empty()) {
      reportError("-D sets a model file's let constants; an IR file has none");
      return nullptr;
    }
    llvm::StringRef text = loaded->sourceMgr.getMemoryBuffer(loaded->sourceMgr.getMainFileID())->getBuffer();
    ir::IRParseResult parsed = ir::parseModule(std::string_view(text.data(), text.size()));
    if (!parsed.module) {
      diags.error(diags.toSMLoc(parsed.errorLoc), parsed.error);
      return nullptr;
    }
    loaded->module = std::move(parsed.module);
    loaded->module->fileName = path;
    return loaded;
  }
  loaded->module = frontend::compileModel(loaded->sourceMgr, diags, options);
  if (!loaded->module) return nullptr;
  return loaded;
}

bool writeStdout(llvm::StringRef bytes) {
  llvm::raw_fd_ostream &out = llvm::outs();
  out << bytes;
  out.flush();
  if (!out.has_error()) return true;
  // Reported here, and cleared: raw_fd_ostream would otherwise end the
  // process with "LLVM ERROR: IO failure on output stream".
  reportError("cannot write to stdout: " + out.error().message());
  out.clear_error();
  return false;
}

bool writeOutput(const std::string &path, const std::string &text) {
  if (path == "-") return writeStdout(text);
  if (Status s = writeFileAtomically(path, text); !s) {
    reportError(s.message());
    return false;
  }
  return true;
}

} // namespace attn::tool
