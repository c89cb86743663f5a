// What every attnc subcommand shares: loading a model file through the
// frontend (with -D overrides) and writing output files atomically.
#pragma once

#include "api/Compiler.h"
#include "frontend/Sema.h"
#include "ir/Graph.h"

#include <llvm/ADT/StringRef.h>

#include <memory>
#include <string>
#include <vector>

namespace attn::tool {

/// Exit codes (interfaces.md).
enum ExitCode { kSuccess = 0, kUserError = 1, kUsageError = 2 };

/// A parsed, checked model and the source manager its locations point into.
using LoadedModel = api::detail::LoadedModel;

/// Parses -D strings ("name=value"); prints an error and returns false on a bad one.
bool parseDefines(const std::vector<std::string> &raw,
                  std::vector<std::pair<std::string, std::string>> &out);

/// Reads and compiles MODEL (api::detail::loadModel); prints diagnostics to
/// stderr and returns nullptr on error.
std::unique_ptr<LoadedModel> loadModel(const std::string &path,
                                       const std::vector<std::string> &defines);

/// Writes `text` to `path` ("-" = stdout) via a temporary file and rename, so
/// a failure leaves nothing half-written.
bool writeOutput(const std::string &path, const std::string &text);

/// Writes `bytes` to stdout; false (after a message) when the write fails
/// (a full disk, a file size limit, a closed pipe).
bool writeStdout(llvm::StringRef bytes);

/// "attnc: error: MESSAGE" on stderr, MESSAGE made printable
/// (frontend::printableText): it may quote bytes of the user's files.
void reportError(const std::string &message);
/// "attnc: note: MESSAGE" on stderr.
void reportNote(const std::string &message);

/// Whether writing `a` would replace the regular file `b` names (or that
/// `b` will name): both spellings are compared after following symbolic
/// links, by identity when both exist, else as normalised absolute paths
/// ("c.o", "./c.o" and "$PWD/c.o" are one file). A device is never the same.
bool sameFile(const std::string &a, const std::string &b);

/// False (after a message) when `output` ("-" and "" are stdout), the value of
/// `option` (-o, --json), is the same file as one of `inputs`: writing it
/// would destroy what is being read.
bool checkOutputIsNotAnInput(const std::string &output, const std::vector<std::string> &inputs,
                             const std::string &option = "-o");

} // namespace attn::tool
