// Safetensors reader (a strict, schema-directed JSON header parser plus the
// layout checks listed in Safetensors.h) and atomic writer.
#include "runtime/Safetensors.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <system_error>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; big-endian hosts need byte swapping");

namespace attn {
namespace {

constexpr uint64_t kMaxHeaderBytes = 100u << 20;
constexpr size_t kMaxRank = 64;
constexpr int kMaxJsonDepth = 64;

std::string errnoMessage() { return std::error_code(errno, std::generic_category()).message(); }

/// A name for messages: quoted, control bytes escaped so the message stays one line.
std::string quoted(std::string_view name, char quote = '\'') {
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

/// Offset of the first byte that is not part of valid UTF-8, or npos.
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

/// Bytes of a tensor of `shape` and `dtype`; nullopt when the element count or
/// the byte size does not fit in 63 bits (so numElements() cannot overflow).
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

std::string offsetsToString(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

struct HeaderEntry {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  uint64_t begin = 0, end = 0;
};

struct Header {
  std::vector<HeaderEntry> entries;
  SafetensorsMetadata metadata;
};

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

struct SafetensorsFile::Impl {
  std::string path;
  std::vector<std::byte> buffer; // backing store for fromBuffer
  void *mapping = nullptr;       // backing store for open
  size_t mappingSize = 0;
  const std::byte *bytes = nullptr;
  size_t size = 0;

  std::vector<std::string> names;
  std::vector<TensorView> views; // parallel to names
  std::map<std::string, size_t, std::less<>> index;
  SafetensorsMetadata metadata;
  std::vector<Tensor> alignedCopies;

  ~Impl() {
    if (mapping) ::munmap(mapping, mappingSize);
  }
};

SafetensorsFile::SafetensorsFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SafetensorsFile::SafetensorsFile(SafetensorsFile &&) noexcept = default;
SafetensorsFile &SafetensorsFile::operator=(SafetensorsFile &&) noexcept = default;
SafetensorsFile::~SafetensorsFile() = default;

const std::vector<std::string> &SafetensorsFile::names() const { return impl_->names; }
const SafetensorsMetadata &SafetensorsFile::metadata() const { return impl_->metadata; }
const std::string &SafetensorsFile::path() const { return impl_->path; }

const TensorView *SafetensorsFile::find(std::string_view name) const {
  auto it = impl_->index.find(name);
  return it == impl_->index.end() ? nullptr : &impl_->views[it->second];
}

NamedTensorViews SafetensorsFile::views() const {
  NamedTensorViews views;
  for (const std::string &name : names()) views.emplace_back(name, *find(name));
  return views;
}

Result<SafetensorsFile> SafetensorsFile::open(const std::string &path) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::error(path + ": cannot open: " + errnoMessage());
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    std::string reason = S_ISDIR(info.st_mode) ? "is a directory" : "not a regular file";
    ::close(fd);
    return Status::error(path + ": cannot open: " + reason);
  }
  impl->size = size_t(info.st_size);
  if (impl->size > 0) {
    void *mapping = ::mmap(nullptr, impl->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapping == MAP_FAILED) {
      std::string reason = errnoMessage();
      ::close(fd);
      return Status::error(path + ": cannot map: " + reason);
    }
    impl->mapping = mapping;
    impl->mappingSize = impl->size;
    impl->bytes = static_cast<const std::byte *>(mapping);
  }
  ::close(fd);
  return validate(std::move(impl));
}

Result<SafetensorsFile> SafetensorsFile::fromBuffer(std::vector<std::byte> bytes, std::string name) {
  auto impl = std::make_unique<Impl>();
  impl->path = std::move(name);
  impl->buffer = std::move(bytes);
  impl->bytes = impl->buffer.data();
  impl->size = impl->buffer.size();
  return validate(std::move(impl));
}

Result<SafetensorsFile> SafetensorsFile::fromBuffer(std::string_view bytes, std::string name) {
  auto *begin = reinterpret_cast<const std::byte *>(bytes.data());
  return fromBuffer(std::vector<std::byte>(begin, begin + bytes.size()), std::move(name));
}

Result<SafetensorsFile> SafetensorsFile::validate(std::unique_ptr<Impl> impl) {
  auto fail = [&](const std::string &message) { return Status::error(impl->path + ": " + message); };
  if (impl->size < 8)
    return fail("file is " + std::to_string(impl->size) +
                " bytes, too short for a safetensors header (8 bytes)");
  uint64_t headerSize = 0;
  for (int i = 7; i >= 0; --i) headerSize = headerSize << 8 | std::to_integer<uint64_t>(impl->bytes[i]);
  if (headerSize > kMaxHeaderBytes)
    return fail("header length " + std::to_string(headerSize) + " exceeds the 100 MB limit");
  if (headerSize > impl->size - 8)
    return fail("header length " + std::to_string(headerSize) + " runs past the end of the file (" +
                std::to_string(impl->size) + " bytes)");
  std::string_view text(reinterpret_cast<const char *>(impl->bytes + 8), headerSize);
  if (size_t bad = findInvalidUtf8(text); bad != std::string_view::npos)
    return fail("header is not valid UTF-8 (byte " + std::to_string(bad) + ")");
  Header header;
  HeaderParser parser(text);
  if (!parser.parse(header)) return fail(parser.error());
  const std::byte *data = impl->bytes + 8 + headerSize;
  if (Status st = checkLayout(header.entries, impl->size - 8 - headerSize); !st) return fail(st.message());

  impl->metadata = std::move(header.metadata);
  for (HeaderEntry &e : header.entries) {
    TensorView view{e.dtype, std::move(e.shape), const_cast<std::byte *>(data + e.begin)};
    if (reinterpret_cast<uintptr_t>(view.data) % dtypeSize(e.dtype) != 0) {
      impl->alignedCopies.push_back(Tensor::copyOf(view));
      view.data = impl->alignedCopies.back().data();
    }
    impl->index.emplace(e.name, impl->names.size());
    impl->names.push_back(std::move(e.name));
    impl->views.push_back(std::move(view));
  }
  return SafetensorsFile(std::move(impl));
}

// ---- Writing ----------------------------------------------------------------

namespace {

std::string jsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\', out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

/// The 8-byte length, the padded header, and the order the data follows.
struct FilePlan {
  std::string prefix;
  std::vector<size_t> dataOrder;
};

Status checkWritable(const NamedTensorViews &tensors, const SafetensorsMetadata &metadata) {
  std::set<std::string_view> seen;
  for (const auto &[name, view] : tensors) {
    std::string what = "cannot write tensor " + quoted(name) + ": ";
    if (name == "__metadata__") return Status::error(what + "the name is reserved");
    if (!seen.insert(name).second) return Status::error(what + "duplicate name");
    if (findInvalidUtf8(name) != std::string_view::npos) return Status::error(what + "the name is not UTF-8");
    auto bytes = shapeByteSize(view.shape, view.dtype);
    if (!bytes) return Status::error(what + "invalid shape " + shapeToString(view.shape));
    if (*bytes > 0 && !view.data) return Status::error(what + "no data");
  }
  for (const auto &[key, value] : metadata)
    if (findInvalidUtf8(key) != std::string_view::npos || findInvalidUtf8(value) != std::string_view::npos)
      return Status::error("cannot write metadata " + quoted(key) + ": not UTF-8");
  return Status::ok();
}

/// Data goes by decreasing element size, so each offset is a multiple of the
/// tensor's element size; with an 8-aligned header every tensor is aligned.
Result<FilePlan> planFile(const NamedTensorViews &tensors, const SafetensorsMetadata &metadata) {
  if (Status st = checkWritable(tensors, metadata); !st) return st;
  FilePlan plan;
  for (size_t i = 0; i < tensors.size(); ++i) plan.dataOrder.push_back(i);
  std::stable_sort(plan.dataOrder.begin(), plan.dataOrder.end(), [&](size_t a, size_t b) {
    return dtypeSize(tensors[a].second.dtype) > dtypeSize(tensors[b].second.dtype);
  });
  std::vector<uint64_t> begins(tensors.size());
  uint64_t offset = 0;
  for (size_t i : plan.dataOrder) begins[i] = offset, offset += tensors[i].second.byteSize();

  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    for (const auto &[key, value] : metadata)
      header += (header.back() == '{' ? "" : ",") + jsonString(key) + ":" + jsonString(value);
    header += "}";
  }
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorView &view = tensors[i].second;
    std::string shape;
    for (int64_t d : view.shape) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    header += (header.size() == 1 ? "" : ",") + jsonString(tensors[i].first) + ":{\"dtype\":\"" +
              std::string(dtypeSafetensorsName(view.dtype)) + "\",\"shape\":[" + shape +
              "],\"data_offsets\":[" + std::to_string(begins[i]) + "," +
              std::to_string(begins[i] + view.byteSize()) + "]}";
  }
  header += "}";
  header.resize((header.size() + 7) / 8 * 8, ' ');
  uint64_t length = header.size();
  for (int i = 0; i < 8; ++i) plan.prefix += char(length >> (8 * i) & 0xFF);
  plan.prefix += header;
  return plan;
}

Status writeAll(int fd, const void *data, size_t size) {
  auto *p = static_cast<const char *>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::error(n < 0 ? errnoMessage() : "short write");
    p += n, size -= size_t(n);
  }
  return Status::ok();
}

