// The object cache (ObjectCache.h). An entry file, words little-endian u64:
//   "ATTNCOB2"                    8 bytes, the format
//   key                           16 bytes (low, high)
//   count                         the number of sections
//   count x (name length, offset, size)
//   the names, one after the other
//   the sections' bytes, each at an offset that is a multiple of 64
//   checksum                      16 bytes: hash128 of everything before it
#include "runtime/ObjectCache.h"

#include "runtime/AtomicFile.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <unistd.h>
#include <utime.h>

namespace attn {

namespace {

constexpr char kMagic[8] = {'A', 'T', 'T', 'N', 'C', 'O', 'B', '2'};
constexpr const char *kSuffix = ".attnc-obj";
constexpr uint64_t kDefaultLimit = uint64_t(1) << 30;
constexpr size_t kHeaderBytes = 8 + 16 + 8, kChecksumBytes = 16;

/// splitmix64's finaliser: every input bit reaches every output bit.
uint64_t avalanche(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t rotate(uint64_t x, int bits) { return (x << bits) | (x >> (64 - bits)); }

CacheKey digest(const void *data, size_t bytes) { return hash128(data, bytes); }

void appendWord(std::string &out, uint64_t word) {
  char bytes[8];
  std::memcpy(bytes, &word, 8);
  out.append(bytes, 8);
}

uint64_t wordAt(const char *in, size_t at) {
  uint64_t word;
  std::memcpy(&word, in + at, 8);
  return word;
}

/// A read-only mapping of the whole of a regular file (read in at once), or
/// null (missing, empty, not a regular file).
std::unique_ptr<CacheEntry> mapRegularFile(const std::string &path) {
  auto file = MappedFile::open(path, /*populate=*/true);
  if (!file || file->size() == 0) return nullptr;
  return std::make_unique<CacheEntry>(std::move(*file));
}

} // namespace

// Four lanes of 64 bits, each taking every fourth word of a 32-byte block
// (multiply, rotate, multiply): the lanes' chains are independent, so they
// run at once. The tail is zero padded, then the lanes and the length are
// folded into both halves of the result.
CacheKey hash128(const void *data, size_t bytes) {
  const unsigned char *p = static_cast<const unsigned char *>(data);
  uint64_t lane[4] = {0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full, 0x165667b19e3779f9ull, 0x27d4eb2f165667c5ull};
  auto block = [&](const unsigned char *at) {
    for (int k = 0; k < 4; ++k) {
      uint64_t w;
      std::memcpy(&w, at + 8 * k, 8);
      lane[k] = rotate(lane[k] ^ (w * 0x87c37b91114253d5ull), 31) * 0x4cf5ad432745937full;
    }
  };
  size_t i = 0;
  for (; i + 32 <= bytes; i += 32) block(p + i);
  unsigned char tail[32] = {};
  if (bytes > i) std::memcpy(tail, p + i, bytes - i);
  block(tail);
  uint64_t length = uint64_t(bytes);
  uint64_t low = avalanche(lane[0] ^ rotate(lane[1], 17) ^ rotate(lane[2], 31) ^ rotate(lane[3], 47) ^ length);
  uint64_t high = avalanche(lane[0] + 3 * lane[1] + 5 * lane[2] + 7 * lane[3] + rotate(length, 32));
  return CacheKey{low, high};
}

std::string CacheKey::hex() const {
  static const char digits[] = "0123456789abcdef";
  std::string text;
  for (uint64_t word : {high, low})
    for (int shift = 60; shift >= 0; shift -= 4) text += digits[(word >> shift) & 15];
  return text;
}

void KeyHasher::add(const void *data, size_t bytes) {
  CacheKey d = digest(data, bytes);
  appendWord(digests_, d.low);
  appendWord(digests_, d.high);
  appendWord(digests_, uint64_t(bytes));
}

CacheKey KeyHasher::finish() const { return digest(digests_.data(), digests_.size()); }

std::string environmentCacheDirectory() {
  if (const char *dir = std::getenv("ATTNC_CACHE_DIR"); dir && *dir) return std::string(dir) == "off" ? "" : dir;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/attnc";
  if (const char *home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/attnc";
  return "";
}

uint64_t environmentCacheLimit() {
  const char *text = std::getenv("ATTNC_CACHE_MAX_SIZE");
  if (!text || !*text) return kDefaultLimit;
  char *end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(text, &end, 10);
  if (errno || end == text || *text == '-') return kDefaultLimit;
  int shift = 0;
  if (*end == 'K' || *end == 'k') shift = 10, ++end;
  else if (*end == 'M' || *end == 'm') shift = 20, ++end;
  else if (*end == 'G' || *end == 'g') shift = 30, ++end;
  if (*end || (shift && value > (~0ull >> shift))) return kDefaultLimit;
  return uint64_t(value) << shift;
}

std::optional<ObjectCache> ObjectCache::open(const std::string &directory, uint64_t maxBytes) {
  if (directory.empty() || directory == "off") return std::nullopt;
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error || !std::filesystem::is_directory(directory, error)) return std::nullopt;
  return ObjectCache(directory, maxBytes);
}

std::string ObjectCache::path(const CacheKey &key) const { return directory_ + "/" + key.hex() + kSuffix; }

std::shared_ptr<const CacheEntry> ObjectCache::load(const CacheKey &key) const {
  std::string file = path(key);
  // A file may be replaced (renamed over) while mapped: the mapping keeps
  // the old one. Entries are never written in place.
  std::unique_ptr<CacheEntry> entry = mapRegularFile(file);
  if (!entry) return nullptr;
  const char *bytes = static_cast<const char *>(entry->mapping());
  size_t size = entry->size();
  if (size < kHeaderBytes + kChecksumBytes) return nullptr;
  size_t body = size - kChecksumBytes;
  CacheKey sum = digest(bytes, body);
  if (wordAt(bytes, body) != sum.low || wordAt(bytes, body + 8) != sum.high) return nullptr;
  if (std::memcmp(bytes, kMagic, 8) != 0) return nullptr;
  if (CacheKey{wordAt(bytes, 8), wordAt(bytes, 16)} != key) return nullptr;
  uint64_t count = wordAt(bytes, 24);
  if (count == 0 || count > (body - kHeaderBytes) / 24) return nullptr;
  size_t names = kHeaderBytes + size_t(count) * 24;
  for (uint64_t i = 0; i < count; ++i) {
    const size_t at = kHeaderBytes + size_t(i) * 24;
    uint64_t nameLength = wordAt(bytes, at), offset = wordAt(bytes, at + 8), length = wordAt(bytes, at + 16);
    if (nameLength > body - names || offset > body || length > body - offset) return nullptr;
    entry->sections.push_back({std::string(bytes + names, size_t(nameLength)), std::string_view(bytes + offset, size_t(length))});
    names += size_t(nameLength);
  }
  ::utime(file.c_str(), nullptr); // recently used: evicted last
  return entry;
}

void ObjectCache::store(const CacheKey &key, const std::vector<CacheSection> &sections) const {
  std::string bytes(kMagic, 8);
  appendWord(bytes, key.low);
  appendWord(bytes, key.high);
  appendWord(bytes, sections.size());
  size_t offset = kHeaderBytes + sections.size() * 24;
  for (const CacheSection &s : sections) offset += s.name.size();
  std::vector<size_t> offsets;
  for (const CacheSection &s : sections) {
    offset = (offset + 63) / 64 * 64;
    offsets.push_back(offset);
    offset += s.bytes.size();
  }
  for (size_t i = 0; i < sections.size(); ++i) {
    appendWord(bytes, sections[i].name.size());
    appendWord(bytes, offsets[i]);
    appendWord(bytes, sections[i].bytes.size());
  }
  for (const CacheSection &s : sections) bytes += s.name;
  for (size_t i = 0; i < sections.size(); ++i) {
    bytes.resize(offsets[i], '\0');
    bytes += sections[i].bytes;
  }
  CacheKey sum = digest(bytes.data(), bytes.size());
  appendWord(bytes, sum.low);
  appendWord(bytes, sum.high);

  // No fsync: an entry lost in a crash is compiled again, and a damaged one
  // fails its checksum.
  if (!writeFileAtomically(path(key), bytes, AtomicFileWriter::Durability::NoSync)) return;
  evict();
}

void ObjectCache::evict() const {
  struct Entry {
    std::filesystem::path path;
    uint64_t bytes;
    std::filesystem::file_time_type used;
  };
  std::vector<Entry> entries;
  uint64_t total = 0;
  std::error_code error;
  for (const auto &item : std::filesystem::directory_iterator(directory_, error)) {
    std::string name = item.path().filename().string();
    if (name.size() < std::strlen(kSuffix) || name.compare(name.size() - std::strlen(kSuffix), std::string::npos, kSuffix) != 0)
      continue; // not ours, or a temporary file being written
    std::error_code e1, e2;
    uint64_t bytes = item.file_size(e1);
    auto used = item.last_write_time(e2);
    if (e1 || e2) continue;
    entries.push_back({item.path(), bytes, used});
    total += bytes;
  }
  if (total <= maxBytes_) return;
  std::sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) { return a.used < b.used; });
  for (const Entry &e : entries) {
    if (total <= maxBytes_) break;
    if (std::filesystem::remove(e.path, error)) total -= e.bytes;
  }
}

} // namespace attn
