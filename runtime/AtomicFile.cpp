// The atomic file writer (AtomicFile.h).
#include "runtime/AtomicFile.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace attn {

namespace {

std::string errnoMessage(int error) { return std::error_code(error, std::generic_category()).message(); }

std::string directoryOf(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  return path.substr(0, slash + 1);
}

} // namespace

std::string writeTarget(const std::string &requested) {
  std::string path = requested;
  for (int depth = 0; depth < 40; ++depth) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0 || !S_ISLNK(info.st_mode)) return path;
    std::string target(size_t(info.st_size > 0 ? info.st_size : 4096), '\0');
    ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n <= 0) return path;
    target.resize(size_t(n));
    path = target.front() == '/' ? target : directoryOf(path) + target;
  }
  return path; // a loop: the open in create reports it
}

Result<AtomicFileWriter> AtomicFileWriter::create(const std::string &requested, Durability durability) {
  std::string path = writeTarget(requested);
  struct stat info {};
  // A directory goes the usual way: the rename over it fails, nothing is left.
  if (::stat(path.c_str(), &info) == 0 && !S_ISREG(info.st_mode) && !S_ISDIR(info.st_mode)) {
    // A device or a FIFO: written in place. O_NONBLOCK so that a FIFO with
    // no reader is an error (ENXIO) instead of a wait; then blocking again.
    int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return Status::error(requested + ": cannot write: " + errnoMessage(errno));
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return AtomicFileWriter(requested, "", fd, Durability::NoSync);
  }
  std::string directory = directoryOf(path);
  int error = 0;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string temporary =
        directory + ".attnc-" + std::to_string(::getpid()) + "-" + std::to_string(attempt) + ".tmp";
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      AtomicFileWriter writer(requested, std::move(temporary), fd, durability);
      writer.target_ = path;
      return writer;
    }
    error = errno;
    if (error != EEXIST) break;
  }
  return Status::error(requested + ": cannot create a temporary file next to it: " + errnoMessage(error));
}

AtomicFileWriter::AtomicFileWriter(std::string path, std::string temporary, int fd, Durability durability)
    : path_(std::move(path)), temporary_(std::move(temporary)), fd_(fd), durability_(durability) {}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter &&other) noexcept
    : path_(std::move(other.path_)), target_(std::move(other.target_)),
      temporary_(std::move(other.temporary_)), fd_(other.fd_),
      durability_(other.durability_), failed_(std::move(other.failed_)) {
  other.fd_ = -1;
  other.temporary_.clear();
}

AtomicFileWriter::~AtomicFileWriter() { discard(); }

void AtomicFileWriter::discard() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temporary_.empty()) ::unlink(temporary_.c_str());
  temporary_.clear();
}

Status AtomicFileWriter::write(const void *data, size_t size) {
  if (!failed_) return failed_;
  if (fd_ < 0) return Status::error(path_ + ": already committed");
  auto *p = static_cast<const char *>(data);
  while (size > 0) {
    ssize_t n = ::write(fd_, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failed_ = Status::error(path_ + ": cannot write: " + (n < 0 ? errnoMessage(errno) : "short write"));
      return failed_;
    }
    p += n, size -= size_t(n);
  }
  return Status::ok();
}

Status AtomicFileWriter::commit() {
  if (fd_ < 0) return Status::error(path_ + ": already committed");
  Status st = failed_;
  if (st && durability_ == Durability::Sync && ::fsync(fd_) != 0)
    st = Status::error(path_ + ": cannot write: " + errnoMessage(errno));
  int closed = ::close(fd_);
  fd_ = -1;
  if (st && closed != 0) st = Status::error(path_ + ": cannot write: " + errnoMessage(errno));
  if (st && !direct() && ::rename(temporary_.c_str(), target_.c_str()) != 0)
    st = Status::error(path_ + ": cannot rename the temporary file over it: " + errnoMessage(errno));
  if (st) temporary_.clear(); // renamed: nothing to remove
  discard();
  return st;
}

Status writeFileAtomically(const std::string &path, std::string_view bytes,
                           AtomicFileWriter::Durability durability) {
  auto writer = AtomicFileWriter::create(path, durability);
  if (!writer) return writer.status();
  if (Status s = writer->write(bytes); !s) return s;
  return writer->commit();
}

} // namespace attn
