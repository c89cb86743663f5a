// The safetensors header: a strict, schema-directed JSON parser and the
// layout checks listed in Safetensors.h (SafetensorsFormat.h).
#include "runtime/SafetensorsFormat.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>
#include <set>

namespace attn::safetensors {

std::string quoted(std::string_view name, char quote) {
  std::string s(1, quote);
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      s += buf;
    } else {
      s += c;
    }
  }
  return s + quote;
}

size_t findInvalidUtf8(std::string_view s) {
  static constexpr uint32_t kMinCodePoint[] = {0, 0, 0x80, 0x800, 0x10000};
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return i;
    uint32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = cp << 6 | (cc & 0x3F);
    }
    if (len > 1 && (cp < kMinCodePoint[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) return i;
    i += len;
  }
  return std::string_view::npos;
}

std::optional<uint64_t> shapeByteSize(const Shape &shape, DType dtype) {
  uint64_t nonZeroProduct = 1;
  bool hasZero = false;
  for (int64_t d : shape) {
    if (d < 0) return std::nullopt;
    if (d == 0)
      hasZero = true;
    else if (__builtin_mul_overflow(nonZeroProduct, uint64_t(d), &nonZeroProduct))
      return std::nullopt;
  }
  uint64_t bytes;
  if (__builtin_mul_overflow(nonZeroProduct, dtypeSize(dtype), &bytes) ||
      bytes > uint64_t(std::numeric_limits<int64_t>::max()))
    return std::nullopt;
  return hasZero ? 0 : bytes;
}

