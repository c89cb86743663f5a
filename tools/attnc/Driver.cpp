// Model loading and output writing for the attnc subcommands.
#include "tools/attnc/Driver.h"

#include "runtime/AtomicFile.h"

#include <filesystem>

#include <llvm/Support/WithColor.h>
#include <llvm/Support/raw_ostream.h>

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

bool sameFile(const std::string &a, const std::string &b) {
  namespace fs = std::filesystem;
  // Links resolved as the writer resolves them; then existing files by
  // device and inode, new ones by their normalised absolute paths.
  fs::path targetA = writeTarget(a), targetB = writeTarget(b);
  std::error_code error;
  fs::file_status statusA = fs::status(targetA, error), statusB = fs::status(targetB, error);
  if (fs::exists(statusA) && fs::exists(statusB)) {
    // Two writes to one device (/dev/null) are fine; a directory fails to be written on its own.
    bool same = fs::equivalent(targetA, targetB, error);
    return !error && same && fs::is_regular_file(statusA);
  }
  if (fs::exists(statusA) || fs::exists(statusB)) return false;
  fs::path normalA = fs::weakly_canonical(fs::absolute(targetA, error), error);
  if (error) return a == b;
  fs::path normalB = fs::weakly_canonical(fs::absolute(targetB, error), error);
  if (error) return a == b;
  return normalA == normalB;
}

bool checkOutputIsNotAnInput(const std::string &output, const std::vector<std::string> &inputs,
                             const std::string &option) {
  if (output.empty() || output == "-") return true;
  for (const std::string &input : inputs) {
    if (input.empty() || input == "-" || !sameFile(output, input)) continue;
    reportError(option + " '" + output + "' is the input '" + input + "'; write the output to another file");
    return false;
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
