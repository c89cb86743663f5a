// The one diagnostic printer of the frontend: `FILE:LINE:COL: error: MESSAGE`,
// the source line and a caret, through llvm::SourceMgr.
#pragma once

#include "ir/Graph.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/StringRef.h>
#include <llvm/ADT/Twine.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/raw_ostream.h>

#include <memory>
#include <optional>
#include <string>

namespace attn::frontend {

/// A model's text as a SourceMgr buffer: lone CR line ends (old Mac files)
/// become LF, so that lines and columns are the ones an editor shows.
std::unique_ptr<llvm::MemoryBuffer> sourceBuffer(llvm::StringRef text, llvm::StringRef name);

/// `text` safe to print to a terminal: control characters (but tab and
/// newline), DEL,
/// the C1 controls and bytes that are not UTF-8 as \xNN; other UTF-8 kept.
std::string printableText(llvm::StringRef text);

/// Diagnostics as `FILE:LINE:COL: error: MESSAGE`, the source line and a
/// caret. Source text reaches the terminal only through printableText, a
/// long line is clipped to kShownLineBytes around the caret and a message
/// (which may quote a name) to kShownMessageBytes. A diagnostic
/// without a location (a -D option's) is `<command line>: error: MESSAGE`.
class Diagnostics {
public:
  static constexpr size_t kShownLineBytes = 160, kShownMessageBytes = 400;

  Diagnostics(llvm::SourceMgr &sourceMgr, llvm::raw_ostream &os) : sourceMgr_(sourceMgr), os_(os) {}

  void error(llvm::SMLoc loc, const llvm::Twine &message);
  void note(llvm::SMLoc loc, const llvm::Twine &message);
  unsigned errorCount() const { return errors_; }
  bool hasErrors() const { return errors_ != 0; }

  /// The IR's line/column form of a location.
  ir::SourceLoc toSourceLoc(llvm::SMLoc loc) const;
  /// The SMLoc of an IR location (for diagnostics reported after lowering).
  llvm::SMLoc toSMLoc(ir::SourceLoc loc) const;
  llvm::SourceMgr &sourceMgr() { return sourceMgr_; }

private:
  void print(llvm::SMLoc loc, llvm::SourceMgr::DiagKind kind, const llvm::Twine &message);

  llvm::SourceMgr &sourceMgr_;
  llvm::raw_ostream &os_;
  unsigned errors_ = 0;
};

/// The candidate closest to `name` by edit distance, if it is close enough to
/// be a plausible typo (for "did you mean 'X'?").
std::optional<std::string> closestName(llvm::StringRef name, llvm::ArrayRef<std::string> candidates);

/// " (did you mean 'X'?)" or "".
std::string didYouMean(llvm::StringRef name, llvm::ArrayRef<std::string> candidates);

} // namespace attn::frontend