namespace {

std::string offsetsToString(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

/// Parses the JSON header straight into entries, checking the schema as it
/// goes. Every read is bounds-checked; nesting is limited to kMaxJsonDepth.
class HeaderParser {
public:
  explicit HeaderParser(std::string_view text) : text_(text) {}
  const std::string &error() const { return error_; }

  bool parse(Header &out) {
    skipSpace();
    if (peek() != '{') return fail("header is not a JSON object");
    std::set<std::string, std::less<>> seen;
    bool ok = forEachMember([&](const std::string &key) {
      if (!seen.insert(key).second)
        return fail(key == "__metadata__" ? "duplicate \"__metadata__\""
                                          : "duplicate tensor name " + quoted(key));
      if (key == "__metadata__") return parseMetadata(out.metadata);
      out.entries.emplace_back().name = key;
      return parseEntry(out.entries.back());
    });
    if (!ok) return false;
    skipSpace();
    return pos_ == text_.size() || syntaxError("unexpected content after the header object");
  }

private:
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skipSpace() {
    while (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r') ++pos_;
  }
  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }
  bool syntaxError(const std::string &what) {
    return fail("invalid JSON in header at byte " + std::to_string(pos_) + ": " + what);
  }
  bool tensorError(const HeaderEntry &e, const std::string &what) {
    return fail("tensor " + quoted(e.name) + ": " + what);
  }
  bool expect(char c) {
    skipSpace();
    if (peek() != c) return syntaxError(std::string("expected '") + c + "'");
    ++pos_;
    return true;
  }

  // The generic walkers: `onItem` is called at each member value / element.
  template <typename F> bool forEachMember(F &&onMember) { return walk('{', '}', onMember); }
  template <typename F> bool forEachElement(F &&onElement) {
    return walk('[', ']', [&](const std::string &) { return onElement(); });
  }
  template <typename F> bool walk(char open, char close, F &&onItem) {
    if (!expect(open)) return false;
    skipSpace();
    if (peek() == close) {
      ++pos_;
      return true;
    }
    for (;;) {
      std::string key;
      if (open == '{') {
        skipSpace();
        if (peek() != '"') return syntaxError("expected a string key");
        if (!parseString(key) || !expect(':')) return false;
      }
      skipSpace();
      if (!onItem(key)) return false;
      skipSpace();
      char next = peek();
      if (next != ',' && next != close) return syntaxError(std::string("expected ',' or '") + close + "'");
      ++pos_;
      if (next == close) return true;
    }
  }

  bool parseHex4(uint32_t &out) {
    if (text_.size() - pos_ < 4) return syntaxError("truncated \\u escape");
    auto [p, ec] = std::from_chars(text_.data() + pos_, text_.data() + pos_ + 4, out, 16);
    if (ec != std::errc() || p != text_.data() + pos_ + 4) return syntaxError("bad \\u escape");
    pos_ += 4;
    return true;
  }

  bool parseUnicodeEscape(std::string &out) {
    uint32_t cp;
    if (!parseHex4(cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return syntaxError("unpaired surrogate in \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t low;
      if (text_.substr(pos_, 2) != "\\u") return syntaxError("unpaired surrogate in \\u escape");
      pos_ += 2;
      if (!parseHex4(low)) return false;
      if (low < 0xDC00 || low > 0xDFFF) return syntaxError("unpaired surrogate in \\u escape");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    auto put = [&](uint32_t byte) { out += char(byte); };
    if (cp < 0x80)
      put(cp);
    else if (cp < 0x800)
      put(0xC0 | cp >> 6), put(0x80 | (cp & 0x3F));
    else if (cp < 0x10000)
      put(0xE0 | cp >> 12), put(0x80 | (cp >> 6 & 0x3F)), put(0x80 | (cp & 0x3F));
    else
      put(0xF0 | cp >> 18), put(0x80 | (cp >> 12 & 0x3F)), put(0x80 | (cp >> 6 & 0x3F)),
          put(0x80 | (cp & 0x3F));
    return true;
  }

  /// At '"'. The text was checked to be UTF-8 already.
  bool parseString(std::string &out) {
    ++pos_;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return syntaxError("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ == text_.size()) break;
      char e = text_[pos_++];
      static constexpr std::string_view kEscapes = "\"\"\\\\//b\bf\fn\nr\rt\t";
      size_t k = kEscapes.find(e);
      if (e == 'u') {
        if (!parseUnicodeEscape(out)) return false;
      } else if (k != std::string_view::npos && k % 2 == 0) {
        out += kEscapes[k + 1];
      } else {
        return syntaxError("bad escape in string");
      }
    }
    return syntaxError("unterminated string");
  }

  /// Scans a JSON number; `isInteger` is false if it has a fraction or exponent.
  bool scanNumber(std::string_view &token, bool &isInteger) {
    size_t start = pos_;
    auto digits = [&] {
      size_t from = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      return pos_ > from;
    };
    if (peek() == '-') ++pos_;
    if (peek() == '0')
      ++pos_;
    else if (!digits())
      return syntaxError("bad number");
    isInteger = true;
    if (peek() == '.') {
      ++pos_, isInteger = false;
      if (!digits()) return syntaxError("bad number");
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_, isInteger = false;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!digits()) return syntaxError("bad number");
    }
    token = text_.substr(start, pos_ - start);
    return true;
  }

  /// A non-negative integer <= INT64_MAX; `noun` names it in errors.
  bool parseIndex(const HeaderEntry &e, const char *field, const char *noun, uint64_t &out) {
    char c = peek();
    if (c != '-' && !(c >= '0' && c <= '9'))
      return tensorError(e, std::string("\"") + field + "\" must be an array of non-negative integers");
    std::string_view token;
    bool isInteger = false;
    if (!scanNumber(token, isInteger)) return false;
    std::string what = std::string(noun) + " " + std::string(token) + " in \"" + field + "\"";
    if (token[0] == '-') return tensorError(e, "negative " + what);
    if (!isInteger) return tensorError(e, "non-integer " + what);
    auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), out);
    if (ec != std::errc() || out > uint64_t(std::numeric_limits<int64_t>::max()))
      return tensorError(e, "too large " + what);
    return true;
  }

  bool parseEntry(HeaderEntry &e) {
    if (peek() != '{') return tensorError(e, "entry is not a JSON object");
    bool haveDType = false, haveShape = false, haveOffsets = false;
    auto once = [&](bool &seen, const std::string &key) {
      return !std::exchange(seen, true) || tensorError(e, "duplicate field \"" + key + "\"");
    };
    bool ok = forEachMember([&](const std::string &key) {
      if (key == "dtype") return once(haveDType, key) && parseDType(e);
      if (key == "shape") return once(haveShape, key) && parseShape(e);
      if (key == "data_offsets") return once(haveOffsets, key) && parseOffsets(e);
      return skipValue(2); // other fields are ignored, as upstream does
    });
    if (!ok) return false;
    if (!haveDType) return tensorError(e, "missing \"dtype\"");
    if (!haveShape) return tensorError(e, "missing \"shape\"");
    if (!haveOffsets) return tensorError(e, "missing \"data_offsets\"");
    return true;
  }

  bool parseDType(HeaderEntry &e) {
    std::string name;
    if (peek() != '"') return tensorError(e, "\"dtype\" must be a string");
    if (!parseString(name)) return false;
    auto dtype = parseSafetensorsDType(name);
    if (!dtype)
      return tensorError(e, "unsupported dtype " + quoted(name, '"') + " (supported: F32, I64, I32, BOOL)");
    e.dtype = *dtype;
    return true;
  }

  bool parseShape(HeaderEntry &e) {
    if (peek() != '[') return tensorError(e, "\"shape\" must be an array of non-negative integers");
    return forEachElement([&] {
      uint64_t dim;
      if (e.shape.size() == kMaxRank)
        return tensorError(e, "\"shape\" has more than " + std::to_string(kMaxRank) + " dimensions");
      if (!parseIndex(e, "shape", "dimension", dim)) return false;
      e.shape.push_back(int64_t(dim));
      return true;
    });
  }

  bool parseOffsets(HeaderEntry &e) {
    const std::string typeError = "\"data_offsets\" must be an array of two non-negative integers";
    if (peek() != '[') return tensorError(e, typeError);
    uint64_t values[2];
    size_t count = 0;
    bool ok = forEachElement([&] {
      if (count == 2) return tensorError(e, typeError);
      return parseIndex(e, "data_offsets", "offset", values[count++]);
    });
    if (!ok) return false;
    if (count != 2) return tensorError(e, typeError);
    e.begin = values[0], e.end = values[1];
    return true;
  }

  bool parseMetadata(SafetensorsMetadata &metadata) {
    if (peek() != '{') return fail("\"__metadata__\" must be an object of strings");
    return forEachMember([&](const std::string &key) {
      std::string value;
      if (peek() != '"') return fail("\"__metadata__\" value for " + quoted(key) + " must be a string");
      if (!parseString(value)) return false;
      if (!metadata.emplace(key, std::move(value)).second)
        return fail("duplicate key " + quoted(key) + " in \"__metadata__\"");
      return true;
    });
  }

  bool skipValue(int depth) {
    if (depth > kMaxJsonDepth) return syntaxError("nested too deeply");
    std::string ignored;
    std::string_view token;
    bool isInteger;
    switch (peek()) {
    case '{': return forEachMember([&](const std::string &) { return skipValue(depth + 1); });
    case '[': return forEachElement([&] { return skipValue(depth + 1); });
    case '"': return parseString(ignored);
    case 't': return literal("true");
    case 'f': return literal("false");
    case 'n': return literal("null");
    default: return scanNumber(token, isInteger);
    }
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return syntaxError("unexpected character");
    pos_ += word.size();
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::string error_;
};

/// Checks each tensor's byte size and that, sorted by offset, the tensors
/// tile [0, dataSize) exactly.
Status checkLayout(const std::vector<HeaderEntry> &entries, uint64_t dataSize) {
  for (const HeaderEntry &e : entries) {
    std::string where = "tensor " + quoted(e.name) + ": data_offsets " + offsetsToString(e.begin, e.end);
    if (e.begin > e.end) return Status::error(where + " have begin > end");
    if (e.end > dataSize)
      return Status::error(where + " run past the end of the data region (" + std::to_string(dataSize) +
                           " bytes)");
    auto bytes = shapeByteSize(e.shape, e.dtype);
    std::string type = std::string(dtypeName(e.dtype)) + shapeToString(e.shape);
    if (!bytes) return Status::error("tensor " + quoted(e.name) + ": shape " + type + " is too large");
    if (*bytes != e.end - e.begin)
      return Status::error(where + " hold " + std::to_string(e.end - e.begin) + " bytes but " + type +
                           " needs " + std::to_string(*bytes));
  }
  std::vector<const HeaderEntry *> sorted;
  for (const HeaderEntry &e : entries) sorted.push_back(&e);
  std::stable_sort(sorted.begin(), sorted.end(), [](auto *a, auto *b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  const HeaderEntry *previous = nullptr;
  uint64_t covered = 0;
  for (const HeaderEntry *e : sorted) {
    std::string where = "tensor " + quoted(e->name) + ": data_offsets " + offsetsToString(e->begin, e->end);
    if (e->begin < covered)
      return Status::error(where + " overlap tensor " + quoted(previous->name) + " " +
                           offsetsToString(previous->begin, previous->end));
    if (e->begin > covered)
      return Status::error(where + " leave a gap after byte " + std::to_string(covered) +
                           " of the data region");
    covered = e->end;
    previous = e;
  }
  if (covered != dataSize)
    return Status::error("the data region has " + std::to_string(dataSize - covered) +
                         " trailing bytes not covered by any tensor");
  return Status::ok();
}

} // namespace

Result<Header> parseHeader(std::string_view text, uint64_t dataSize) {
  if (size_t bad = findInvalidUtf8(text); bad != std::string_view::npos)
    return Status::error("header is not valid UTF-8 (byte " + std::to_string(bad) + ")");
  Header header;
  HeaderParser parser(text);
  if (!parser.parse(header)) return Status::error(parser.error());
  if (Status st = checkLayout(header.entries, dataSize); !st) return st;
  return header;
}

} // namespace attn::safetensors
