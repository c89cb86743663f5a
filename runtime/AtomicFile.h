// Writing a file so that readers see the old content or the new, never a
// part: the one atomic writer of the project (the CLI's outputs, safetensors
// files, the object cache's entries).
//
// The data goes to a temporary file in the target's directory (a short hidden
// name, `.attnc-PID-N.tmp`, so a target name of NAME_MAX characters still
// works), is flushed to the disk when asked (fsync), and is renamed over the
// target. On any failure, or when the writer is destroyed uncommitted, the
// temporary is removed and the target is left as it was.
//
// A symbolic link is followed: its target is replaced, the link stays. An
// existing target that is not a regular file (a device such as /dev/null, a
// FIFO with a reader) is written directly: renaming over it would replace the
// node itself. A FIFO with no reader and a directory are errors.
#pragma once

#include "runtime/Status.h"

#include <string>
#include <string_view>

namespace attn {

class AtomicFileWriter {
public:
  enum class Durability { Sync, NoSync }; // NoSync: a cache that can be rebuilt

  /// Creates the temporary next to `path`.
  static Result<AtomicFileWriter> create(const std::string &path, Durability durability = Durability::Sync);

  AtomicFileWriter(AtomicFileWriter &&other) noexcept;
  AtomicFileWriter &operator=(AtomicFileWriter &&) = delete;
  AtomicFileWriter(const AtomicFileWriter &) = delete;
  ~AtomicFileWriter();

  /// Appends `size` bytes (retrying short writes and EINTR).
  Status write(const void *data, size_t size);
  Status write(std::string_view bytes) { return write(bytes.data(), bytes.size()); }
  /// Flushes (Sync), closes and renames the temporary over the target.
  Status commit();

private:
  AtomicFileWriter(std::string path, std::string temporary, int fd, Durability durability);
  /// Direct mode (a device or FIFO): temporary_ is empty and commit closes.
  bool direct() const { return temporary_.empty(); }
  void discard();
  std::string path_;      // as asked for (messages)
  std::string target_;    // the file renamed over: path_ with links followed
  std::string temporary_; // empty in direct mode
  int fd_ = -1;
  Durability durability_;
  Status failed_ = Status::ok(); // the first write error; commit reports it
};

/// The file a writer for `path` replaces or creates: `path` with symbolic
/// links followed, a dangling one's target included.
std::string writeTarget(const std::string &path);

/// create + write + commit.
Status writeFileAtomically(const std::string &path, std::string_view bytes,
                           AtomicFileWriter::Durability durability = AtomicFileWriter::Durability::Sync);

} // namespace attn