/// Creates `path`.tmp.PID.N exclusively (mode 0666 less the umask).
int createTemporary(const std::string &path, std::string &tmpPath) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    tmpPath = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(attempt);
    int fd = ::open(tmpPath.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  return -1;
}

} // namespace

Result<std::vector<std::byte>> serializeSafetensors(const NamedTensorViews &tensors,
                                                    const SafetensorsMetadata &metadata) {
  auto plan = planFile(tensors, metadata);
  if (!plan) return plan.status();
  std::vector<std::byte> out;
  auto append = [&](const void *p, size_t n) {
    auto *b = static_cast<const std::byte *>(p);
    out.insert(out.end(), b, b + n);
  };
  append(plan->prefix.data(), plan->prefix.size());
  for (size_t i : plan->dataOrder) append(tensors[i].second.data, tensors[i].second.byteSize());
  return out;
}

Status writeSafetensors(const std::string &path, const NamedTensorViews &tensors,
                        const SafetensorsMetadata &metadata) {
  auto plan = planFile(tensors, metadata);
  if (!plan) return Status::error(path + ": " + plan.message());
  std::string tmpPath;
  int fd = createTemporary(path, tmpPath);
  if (fd < 0) return Status::error(path + ": cannot create a temporary file: " + errnoMessage());
  Status st = writeAll(fd, plan->prefix.data(), plan->prefix.size());
  for (size_t i : plan->dataOrder)
    if (st) st = writeAll(fd, tensors[i].second.data, tensors[i].second.byteSize());
  if (st && ::fsync(fd) != 0) st = Status::error(errnoMessage());
  if (::close(fd) != 0 && st) st = Status::error(errnoMessage());
  if (st) {
    if (::rename(tmpPath.c_str(), path.c_str()) == 0) return Status::ok();
    st = Status::error("cannot rename the temporary file " + tmpPath + ": " + errnoMessage());
  }
  ::unlink(tmpPath.c_str());
  return Status::error(path + ": cannot write: " + st.message());
}

} // namespace attn
