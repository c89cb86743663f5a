// Model loading and output writing for the attnc subcommands.
#include "tools/attnc/Driver.h"

#include "runtime/AtomicFile.h"

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

bool checkOutputIsNotAnInput(const std::string &output, const std::vector<std::string> &inputs,
                             const std::string &option) {
  if (output.empty() || output == "-") return true;
  struct stat out {};
  if (::stat(output.c_str(), &out) != 0 || !S_ISREG(out.st_mode)) return true; // new, or a device
  for (const std::string &input : inputs) {
    struct stat in {};
    if (input.empty() || input == "-" || ::stat(input.c_str(), &in) != 0) continue;
    if (in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
      reportError(option + " '" + output + "' is the input '" + input + "'; write the output to another file");
      return false;
    }
  }
  return true;
}

bool parseDefines(const std::vector<std::string> &raw,
                  std::vector<std::pair<std::string, std::string>> &out) {
  auto parsed = api::detail::parseDefines(raw);
  if (!parsed) {
    reportError(parsed.status().message());
    return false;
  }
  out = std::move(*parsed);
  return true;
}

std::unique_ptr<LoadedModel> loadModel(const std::string &path,
                                       const std::vector<std::string> &defines) {
  std::vector<std::pair<std::string, std::string>> parsed;
  if (!parseDefines(defines, parsed)) return nullptr;
  bool diagnostics = false;
  auto loaded = api::detail::loadModel({path, std::nullopt}, parsed, llvm::errs().has_colors(), &diagnostics);
  if (loaded) return std::move(*loaded);
  if (diagnostics) // already `file:line:col: error: ...` with the line and a caret
    llvm::errs() << loaded.status().message();
  else
    reportError(loaded.status().message());
  return nullptr;
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
