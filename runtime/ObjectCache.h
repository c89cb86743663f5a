// The object cache: compiled code on disk, so that compiling the same
// function again (in this process or another) is a file read; the llvm
// backend's JIT uses it (docs/llvm-backend.md, "Compiling"). One file an entry, named by its
// key; written to a temporary file and renamed into place, so that many
// processes may share a directory; checked (magic, key, sizes, checksum)
// before it is trusted; bounded in size, least recently used out first.
#pragma once

#include "runtime/MappedFile.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attn {

/// 128 bits that name an entry: the hash of everything that decides its code.
struct CacheKey {
  uint64_t low = 0, high = 0;
  std::string hex() const;
  bool operator==(const CacheKey &) const = default;
};

/// The 128-bit hash of `bytes` (ObjectCache.cpp: four multiply-rotate
/// lanes; fast, not cryptographic: for keys, and checksums against
/// corruption, not against an attacker who can write the cache directory).
CacheKey hash128(const void *data, size_t bytes);

/// A key built from pieces in order; each piece is hashed on its own and the
/// digests then together, so ("ab", "c") and ("a", "bc") differ.
class KeyHasher {
public:
  void add(const void *data, size_t bytes);
  void add(std::string_view text) { add(text.data(), text.size()); }
  void add(int64_t value) { add(&value, sizeof value); }
  CacheKey finish() const;

private:
  std::string digests_;
};

/// The cache directory the environment asks for: $ATTNC_CACHE_DIR, else
/// $XDG_CACHE_HOME/attnc, else $HOME/.cache/attnc; empty when
/// ATTNC_CACHE_DIR is "off" or nothing names a place.
std::string environmentCacheDirectory();

/// The size limit the environment asks for: $ATTNC_CACHE_MAX_SIZE in bytes,
/// with an optional K, M or G suffix (powers of 1024); 1 GB otherwise.
uint64_t environmentCacheLimit();

/// A piece of an entry: an object file (no name) or named data the objects
/// refer to (a LinkedBlob's symbol).
struct CacheSection {
  std::string name;
  std::string_view bytes;
};

/// An entry read from the cache: its sections point into a read-only mapping
/// of the file (each 64-byte aligned), which lives as long as the entry.
class CacheEntry {
public:
  explicit CacheEntry(MappedFile file) : file_(std::move(file)) {}
  const void *mapping() const { return file_.data(); }
  size_t size() const { return file_.size(); }
  std::vector<CacheSection> sections;

private:
  MappedFile file_;
};

class ObjectCache {
public:
  /// A cache in `directory` (created if need be). Null when `directory` is
  /// empty or "off", or cannot be created.
  static std::optional<ObjectCache> open(const std::string &directory, uint64_t maxBytes);

  const std::string &directory() const { return directory_; }
  /// The path of `key`'s entry.
  std::string path(const CacheKey &key) const;
  /// The entry stored under `key`, when an intact entry for that key is
  /// there; anything else (missing, truncated, corrupt, another key or
  /// format) is null, and the caller compiles and stores anew.
  std::shared_ptr<const CacheEntry> load(const CacheKey &key) const;
  /// Stores `sections` under `key`, then removes the least recently used
  /// entries while the directory holds more than the limit. Failures leave
  /// the cache as it was: it only ever saves time.
  void store(const CacheKey &key, const std::vector<CacheSection> &sections) const;

private:
  ObjectCache(std::string directory, uint64_t maxBytes) : directory_(std::move(directory)), maxBytes_(maxBytes) {}
  void evict() const;
  std::string directory_;
  uint64_t maxBytes_;
};

} // namespace attn
