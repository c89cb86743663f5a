// The one diagnostic printer of the frontend: `FILE:LINE:COL: error: MESSAGE`,
// the source line and a caret, through llvm::SourceMgr.
#pragma once

#include "ir/Graph.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/StringRef.h>
#include <llvm/ADT/Twine.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/raw_ostream.h>

#include <optional>
#include <string>

namespace attn::frontend {

class Diagnostics {
public:
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
