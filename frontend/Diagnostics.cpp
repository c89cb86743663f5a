// Diagnostic printing and typo suggestions.
#include "frontend/Diagnostics.h"

namespace attn::frontend {

void Diagnostics::error(llvm::SMLoc loc, const llvm::Twine &message) {
  ++errors_;
  sourceMgr_.PrintMessage(os_, loc, llvm::SourceMgr::DK_Error, message);
}

void Diagnostics::note(llvm::SMLoc loc, const llvm::Twine &message) {
  sourceMgr_.PrintMessage(os_, loc, llvm::SourceMgr::DK_Note, message);
}

ir::SourceLoc Diagnostics::toSourceLoc(llvm::SMLoc loc) const {
  if (!loc.isValid()) return {};
  auto [line, column] = sourceMgr_.getLineAndColumn(loc);
  return {line, column};
}

llvm::SMLoc Diagnostics::toSMLoc(ir::SourceLoc loc) const {
  if (!loc.isValid()) return {};
  return sourceMgr_.FindLocForLineAndColumn(sourceMgr_.getMainFileID(), loc.line, loc.column);
}

std::optional<std::string> closestName(llvm::StringRef name,
                                       llvm::ArrayRef<std::string> candidates) {
  std::optional<std::string> best;
  unsigned bestDistance = ~0u;
  // A plausible typo: up to two edits (a swapped pair costs two), more for
  // long names; none for one-letter names, where any letter is "close".
  unsigned size = unsigned(name.size());
  unsigned limit = size <= 2 ? (size ? size - 1 : 0) : std::max(2u, size / 3);
  for (const std::string &c : candidates) {
    unsigned d = name.edit_distance(c, /*AllowReplacements=*/true, limit + 1);
    if (d <= limit && d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

std::string didYouMean(llvm::StringRef name, llvm::ArrayRef<std::string> candidates) {
  auto best = closestName(name, candidates);
  return best ? " (did you mean '" + *best + "'?)" : "";
}

} // namespace attn::frontend
