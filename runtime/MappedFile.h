// A whole regular file mapped read-only: the safetensors reader's and the
// object cache's way in. Opening never blocks (a FIFO with no writer, a
// device) and anything but a regular file is refused before a byte is read.
#pragma once

#include "runtime/Status.h"

#include <cstddef>
#include <string>

namespace attn {

class MappedFile {
public:
  /// Maps `path`; `populate` asks the kernel to read it all in now (for a
  /// file that is read whole at once). An empty file maps to no bytes.
  /// Errors: "cannot open: REASON", "cannot open: not a regular file",
  /// "cannot open: is a directory", "cannot map: REASON" (no path prefix).
  static Result<MappedFile> open(const std::string &path, bool populate = false);

  MappedFile(MappedFile &&other) noexcept;
  MappedFile &operator=(MappedFile &&other) noexcept;
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;
  ~MappedFile();

  const std::byte *data() const { return static_cast<const std::byte *>(mapping_); }
  size_t size() const { return size_; }

private:
  MappedFile(void *mapping, size_t size) : mapping_(mapping), size_(size) {}
  void *mapping_ = nullptr;
  size_t size_ = 0;
};

} // namespace attn
