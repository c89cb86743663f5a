// Diagnostic printing and typo suggestions.
#include "frontend/Diagnostics.h"

#include <llvm/Support/WithColor.h>

namespace attn::frontend {

std::unique_ptr<llvm::MemoryBuffer> sourceBuffer(llvm::StringRef text, llvm::StringRef name) {
  std::string copy(text);
  for (size_t i = 0; i < copy.size(); ++i)
    if (copy[i] == '\r' && (i + 1 == copy.size() || copy[i + 1] != '\n')) copy[i] = '\n';
  return llvm::MemoryBuffer::getMemBufferCopy(copy, name);
}

namespace {

/// The length of the UTF-8 sequence at text[i] that prints as a character
/// (a code point from U+00A0 up, shortest form, not a surrogate), or 0.
size_t printableUtf8(llvm::StringRef text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (n == 0 || c >= 0xF5 || i + n > text.size()) return 0;
  uint32_t cp = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (byte(i + k) & 0x3F);
  }
  bool shortest = (n == 2 && cp >= 0x80) || (n == 3 && cp >= 0x800) || (n == 4 && cp >= 0x10000);
  if (!shortest || cp < 0xA0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return 0;
  return n;
}

} // namespace

std::string printableText(llvm::StringRef text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c >= 0x20 && c < 0x7F) || c == '\t' || c == '\n') {
      out += char(c);
      ++i;
    } else if (size_t n = c >= 0x80 ? printableUtf8(text, i) : 0) {
      out.append(text.data() + i, n);
      i += n;
    } else {
      static const char digits[] = "0123456789abcdef";
      out += {'\\', 'x', digits[c >> 4], digits[c & 15]};
      ++i;
    }
  }
  return out;
}

void Diagnostics::print(llvm::SMLoc loc, llvm::SourceMgr::DiagKind kind, const llvm::Twine &message) {
  std::string text = printableText(message.str());
  if (text.size() > kShownMessageBytes) // it quotes a name of 100,000 characters
    text = text.substr(0, kShownMessageBytes) + "...";
  if (!loc.isValid()) {
    os_ << "<command line>: " << (kind == llvm::SourceMgr::DK_Error ? "error" : "note") << ": " << text << "\n";
    return;
  }
  llvm::SMDiagnostic full = sourceMgr_.GetMessage(loc, kind, text);
  llvm::StringRef line = full.getLineContents();
  if (line.ends_with("\r")) line = line.drop_back(); // a CRLF file
  size_t column = std::min(size_t(std::max(full.getColumnNo(), 0)), line.size());
  // A window of kShownLineBytes around the caret, cut between characters.
  size_t begin = 0, end = line.size();
  if (line.size() > kShownLineBytes) {
    begin = column > kShownLineBytes / 2 ? column - kShownLineBytes / 2 : 0;
    end = std::min(line.size(), begin + kShownLineBytes);
    auto continuation = [&](size_t i) { return i < line.size() && (static_cast<unsigned char>(line[i]) & 0xC0) == 0x80; };
    while (continuation(begin)) ++begin;
    while (continuation(end)) ++end;
  }
  std::string prefix = begin > 0 ? "..." : "";
  std::string shown = prefix + printableText(line.slice(begin, end)) + (end < line.size() ? "..." : "");
  size_t caretByte = prefix.size() + printableText(line.slice(begin, column)).size();
  // The line with tabs expanded, and the caret's screen column (a UTF-8
  // character taken as one column).
  std::string expanded;
  size_t columns = 0, caret = 0;
  for (size_t i = 0; i < shown.size(); ++i) {
    if (i == caretByte) caret = columns;
    if (shown[i] == '\t') {
      do expanded += ' ';
      while (++columns % 8);
      continue;
    }
    expanded += shown[i];
    if ((static_cast<unsigned char>(shown[i]) & 0xC0) != 0x80) ++columns;
  }
  if (caretByte >= shown.size()) caret = columns;
  os_ << full.getFilename() << ":" << full.getLineNo() << ":" << column + 1 << ": ";
  if (kind == llvm::SourceMgr::DK_Error) llvm::WithColor::error(os_, "");
  else llvm::WithColor::note(os_, "");
  llvm::WithColor(os_, llvm::raw_ostream::SAVEDCOLOR, true) << text << "\n";
  os_ << expanded << "\n";
  llvm::WithColor(os_, llvm::raw_ostream::GREEN, true) << std::string(caret, ' ') << "^\n";
}

void Diagnostics::error(llvm::SMLoc loc, const llvm::Twine &message) {
  ++errors_;
  print(loc, llvm::SourceMgr::DK_Error, message);
}

void Diagnostics::note(llvm::SMLoc loc, const llvm::Twine &message) {
  print(loc, llvm::SourceMgr::DK_Note, message);
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

namespace {
constexpr size_t kMaxSuggestedNameLength = 64;
} // namespace

std::optional<std::string> closestName(llvm::StringRef name,
                                       llvm::ArrayRef<std::string> candidates) {
  std::optional<std::string> best;
  unsigned bestDistance = ~0u;
  // A plausible typo: up to two edits (a swapped pair costs two), more for
  // long names; none for one-letter names, where any letter is "close".
  // Edit distance is quadratic: a 100,000-character name gets no suggestion.
  if (name.size() > kMaxSuggestedNameLength) return std::nullopt;
  unsigned size = unsigned(name.size());
  unsigned limit = size <= 2 ? (size ? size - 1 : 0) : std::max(2u, size / 3);
  for (const std::string &c : candidates) {
    if (c.size() > size + limit || c.size() + limit < size) continue; // too far apart to be a typo
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
